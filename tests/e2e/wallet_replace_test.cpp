// Replacing and recovering transactions, end to end through the real process
// tree: bumpfee (BIP125) from the change and with an added coin, the
// replacement confirms and the original never does; a send killed between
// keyd's signature and the broadcast is rebroadcast on the next sync; a local
// transaction whose coin a confirmed transaction spent is dropped. Truth is
// read from the universe (its chain and mempool).
#include <set>
#include <thread>

#include "chain/address.h"
#include "chain/names.h"
#include "chain/params.h"
#include "chain/tx.h"
#include "tests/e2e/e2e_driver.h"
#include "tests/e2e/wallet_db.h"
#include "tests/support/misbehaviour.h"

namespace redoubt::test {
namespace {

constexpr const char* kForeign = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";

class Replace : public E2E {
 protected:
  int64_t actual_fee(const chain::Transaction& tx) {
    int64_t in = 0, out = 0;
    for (const auto& i : tx.inputs)
      in += chain_tx(chain::to_hex_reversed(i.prevout.txid)).outputs.at(i.prevout.index).value;
    for (const auto& o : tx.outputs) out += o.value;
    return in - out;
  }
  static std::set<std::string> spent(const chain::Transaction& tx) {
    std::set<std::string> s;
    for (const auto& i : tx.inputs)
      s.insert(chain::to_hex_reversed(i.prevout.txid) + ":" + std::to_string(i.prevout.index));
    return s;
  }
  static int64_t paid_to(const chain::Transaction& tx, const chain::Bytes& script) {
    int64_t v = 0;
    for (const auto& o : tx.outputs)
      if (o.script_pubkey == script) v += o.value;
    return v;
  }
  bool in_history(const std::string& txid) {
    for (const auto& h : history())
      if (h["txid"] == txid) return true;
    return false;
  }
  static chain::Bytes foreign_script();

  // Starts `payto ... 0.1` and kills the broker with SIGKILL while its
  // broadcast connection is open but unanswered: after keyd signed and the
  // wallet recorded the transaction, before any server saw it. Observed from
  // outside: the universe's Electrum server counts connections; the send's
  // second one (its first is the main session) is made to stall.
  void kill_between_signing_and_broadcast(const std::string& dir = "") {
    auto& ex = universe().electrum();
    const uint64_t n0 = ex.connections_accepted();
    Spawned s = spawn_with_input(argv({"payto", kForeign, "0.1"}, dir), kPassword);
    ASSERT_GT(s.pid, 0);
    auto wait_for = [&](uint64_t n) {
      for (int i = 0; i < 30000 && ex.connections_accepted() < n; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return ex.connections_accepted() >= n;
    };
    ASSERT_TRUE(wait_for(n0 + 1)) << "the send's main session";
    universe().set_misbehaviour(testsupport::Misbehaviour::stall,
                                testsupport::MisbehaviourScope::next_connection);
    ASSERT_TRUE(wait_for(n0 + 2)) << "the send's broadcast connection";
    // The request is written right after the connection: give it a moment
    // to arrive (it is never answered), then kill.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(kill(s.pid, SIGKILL), 0);
    Result k = collect(s, 15000);
    ASSERT_EQ(k.rc, 128 + SIGKILL) << "the broker was still waiting for the broadcast: " << k.err;
  }
  std::vector<std::string> query(const std::string& sql) { return query_wallet_db(wallet_, sql); }
  // The broadcast_pending markers left in the wallet's settings.
  std::vector<std::string> markers() {
    std::vector<std::string> m;
    for (const auto& k : query("SELECT key FROM settings WHERE key LIKE 'broadcast_pending:%'"))
      m.push_back(k.substr(k.find(':') + 1));
    return m;
  }
  size_t mempool_size() {
    return universe().with_state(
        [](auto&, auto& mempool, auto&) { return mempool.entries().size(); });
  }
};

chain::Bytes Replace::foreign_script() {
  return chain::address_to_script(kForeign, chain::regtest_params());
}

// The change pays the higher fee: same inputs, the payment untouched, the
// fee exactly the new rate on the replacement's size; the original leaves
// the mempool, history and balance; after a block the replacement is
// confirmed, the original never is, and the balance is exact.
TEST_F(Replace, BumpFeeFromChangeReplacesAndConfirms) {
  create();
  universe().fund(address(), 100'000'000, /*confirm=*/true);
  Result pay = pw({"payto", kForeign, "0.3", "--fee-rate", "100000"});
  ASSERT_EQ(pay.rc, 0) << pay.err;
  const std::string tx1 = pay.json()["txid"];
  const chain::Transaction orig = chain_tx(tx1);
  ASSERT_EQ(paid_to(orig, foreign_script()), 30'000'000) << "the foreign script is the one paid";

  Result bump = pw({"bumpfee", tx1, "--fee-rate", "250000"});
  ASSERT_EQ(bump.rc, 0) << bump.err;
  ASSERT_TRUE(bump.json()["txid"].is_string()) << bump.out << bump.err;
  const std::string tx2 = bump.json()["txid"];
  ASSERT_NE(tx2, tx1);
  const chain::Transaction repl = chain_tx(tx2);
  EXPECT_EQ(spent(repl), spent(orig)) << "the change paid: no input added";
  EXPECT_EQ(paid_to(repl, foreign_script()), 30'000'000) << "the payment is untouched";
  const int64_t fee2 = actual_fee(repl);
  EXPECT_EQ(fee2, (static_cast<int64_t>(repl.vsize()) * 250'000 + 999) / 1000);
  EXPECT_GT(fee2, actual_fee(orig));
  EXPECT_EQ(sat(bump.json()["summary"]["fee"]), fee2);
  EXPECT_EQ(universe().confirmations(tx1), -1) << "the original left the mempool";
  EXPECT_EQ(universe().confirmations(tx2), 0);

  EXPECT_FALSE(in_history(tx1));
  EXPECT_TRUE(in_history(tx2));
  Json b = balance();
  EXPECT_EQ(sat(b["confirmed"]) + sat(b["unconfirmed"]), 100'000'000 - 30'000'000 - fee2)
      << b.dump();
  Result again = pw({"bumpfee", tx1, "--fee-rate", "400000"});
  EXPECT_NE(again.rc, 0);
  EXPECT_NE(again.err.find("replaced"), std::string::npos) << again.err;
  Result low = pw({"bumpfee", tx2, "--fee-rate", "200000"});
  EXPECT_NE(low.rc, 0) << "a lower rate is refused";
  EXPECT_NE(low.err.find("above"), std::string::npos) << low.err;

  universe().mine(3);
  EXPECT_EQ(universe().confirmations(tx2), 3);
  EXPECT_EQ(universe().confirmations(tx1), -1) << "the original never confirms";
  b = balance();
  EXPECT_EQ(sat(b["confirmed"]), 100'000'000 - 30'000'000 - fee2) << b.dump();
  EXPECT_FALSE(b.contains("unconfirmed")) << b.dump();
  EXPECT_FALSE(in_history(tx1));
  Result lu = r({"listunspent"});
  ASSERT_EQ(lu.rc, 0) << lu.err;
  EXPECT_EQ(lu.out.find(tx1), std::string::npos) << "no coin of the original: " << lu.out;
}

// The change cannot pay the new fee: a confirmed coin is added, the payment
// still untouched, the fee exact; a block confirms it.
TEST_F(Replace, BumpFeeAddsACoinWhenTheChangeIsTooSmall) {
  create();
  std::vector<std::string> addrs = receiving();
  ASSERT_GE(addrs.size(), 2u);
  universe().fund(addrs[0], 50'000'000, false);
  universe().fund(addrs[1], 50'000'000, false);
  universe().mine(1);
  // 0.4998 NMC from one 0.5 coin leaves about 6,000 sat of change at 100
  // sat/vB; 300 sat/vB needs more than the 20,000 sat over the payment.
  Result pay = pw({"payto", kForeign, "0.4998", "--fee-rate", "100000"});
  ASSERT_EQ(pay.rc, 0) << pay.err;
  const std::string tx1 = pay.json()["txid"];
  const chain::Transaction orig = chain_tx(tx1);
  ASSERT_EQ(orig.inputs.size(), 1u);

  Result bump = pw({"bumpfee", tx1, "--fee-rate", "300000"});
  ASSERT_EQ(bump.rc, 0) << bump.err;
  ASSERT_TRUE(bump.json()["txid"].is_string()) << bump.out << bump.err;
  const std::string tx2 = bump.json()["txid"];
  const chain::Transaction repl = chain_tx(tx2);
  EXPECT_EQ(repl.inputs.size(), 2u);
  for (const auto& op : spent(orig)) EXPECT_TRUE(spent(repl).count(op)) << op;
  EXPECT_EQ(paid_to(repl, foreign_script()), 49'980'000);
  const int64_t fee2 = actual_fee(repl);
  EXPECT_EQ(fee2, (static_cast<int64_t>(repl.vsize()) * 300'000 + 999) / 1000);
  universe().mine(1);
  EXPECT_EQ(universe().confirmations(tx2), 1);
  EXPECT_EQ(universe().confirmations(tx1), -1);
  Json b = balance();
  EXPECT_EQ(sat(b["confirmed"]), 100'000'000 - 49'980'000 - fee2) << b.dump();
  EXPECT_FALSE(b.contains("unconfirmed")) << b.dump();
}

// A payment that does not signal replaceability cannot be bumped, and says so.
TEST_F(Replace, BumpFeeRefusesANonRbfTransaction) {
  create();
  universe().fund(address(), 100'000'000, /*confirm=*/true);
  Result pay = pw({"payto", kForeign, "0.3", "--no-rbf"});
  ASSERT_EQ(pay.rc, 0) << pay.err;
  Result bump = pw({"bumpfee", pay.json()["txid"], "--fee-rate", "300000"});
  EXPECT_NE(bump.rc, 0);
  EXPECT_NE(bump.err.find("BIP125"), std::string::npos) << bump.err;
}

// bumpfee of a name_update: the replacement's name output is the original's
// byte for byte (name, value, owner, amount), the version stays 0x7100, only
// the fee grows; the original leaves the mempool, the wallet's name row
// follows the replacement, and once mined the name shows the new value
// from the replacement.
TEST_F(Replace, BumpFeeOfANameUpdateKeepsItsNameOutput) {
  create();
  universe().fund(address(), 300'000'000, /*confirm=*/true);
  Result a = pw({"name_autoregister", "d/bump", "first"});
  ASSERT_EQ(a.rc, 0) << a.err;
  universe().mine(12);
  ASSERT_EQ(r({"getbalance"}).rc, 0);  // the queued firstupdate goes out
  universe().mine(1);
  Result up = pw({"name_update", "d/bump", "second", "--fee-rate", "100000"});
  ASSERT_EQ(up.rc, 0) << up.err;
  const std::string tx1 = up.json()["txid"];
  const chain::Transaction orig = chain_tx(tx1);
  auto name_output = [](const chain::Transaction& tx) {
    for (const auto& o : tx.outputs)
      if (chain::decode_name_script(o.script_pubkey)) return o;
    return chain::TxOut{};
  };
  ASSERT_FALSE(name_output(orig).script_pubkey.empty());

  Result bump = pw({"bumpfee", tx1, "--fee-rate", "300000"});
  ASSERT_EQ(bump.rc, 0) << bump.err;
  const std::string tx2 = bump.json()["txid"];
  const chain::Transaction repl = chain_tx(tx2);
  EXPECT_EQ(repl.version, chain::kNameTxVersion);
  EXPECT_EQ(name_output(repl).script_pubkey, name_output(orig).script_pubkey);
  EXPECT_EQ(name_output(repl).value, name_output(orig).value);
  EXPECT_EQ(spent(repl), spent(orig)) << "the change paid";
  EXPECT_EQ(actual_fee(repl), (static_cast<int64_t>(repl.vsize()) * 300'000 + 999) / 1000);
  EXPECT_EQ(universe().confirmations(tx1), -1) << "the original left the mempool";
  EXPECT_EQ(universe().confirmations(tx2), 0);
  Result l = r({"name_list"});
  ASSERT_EQ(l.rc, 0) << l.err;
  ASSERT_EQ(l.json().size(), 1u) << l.out;
  EXPECT_EQ(l.json()[0]["txid"], tx2) << "the name row follows the replacement: " << l.out;
  EXPECT_EQ(l.json()[0]["value"], "second");

  universe().mine(1);
  EXPECT_EQ(universe().confirmations(tx2), 1);
  Result show = r({"name_show", "d/bump"});
  ASSERT_EQ(show.rc, 0) << show.err;
  EXPECT_EQ(show.json()["value"], "second");
  EXPECT_EQ(show.json()["txid"], tx2);
  EXPECT_TRUE(show.json()["ismine"].get<bool>());
  l = r({"name_list"});
  ASSERT_EQ(l.rc, 0) << l.err;
  EXPECT_EQ(l.json()[0]["height"], universe().height()) << l.out;
}

// kill -9 between keyd's signature and the broadcast: the network never saw
// the payment, the wallet recorded it. The next sync sends it again, on its
// own stream; it confirms and the balance is exact.
TEST_F(Replace, KilledSendIsRebroadcastOnTheNextSync) {
  create();
  universe().fund(address(), 100'000'000, /*confirm=*/true);
  ASSERT_EQ(balance()["confirmed"], "1");
  kill_between_signing_and_broadcast();
  EXPECT_EQ(mempool_size(), 0u) << "the killed send never reached the network";
  const std::vector<std::string> marked = markers();
  ASSERT_EQ(marked.size(), 1u) << "the killed send is marked to go out";

  Json b = balance();  // the next sync
  std::string local;
  for (const auto& h : history())
    if (h["height"].get<int>() <= 0) local = h["txid"];
  ASSERT_FALSE(local.empty()) << "the wallet kept the signed payment";
  EXPECT_EQ(marked[0], local);
  EXPECT_EQ(universe().confirmations(local), 0) << "rebroadcast: in the mempool now";
  EXPECT_EQ(mempool_size(), 1u);
  const chain::Transaction tx = chain_tx(local);
  EXPECT_EQ(paid_to(tx, foreign_script()), 10'000'000);
  universe().mine(1);
  b = balance();
  EXPECT_EQ(sat(b["confirmed"]), 100'000'000 - 10'000'000 - actual_fee(tx)) << b.dump();
  EXPECT_FALSE(b.contains("unconfirmed")) << b.dump();
  EXPECT_TRUE(markers().empty()) << "the rebroadcast send is no longer marked";
}

// The broker dies after the server took the broadcast but before its answer
// was read (here: the universe is handed the signed transaction the killed
// send left in the wallet). The next sync finds the server listing it: it
// is no longer "local" (not sent again) and its marker goes in the same
// database transaction, whether the server lists it in its mempool or
// already in a block.
TEST_F(Replace, MarkerGoesWhenAServerListsTheTransaction) {
  create();
  universe().fund(address(), 100'000'000, /*confirm=*/true);
  ASSERT_EQ(balance()["confirmed"], "1");
  auto crash_after_server_took_it = [&] {
    kill_between_signing_and_broadcast();
    const auto marked = markers();
    EXPECT_EQ(marked.size(), 1u);
    const auto raw = query("SELECT raw FROM transactions WHERE local = 1");
    EXPECT_EQ(raw.size(), 1u);
    if (marked.size() != 1u || raw.size() != 1u) return chain::Transaction{};
    chain::Transaction tx = chain::parse_transaction(chain::from_hex(raw[0]));
    EXPECT_EQ(chain::to_hex_reversed(tx.txid()), marked[0]);
    EXPECT_FALSE(universe().broadcast(tx)) << "the server had accepted it";
    return tx;
  };

  // Listed in the mempool.
  const chain::Transaction tx1 = crash_after_server_took_it();
  ASSERT_FALSE(tx1.outputs.empty());
  Json b = balance();
  EXPECT_EQ(sat(b["unconfirmed"]), 100'000'000 - 10'000'000 - actual_fee(tx1)) << b.dump();
  EXPECT_TRUE(markers().empty()) << "listed by the server: nothing left to broadcast";
  EXPECT_TRUE(query("SELECT txid FROM transactions WHERE local = 1").empty())
      << "a transaction a server lists is no longer only ours";
  universe().mine(1);

  // Listed in a block at the next sync.
  const chain::Transaction tx2 = crash_after_server_took_it();
  ASSERT_FALSE(tx2.outputs.empty());
  universe().mine(1);
  EXPECT_EQ(universe().confirmations(chain::to_hex_reversed(tx2.txid())), 1);
  b = balance();
  EXPECT_EQ(sat(b["confirmed"]), 100'000'000 - 20'000'000 - actual_fee(tx1) - actual_fee(tx2))
      << b.dump();
  EXPECT_FALSE(b.contains("unconfirmed")) << b.dump();
  EXPECT_TRUE(markers().empty()) << "confirmed: no marker left";
}

// The same crash, but meanwhile the coin was spent by a confirmed
// transaction (the same seed restored elsewhere paid from it): the stale
// local transaction is dropped as conflicted, never rebroadcast, its coin
// no longer counted; both wallets agree.
TEST_F(Replace, LocalTransactionConflictedByAConfirmedSpendIsDropped) {
  Result c = r({"create"}, kPassword);
  ASSERT_EQ(c.rc, 0) << c.err;
  const std::string seed = c.json().value("seed", "");
  ASSERT_FALSE(seed.empty()) << c.out;
  universe().fund(address(), 100'000'000, /*confirm=*/true);
  ASSERT_EQ(balance()["confirmed"], "1");
  kill_between_signing_and_broadcast();

  const std::string other = datadir() + "/restored";
  Result rs = r({"restore"}, seed + "\npw-2\n", other);
  ASSERT_EQ(rs.rc, 0) << rs.err;
  Result pay = r({"payto", kForeign, "0.25"}, "pw-2\n", other);
  ASSERT_EQ(pay.rc, 0) << pay.err;
  const std::string spend = pay.json()["txid"];
  universe().mine(1);

  Json b = balance();
  Json other_b = balance(other);
  EXPECT_EQ(b["confirmed"], other_b["confirmed"]) << b.dump() << " vs " << other_b.dump();
  EXPECT_FALSE(b.contains("unconfirmed")) << "the conflicted send is not counted: " << b.dump();
  const Json h = history();
  ASSERT_EQ(h.size(), 2u) << "the funding and the confirmed spend only: " << h.dump();
  EXPECT_EQ(h[1]["txid"], spend);
  EXPECT_EQ(mempool_size(), 0u) << "nothing was rebroadcast";
  EXPECT_TRUE(markers().empty()) << "the dropped send's marker went with it";
}

}  // namespace
}  // namespace redoubt::test
