// The wallet under stress, end to end through the real process tree: frozen
// addresses and coins, fees to the satoshi, kill -9 of the broker mid-sync
// and mid-send, a corrupted database file, sends in a row without a block
// between them, no address handed out twice, a reorg across a confirmed
// payment, and a refused broadcast that leaves no phantom spend. Truth is
// read from the universe (the chain and its mempool), not from the wallet.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "chain/address.h"
#include "chain/params.h"
#include "chain/tx.h"
#include "tests/e2e/e2e_driver.h"
#include "tests/support/electrum_index.h"

namespace redoubt::test {
namespace {

// A foreign address (someone else's wallet) to pay to.
constexpr const char* kForeign = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";

class Robustness : public E2E {
 protected:
  // The value of output `vout` of `txid` as the chain has it.
  int64_t prevout_value(const chain::OutPoint& op) {
    chain::Transaction prev = chain_tx(chain::to_hex_reversed(op.txid));
    return prev.outputs.at(op.index).value;
  }
  int64_t actual_fee(const chain::Transaction& tx) {
    int64_t in = 0, out = 0;
    for (const auto& i : tx.inputs) in += prevout_value(i.prevout);
    for (const auto& o : tx.outputs) out += o.value;
    return in - out;
  }
  static std::set<std::string> spent_outpoints(const chain::Transaction& tx) {
    std::set<std::string> s;
    for (const auto& i : tx.inputs)
      s.insert(chain::to_hex_reversed(i.prevout.txid) + ":" + std::to_string(i.prevout.index));
    return s;
  }
  static std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
};

TEST_F(Robustness, FrozenAddressesAndCoinsAreNeverSpent) {
  create();
  std::vector<std::string> addrs = receiving();
  ASSERT_GE(addrs.size(), 2u);
  const std::string a1 = addrs[0];
  std::string big = universe().fund(a1, 200'000'000, /*confirm=*/true);
  universe().fund(addrs[1], 100'000'000, /*confirm=*/true);

  // The address holding 2 NMC frozen: 1.5 NMC cannot be paid from 1 NMC.
  ASSERT_EQ(r({"freeze", a1}).rc, 0);
  Json b = balance();
  EXPECT_EQ(b.value("frozen", Json("0")), "2") << b.dump();
  Result refused = pw({"payto", kForeign, "1.5"});
  EXPECT_EQ(refused.rc, 6) << refused.err;
  EXPECT_NE(refused.err.find("excluded"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("frozen"), std::string::npos) << refused.err;
  EXPECT_EQ(history().size(), 2u) << "nothing was recorded or broadcast";

  // The same with the single coin frozen instead of its address.
  ASSERT_EQ(r({"unfreeze", a1}).rc, 0);
  EXPECT_FALSE(balance().contains("frozen"));
  Result coins = r({"listunspent"});
  ASSERT_EQ(coins.rc, 0) << coins.err;
  std::string coin;
  for (const auto& c : coins.json())
    if (c["prevout_hash"] == big) coin = big + ":" + std::to_string(c["prevout_n"].get<int>());
  ASSERT_FALSE(coin.empty()) << coins.out;
  ASSERT_EQ(r({"freeze", coin}).rc, 0);
  refused = pw({"payto", kForeign, "1.5"});
  EXPECT_EQ(refused.rc, 6) << refused.err;
  EXPECT_NE(refused.err.find("frozen"), std::string::npos) << refused.err;

  // Unfrozen, the payment goes through and spends that coin.
  ASSERT_EQ(r({"unfreeze", coin}).rc, 0);
  Result ok = pw({"payto", kForeign, "1.5"});
  ASSERT_EQ(ok.rc, 0) << ok.err;
  chain::Transaction tx = chain_tx(ok.json()["txid"]);
  EXPECT_TRUE(spent_outpoints(tx).count(coin)) << "the unfrozen coin pays";
}

TEST_F(Robustness, FeeIsExactToTheSatoshiForTheGivenRate) {
  create();
  std::vector<std::string> addrs = receiving();
  ASSERT_GE(addrs.size(), 2u);
  universe().fund(addrs[0], 300'000'000, /*confirm=*/true);
  universe().fund(addrs[1], 40'000'000, /*confirm=*/true);
  // Rates in sat/kvB; all at or above the universe's relay minimum.
  for (int64_t rate : {100'000, 137'913, 251'003}) {
    SCOPED_TRACE("rate " + std::to_string(rate));
    Result pay = pw({"payto", kForeign, "0.3", "--fee-rate", std::to_string(rate)});
    ASSERT_EQ(pay.rc, 0) << pay.err;
    chain::Transaction tx =
        chain::parse_transaction(chain::from_hex(pay.json()["hex"].get<std::string>()));
    const int64_t vsize = static_cast<int64_t>(tx.vsize());
    // keyd grinds every signature to 71 bytes (with the sighash byte), the
    // size the wallet priced before signing: the fee is the rate on the real
    // size, to the satoshi.
    for (const auto& in : tx.inputs) {
      const size_t sig = in.witness.empty() ? in.script_sig.at(0) + 1u : in.witness.at(0).size();
      EXPECT_EQ(sig, 71u) << "signature with its sighash byte";
    }
    const int64_t want = (vsize * rate + 999) / 1000;
    const int64_t paid = actual_fee(tx);
    EXPECT_EQ(sat(pay.json()["summary"]["fee"]), paid) << "the summary shows the real fee";
    EXPECT_EQ(pay.json()["summary"]["vsize"], vsize) << "the summary shows the real vsize";
    EXPECT_EQ(paid, want) << "fee for " << vsize << " vbytes at " << rate
                          << " sat/kvB; signatures: " <<
        [&] {
          std::string s;
          for (const auto& i : tx.inputs)
            s +=
                std::to_string(i.witness.empty() ? i.script_sig.size() : i.witness[0].size()) + " ";
          return s;
        }();
    universe().mine(1);
  }
}

// Fee to the satoshi with several inputs: with four signatures a 72-byte
// estimate would overpay by a vbyte or more (the bug this guards); ground
// 71-byte signatures make rate * vsize exact for the transaction signed.
TEST_F(Robustness, FeeIsExactWithSeveralInputs) {
  create();
  std::vector<std::string> addrs = receiving();
  ASSERT_GE(addrs.size(), 4u);
  for (size_t i = 0; i < 4; ++i) universe().fund(addrs[i], 30'000'000, false);
  universe().mine(1);
  for (int64_t rate : {123'457, 100'003}) {
    SCOPED_TRACE("rate " + std::to_string(rate));
    Result pay = pw(
        {"payto", kForeign, rate == 100'003 ? "0.05" : "1.05", "--fee-rate", std::to_string(rate)});
    ASSERT_EQ(pay.rc, 0) << pay.err;
    chain::Transaction tx =
        chain::parse_transaction(chain::from_hex(pay.json()["hex"].get<std::string>()));
    if (rate != 100'003) {
      ASSERT_EQ(tx.inputs.size(), 4u) << "1.05 NMC needs all four coins";
    }
    const int64_t vsize = static_cast<int64_t>(tx.vsize());
    EXPECT_EQ(actual_fee(tx), (vsize * rate + 999) / 1000)
        << "fee for the " << vsize << " vbytes actually signed";
    EXPECT_EQ(pay.json()["summary"]["vsize"], vsize);
    universe().mine(1);
  }
}

TEST_F(Robustness, ThreeSendsInARowWithoutABlockAllReachTheMempool) {
  create();
  universe().fund(address(), 500'000'000, /*confirm=*/true);
  std::vector<std::string> txids;
  std::set<std::string> spent;
  int64_t fees = 0;
  for (int i = 0; i < 3; ++i) {
    Result pay = pw({"payto", kForeign, "0.7"});
    ASSERT_EQ(pay.rc, 0) << "send " << i << ": " << pay.err;
    std::string txid = pay.json()["txid"];
    EXPECT_EQ(universe().confirmations(txid), 0) << "accepted by the mempool";
    for (const auto& op : spent_outpoints(chain_tx(txid)))
      EXPECT_TRUE(spent.insert(op).second) << "coin " << op << " spent twice";
    fees += sat(pay.json()["summary"]["fee"]);
    txids.push_back(txid);
  }
  universe().mine(1);
  for (const auto& t : txids) EXPECT_EQ(universe().confirmations(t), 1) << t;
  EXPECT_EQ(sat(balance()["confirmed"]), 500'000'000 - 3 * 70'000'000 - fees);
}

TEST_F(Robustness, CorruptDatabaseIsRefusedByNameAndLeftUntouched) {
  create();
  universe().fund(address(), 100'000'000, /*confirm=*/true);
  ASSERT_EQ(balance()["confirmed"], "1");
  const std::filesystem::path db = wallet_ + "/regtest/wallet.db";
  ASSERT_TRUE(std::filesystem::exists(db));
  // Every page after the first overwritten: the header still says SQLite,
  // the b-trees are garbage.
  std::string bytes = slurp(db);
  ASSERT_GT(bytes.size(), 8192u);
  for (size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xA5 ^ (i * 31));
  {
    std::ofstream f(db, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  // What a WAL left behind would mask the damage; the test is about the file.
  std::filesystem::remove(wallet_ + "/regtest/wallet.db-wal");
  std::filesystem::remove(wallet_ + "/regtest/wallet.db-shm");

  Result b = r({"getbalance"});
  EXPECT_EQ(b.rc, 11) << b.out << b.err;
  EXPECT_NE(b.err.find(db.string()), std::string::npos) << "names the file: " << b.err;
  EXPECT_NE(b.err.find("corrupt"), std::string::npos) << b.err;
  EXPECT_EQ(slurp(db), bytes) << "the file's bytes are unchanged";

  // Not a database at all: the same refusal, the same care.
  bytes.replace(0, 16, "definitely nope!");
  {
    std::ofstream f(db, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  b = r({"history"});
  EXPECT_EQ(b.rc, 11) << b.out << b.err;
  EXPECT_NE(b.err.find(db.string()), std::string::npos) << b.err;
  EXPECT_EQ(slurp(db), bytes);
}

// kill -9 of the broker at several points of a sync and of a send. After
// each crash the database opens, what it shows agrees with the chain, sync
// resumes, and two sends in a row never spend the same coin.
TEST_F(Robustness, KillNineDuringSyncAndSendThenConsistentRestart) {
  create();
  std::vector<std::string> addrs = receiving();
  ASSERT_GE(addrs.size(), 12u);
  // Twelve addresses, one of them reused, over three blocks: enough history
  // that a sync takes a while.
  int64_t funded = 0;
  for (size_t i = 0; i < 12; ++i) {
    int64_t amount = 10'000'000 * static_cast<int64_t>(i + 1);
    universe().fund(addrs[i], amount, false);
    funded += amount;
    if (i % 4 == 3) universe().mine(1);
  }
  universe().fund(addrs[0], 5'000'000, /*confirm=*/true);
  funded += 5'000'000;
  universe().mine(30);  // headers to verify too

  // The chain's word: the confirmed unspent outputs at the wallet's addresses.
  auto chain_balance = [&] {
    Result all = r({"listaddresses"});
    EXPECT_EQ(all.rc, 0) << all.err;
    auto ix = universe().index();
    int64_t total = 0;
    for (const auto& a : all.json()) {
      auto script = chain::address_to_script(a.get<std::string>(), chain::regtest_params());
      auto it = ix->utxos.find(testsupport::owner_script_hash(script));
      if (it == ix->utxos.end()) continue;
      for (const auto& u : it->second) total += u.value;
    }
    return total;
  };

  // Killed while syncing, at growing delays; each run resumes the last one.
  int landed = 0;
  std::string rcs;
  for (int delay_ms : {10, 40, 80, 120, 170, 240, 320}) {
    Spawned s = spawn_with_input(argv({"getbalance"}), "");
    ASSERT_GT(s.pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    if (kill(s.pid, SIGKILL) == 0) {
      auto t0 = std::chrono::steady_clock::now();
      Result k = collect(s, 15000);
      rcs += std::to_string(delay_ms) + "ms:" + std::to_string(k.rc) + "/" +
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - t0)
                                .count()) +
             "ms ";
      if (k.rc == 128 + SIGKILL) ++landed;
    } else {
      collect(s, 15000);
    }
  }
  EXPECT_GT(landed, 0) << "at least one kill landed while the broker ran: " << rcs;
  std::cerr << "kills during sync (delay:rc/time to collect): " << rcs << "\n";
  Json b = balance();
  EXPECT_EQ(sat(b["confirmed"]), funded) << b.dump();
  EXPECT_EQ(history().size(), 13u);
  EXPECT_EQ(sat(b["confirmed"]), chain_balance());

  // Killed while sending, at growing delays (some kills land before keyd
  // signs, some between signing and broadcasting, some after).
  int sends_killed = 0;
  for (int delay_ms : {40, 90, 140, 190, 250, 320}) {
    Spawned s = spawn_with_input(argv({"payto", kForeign, "0.1"}), kPassword);
    ASSERT_GT(s.pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(s.pid, SIGKILL);
    if (collect(s, 15000).rc == 128 + SIGKILL) ++sends_killed;
    // The database opens and agrees with itself after each crash.
    Result after = r({"getbalance"});
    ASSERT_EQ(after.rc, 0) << "after a kill at " << delay_ms << " ms: " << after.err;
  }
  EXPECT_GT(sends_killed, 0) << "at least one send was killed midway";
  // Two sends in a row after the crashes: both accepted, no coin twice.
  std::set<std::string> spent;
  for (int i = 0; i < 2; ++i) {
    Result pay = pw({"payto", kForeign, "0.2"});
    ASSERT_EQ(pay.rc, 0) << "send " << i << " after the crashes: " << pay.err;
    std::string txid = pay.json()["txid"];
    EXPECT_EQ(universe().confirmations(txid), 0) << "in the mempool";
    for (const auto& op : spent_outpoints(chain_tx(txid)))
      EXPECT_TRUE(spent.insert(op).second) << "coin " << op << " spent twice";
  }
  // Every transaction the wallet lists is one the network knows: no
  // half-made send left locking coins after a crash.
  for (const auto& t : history()) {
    EXPECT_GE(universe().confirmations(t["txid"]), 0)
        << "the wallet lists " << t["txid"] << " which the network never saw";
  }
  universe().mine(1);
  b = balance();
  EXPECT_EQ(sat(b["confirmed"]), chain_balance()) << b.dump();
  EXPECT_EQ(sat(b.value("unconfirmed", Json("0"))), 0) << b.dump();
}

// A one-shot getunusedaddress syncs first: an address that has received a
// payment since the last sync is never handed out again (reuse links payers).
TEST_F(Robustness, GetUnusedAddressNeverHandsOutAnAddressThatAlreadyReceived) {
  create();
  std::string first = address();
  universe().fund(first, 100'000'000, /*confirm=*/true);
  std::string second = address();
  EXPECT_NE(first, second) << first << " has already received a payment";
  universe().fund(second, 100'000'000, /*confirm=*/false);  // in the mempool counts too
  EXPECT_NE(address(), second);
}

// A reorg across a confirmed payment: the engine walks back to the fork
// (it once dropped the server as a liar), rolls the heights back, and
// verifies the transactions again once they are mined in the new chain.
TEST_F(Robustness, ReorgAcrossAConfirmedPaymentUnconfirmsThenReconfirms) {
  create();
  std::string addr = receiving().at(0);
  std::string fund_txid = universe().fund(addr, 300'000'000, /*confirm=*/true);
  const int fund_height = universe().height();
  Result pay = pw({"payto", kForeign, "1"});
  ASSERT_EQ(pay.rc, 0) << pay.err;
  std::string pay_txid = pay.json()["txid"];
  const int64_t fee = sat(pay.json()["summary"]["fee"]);
  universe().mine(1);
  const int pay_height = universe().height();

  Json h = history();
  ASSERT_EQ(h.size(), 2u) << h.dump();
  std::map<std::string, Json> by_txid;
  for (const auto& t : h) by_txid[t["txid"]] = t;
  EXPECT_EQ(by_txid[fund_txid]["height"], fund_height);
  EXPECT_EQ(by_txid[pay_txid]["height"], pay_height);
  EXPECT_EQ(sat(balance()["confirmed"]), 200'000'000 - fee);

  // Both blocks replaced by three empty ones: both transactions go back to
  // the mempool, and the wallet must say so (no stale heights).
  universe().reorg(2);
  ASSERT_EQ(universe().confirmations(fund_txid), 0);
  ASSERT_EQ(universe().confirmations(pay_txid), 0);
  Result b = r({"getbalance"});
  ASSERT_EQ(b.rc, 0) << "the wallet syncs across a 2-block reorg: " << b.err;
  EXPECT_EQ(b.json()["confirmed"], "0") << "nothing is confirmed after the reorg: " << b.out;
  EXPECT_EQ(sat(b.json().value("unconfirmed", Json("0"))), 200'000'000 - fee) << b.out;
  h = history();
  ASSERT_EQ(h.size(), 2u) << h.dump();
  for (const auto& t : h) {
    EXPECT_EQ(t["height"], 0) << "rolled back to unconfirmed: " << t.dump();
    EXPECT_FALSE(t["confirmations_verified"].get<bool>()) << t.dump();
  }

  // Mined again, in the new chain: the heights are the new ones, verified.
  universe().mine(1);
  const int again = universe().height();
  ASSERT_EQ(universe().confirmations(fund_txid), 1);
  ASSERT_EQ(universe().confirmations(pay_txid), 1);
  h = history();
  ASSERT_EQ(h.size(), 2u) << h.dump();
  for (const auto& t : h) {
    EXPECT_EQ(t["height"], again) << t.dump();
    EXPECT_TRUE(t["confirmations_verified"].get<bool>()) << t.dump();
  }
  EXPECT_EQ(sat(balance()["confirmed"]), 200'000'000 - fee);
}

// A send the server refuses (here: below the relay fee) must leave nothing
// behind: the signed transaction was recorded as local before broadcasting,
// and a refused (or, after kill -9, never sent) one must not keep its coins
// spent in the wallet for ever.
TEST_F(Robustness, RefusedBroadcastLeavesNoPhantomSpend) {
  create();
  universe().fund(receiving().at(0), 200'000'000, /*confirm=*/true);
  Result low = pw({"payto", kForeign, "0.5", "--fee-rate", "1000"});
  ASSERT_NE(low.rc, 0) << "the universe's mempool refuses 1 sat/vB: " << low.out;
  Json b = balance();
  EXPECT_EQ(b["confirmed"], "2") << b.dump();
  EXPECT_FALSE(b.contains("unconfirmed"))
      << "a transaction the network refused does not count as spent: " << b.dump();
  Json h = history();
  EXPECT_EQ(h.size(), 1u) << "the refused transaction leaves the history: " << h.dump();
  // And the coin is spendable at once.
  Result ok = pw({"payto", kForeign, "0.5"});
  EXPECT_EQ(ok.rc, 0) << ok.err;
  universe().mine(1);
  if (ok.rc == 0) {
    int64_t fee = sat(ok.json()["summary"]["fee"]);
    EXPECT_EQ(sat(balance()["confirmed"]), 150'000'000 - fee)
        << "the balance agrees with the chain after a refused send";
  }
}

}  // namespace
}  // namespace redoubt::test
