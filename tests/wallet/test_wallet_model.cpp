// The wallet model: gap-limit derivation from an xpub (checked against the
// private derivation), applying transactions, balance, history with running
// balance, names, groupings, reorg rollback, persistence, and that the
// database never holds private key material.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "broker/groupings_view.h"
#include "broker/wallet_model.h"
#include "chain/names.h"
#include "chain/script.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using wallettest::kCoinSat;

using wallettest::nm;

// A recognisable seed: if any of it (or the keys derived from it) reaches the
// database, the marker test finds it.
const Bytes kSeed =
    chain::from_hex("5eed5eed5eed5eed5eed5eed5eed5eed00112233445566778899aabbccddeeff");

struct Model : ::testing::Test {
  wallettest::TempDir dir;
  std::unique_ptr<Store> store = std::make_unique<Store>(Store::open(dir.file("w.db")));
  chain::ExtendedPrivateKey master = chain::ExtendedPrivateKey::from_seed(kSeed);
  chain::ExtendedPrivateKey account = master.derive_path(chain::parse_key_path("m/0'"));
  std::string xpub = account.neuter().to_base58(chain::kXprvXpub.pub);
  std::unique_ptr<WalletModel> w = std::make_unique<WalletModel>(*store, chain::regtest_params());

  void SetUp() override { w->add_account("m/0'", xpub, chain::KeyScriptType::kP2wpkh); }

  Bytes receive_script(uint32_t i) {
    return chain::p2wpkh_script(account.derive(0).derive(i).public_key().key_hash());
  }
  Bytes change_script(uint32_t i) {
    return chain::p2wpkh_script(account.derive(1).derive(i).public_key().key_hash());
  }
  // A transaction paying `outs` from a foreign outpoint.
  chain::Transaction incoming(uint8_t tag, std::vector<chain::TxOut> outs) {
    chain::Transaction t;
    chain::TxIn in;
    in.prevout.txid[0] = tag;
    in.prevout.txid[1] = 0xf0;
    t.inputs.push_back(in);
    t.outputs = std::move(outs);
    return t;
  }
  chain::Transaction spend(std::vector<chain::OutPoint> ins, std::vector<chain::TxOut> outs,
                           int32_t version = 2) {
    chain::Transaction t;
    t.version = version;
    for (auto& p : ins) t.inputs.push_back({p, {}, 0xfffffffd, {}});
    t.outputs = std::move(outs);
    return t;
  }
  void reopen() {
    w.reset();
    store.reset();
    store = std::make_unique<Store>(Store::open(dir.file("w.db")));
    w = std::make_unique<WalletModel>(*store, chain::regtest_params());
  }
};

// A send found (in its change address's history) before the receive that
// funded it: its fee is unknown until the parent arrives, then computed and
// stored.
TEST_F(Model, AFeeUnknownUntilTheParentArrivesIsFilledIn) {
  auto fund = incoming(1, {{kCoinSat, receive_script(0)}});
  auto pay = spend({{fund.txid(), 0}},
                   {{kCoinSat / 2, change_script(0)}, {kCoinSat / 2 - 1234, receive_script(5)}});
  w->apply_transaction(pay, 11, 1, true);
  EXPECT_FALSE(w->transaction(pay.txid())->fee);
  w->apply_transaction(fund, 10, 1, true);
  ASSERT_TRUE(w->transaction(pay.txid())->fee);
  EXPECT_EQ(*w->transaction(pay.txid())->fee, 1234);
  reopen();
  ASSERT_TRUE(w->transaction(pay.txid())->fee);
  EXPECT_EQ(*w->transaction(pay.txid())->fee, 1234);
}

// What a new block makes the engine refresh: the addresses of transactions
// not yet confirmed with a proof (paid to, or spent from), and nothing else.
TEST_F(Model, AddressesAwaitingConfirmationAreThoseOfUnprovenTransactions) {
  auto id_of = [&](const Bytes& script) { return w->address_by_script(script)->id; };
  auto fund = incoming(1, {{kCoinSat, receive_script(0)}});
  w->apply_transaction(fund, 10, 1, true);  // confirmed and proven
  w->apply_transaction(incoming(2, {{kCoinSat, receive_script(1)}}), 11, 1, true);
  EXPECT_TRUE(w->addresses_awaiting_confirmation().empty());
  // In the mempool: pays receive 2.
  w->apply_transaction(incoming(3, {{kCoinSat, receive_script(2)}}), 0, -1, false);
  EXPECT_EQ(w->addresses_awaiting_confirmation(), std::vector<AddressId>{id_of(receive_script(2))});
  // Above our verified tip (not proven yet): spends receive 0's coin to change 0.
  auto pay = spend({{fund.txid(), 0}}, {{kCoinSat / 2, change_script(0)}});
  w->apply_transaction(pay, 12, 1, false);
  std::vector<AddressId> want = {id_of(receive_script(0)), id_of(receive_script(2)),
                                 id_of(change_script(0))};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(w->addresses_awaiting_confirmation(), want);
  // Proven: only the mempool one is left.
  w->apply_transaction(pay, 12, 1, true);
  EXPECT_EQ(w->addresses_awaiting_confirmation(), std::vector<AddressId>{id_of(receive_script(2))});
  // A reorg below height 11 makes receive 1's transaction wait again.
  w->rollback_above(10);
  want = {id_of(receive_script(0)), id_of(receive_script(1)), id_of(receive_script(2)),
          id_of(change_script(0))};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(w->addresses_awaiting_confirmation(), want);
}

TEST_F(Model, DerivesGapLimitAddressesMatchingPrivateDerivation) {
  size_t receive = 0, change = 0;
  for (const auto& a : w->addresses()) (a.change ? change : receive)++;
  EXPECT_EQ(receive, 20u);
  EXPECT_EQ(change, 10u);
  for (const auto& a : w->addresses()) {
    EXPECT_EQ(a.script, a.change ? change_script(a.index) : receive_script(a.index));
    EXPECT_EQ(a.scripthash, chain::electrum_script_hash(a.script));
    EXPECT_EQ(w->path_of(a), (chain::KeyPath{chain::kHardened, a.change ? 1u : 0u, a.index}));
  }
}

TEST_F(Model, ReceivingOnTheLastAddressExtendsTheGap) {
  auto r = w->apply_transaction(incoming(1, {{kCoinSat, receive_script(19)}}), 0, -1, false);
  EXPECT_TRUE(r.is_new);
  EXPECT_EQ(r.new_addresses.size(), 20u);
  EXPECT_EQ(r.new_addresses.back().index, 39u);
  EXPECT_EQ(w->fresh_address(false).script, receive_script(0));
  EXPECT_EQ(w->balance().unconfirmed, kCoinSat);
  EXPECT_EQ(w->balance().confirmed, 0);
}

TEST_F(Model, BalanceHistoryFeesAndRollback) {
  auto t1 = incoming(1, {{3 * kCoinSat, receive_script(0)}, {7 * kCoinSat, receive_script(1)}});
  w->apply_transaction(t1, 10, 1, true);
  auto t2 = spend({{t1.txid(), 0}}, {{kCoinSat, chain::p2wpkh_script(chain::Hash160{0xee})},
                                     {2 * kCoinSat - 1000, change_script(0)}});
  w->apply_transaction(t2, 12, 3, true);
  auto b = w->balance();
  EXPECT_EQ(b.confirmed, 9 * kCoinSat - 1000);
  EXPECT_EQ(b.unconfirmed, 0);

  auto h = w->history();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].delta, 10 * kCoinSat);
  EXPECT_EQ(h[0].fee, std::nullopt);  // its input is not ours: unknown
  EXPECT_EQ(h[1].delta, -kCoinSat - 1000);
  EXPECT_EQ(h[1].fee, 1000);
  EXPECT_EQ(h[1].balance, 9 * kCoinSat - 1000);

  auto coins = w->coins();
  ASSERT_EQ(coins.size(), 2u);  // t1:1 and the change
  EXPECT_EQ(w->fresh_address(true).script, change_script(1));

  // A reorg above 11 unconfirms t2 (our own change: still spendable).
  EXPECT_EQ(w->rollback_above(11), 1);
  b = w->balance();
  EXPECT_EQ(b.confirmed, 7 * kCoinSat);
  EXPECT_EQ(b.unconfirmed, 2 * kCoinSat - 1000);
  auto change_coin = w->coin({t2.txid(), 1});
  ASSERT_TRUE(change_coin);
  EXPECT_TRUE(change_coin->own_unconfirmed);
  EXPECT_FALSE(w->transaction(t2.txid())->verified);

  reopen();
  EXPECT_EQ(w->balance().unconfirmed, 2 * kCoinSat - 1000);
  EXPECT_EQ(w->history().back().balance, 9 * kCoinSat - 1000);
  // receive 0-1 and change 0 used: the gaps of 20 and 10 start after them.
  EXPECT_EQ(w->addresses().size(), 22u + 11u);
}

// Replaced and conflicted transactions: dropping one frees its coins and
// takes it (and its unconfirmed child) out of balance, history and coins; a
// server listing it unconfirmed again does not bring it back, a confirmed
// copy does; a confirmed spend of the same coin drops a local one by itself.
TEST_F(Model, DroppedTransactionsLeaveBalanceHistoryAndCoins) {
  const Bytes foreign = chain::p2wpkh_script(chain::Hash160{0xee});
  auto fund = incoming(1, {{10 * kCoinSat, receive_script(0)}});
  w->apply_transaction(fund, 10, 1, true);
  auto orig =
      spend({{fund.txid(), 0}}, {{kCoinSat, foreign}, {9 * kCoinSat - 1000, change_script(0)}});
  w->apply_transaction(orig, kUnconfirmedHeight, -1, false, /*local=*/true);
  auto child =
      spend({{orig.txid(), 1}}, {{kCoinSat, foreign}, {8 * kCoinSat - 2000, change_script(1)}});
  w->apply_transaction(child, kUnconfirmedHeight, -1, false, true);
  auto repl =
      spend({{fund.txid(), 0}}, {{kCoinSat, foreign}, {9 * kCoinSat - 3000, change_script(0)}});
  w->apply_transaction(repl, kUnconfirmedHeight, -1, false, true);

  w->drop_transaction(orig.txid(), "replaced", repl.txid());
  EXPECT_FALSE(w->transaction(orig.txid()));
  EXPECT_FALSE(w->transaction(child.txid())) << "its child can never confirm";
  ASSERT_TRUE(w->dropped(orig.txid()));
  EXPECT_EQ(w->dropped(orig.txid())->reason, "replaced");
  EXPECT_EQ(w->dropped(orig.txid())->by, repl.txid());
  EXPECT_EQ(w->dropped(child.txid())->reason, "conflicted");
  EXPECT_EQ(w->balance().confirmed + w->balance().unconfirmed, 9 * kCoinSat - 3000);
  EXPECT_EQ(w->history().size(), 2u);
  ASSERT_EQ(w->coins().size(), 1u);
  EXPECT_EQ(w->coins()[0].outpoint, (chain::OutPoint{repl.txid(), 1}));

  // A server still listing the original unconfirmed: ignored.
  w->apply_transaction(orig, kUnconfirmedHeight, -1, false);
  EXPECT_FALSE(w->transaction(orig.txid()));
  reopen();
  EXPECT_TRUE(w->dropped(orig.txid()));
  EXPECT_EQ(w->history().size(), 2u);

  // The original confirms after all: it counts, and drops the replacement.
  w->apply_transaction(orig, 11, 2, true);
  EXPECT_TRUE(w->transaction(orig.txid()));
  EXPECT_FALSE(w->dropped(orig.txid()));
  EXPECT_FALSE(w->transaction(repl.txid()));
  EXPECT_EQ(w->dropped(repl.txid())->reason, "conflicted");
  EXPECT_EQ(w->dropped(repl.txid())->by, orig.txid());
  EXPECT_EQ(w->balance().confirmed, 9 * kCoinSat - 1000);
  EXPECT_EQ(w->balance().unconfirmed, 0);
}

TEST_F(Model, FrozenCoinsAndAddresses) {
  auto t1 = incoming(1, {{3 * kCoinSat, receive_script(0)}, {kCoinSat, receive_script(1)}});
  w->apply_transaction(t1, 5, 1, true);
  w->set_coin_frozen({t1.txid(), 0}, true);
  EXPECT_EQ(w->balance().frozen, 3 * kCoinSat);
  w->set_address_frozen(w->address_by_script(receive_script(1))->id, true);
  EXPECT_EQ(w->balance().frozen, 4 * kCoinSat);
  EXPECT_EQ(w->balance().confirmed, 0);
  reopen();
  EXPECT_EQ(w->balance().frozen, 4 * kCoinSat);
  for (const auto& c : w->coins()) EXPECT_TRUE(c.frozen);
}

TEST_F(Model, NamesAreTrackedLockedAndGroupedSeparately) {
  auto fund = incoming(1, {{kCoinSat, receive_script(0)}, {kCoinSat, receive_script(1)}});
  w->apply_transaction(fund, 5, 1, true);
  // A firstupdate of d/a to receive 2, funded by receive 0, change to change 0.
  Bytes salt(20, 3);
  Bytes name_out = chain::name_firstupdate_script(nm("d/a"), salt, nm("{}"), receive_script(2));
  auto fu = spend({{fund.txid(), 0}},
                  {{chain::kNameLockedAmount, name_out},
                   {kCoinSat - chain::kNameLockedAmount - 500, change_script(0)}},
                  chain::kNameTxVersion);
  auto r = w->apply_transaction(fu, 6, 1, true);
  EXPECT_EQ(r.names_changed, std::vector<Bytes>{nm("d/a")});
  auto n = store->name(nm("d/a"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->value, nm("{}"));
  EXPECT_EQ(n->height, 6);
  EXPECT_EQ(w->balance().locked_in_names, chain::kNameLockedAmount);
  auto nc = w->name_coin(nm("d/a"));
  ASSERT_TRUE(nc);
  EXPECT_TRUE(nc->is_name);

  auto g = w->groupings();
  auto id = [&](uint32_t i, bool change) {
    return w->address_by_script(change ? change_script(i) : receive_script(i))->id;
  };
  EXPECT_EQ(g.group_of(id(0, false)), g.group_of_name(nm("d/a")));
  EXPECT_EQ(g.group_of(id(2, false)), g.group_of_name(nm("d/a")));
  EXPECT_EQ(g.group_of(id(0, true)), g.group_of_name(nm("d/a")));
  EXPECT_NE(g.group_of(id(1, false)), g.group_of_name(nm("d/a")));

  // A queued firstupdate ties its name to the name_new's address.
  Bytes nn_out = chain::name_new_script(chain::name_commitment(salt, nm("d/b")), receive_script(3));
  auto nn = spend({{fund.txid(), 1}},
                  {{chain::kNameLockedAmount, nn_out},
                   {kCoinSat - chain::kNameLockedAmount - 500, change_script(1)}},
                  chain::kNameTxVersion);
  w->apply_transaction(nn, 7, 1, true);
  store->enqueue_firstupdate(
      {0, nm("d/b"), salt, nm("v"), {nn.txid(), 0}, QueueState::kWaiting, "", 0});
  g = w->groupings();
  EXPECT_EQ(g.group_of(id(3, false)), g.group_of_name(nm("d/b")));
  EXPECT_EQ(g.group_of(id(1, false)), g.group_of_name(nm("d/b")));
  EXPECT_NE(g.group_of_name(nm("d/a")), g.group_of_name(nm("d/b")));

  // listaddressgroupings --identifier: a name, then an identifier both share.
  const auto& p = chain::regtest_params();
  auto only_a = list_address_groupings(*w, *store, p, {std::string("d/a"), false});
  ASSERT_EQ(only_a.size(), 1u);
  EXPECT_EQ(only_a[0].names, std::vector<Bytes>{nm("d/a")});
  EXPECT_EQ(only_a[0].address_count, 3u);  // receive 0, receive 2, change 0
  EXPECT_EQ(only_a[0].addresses.size(), 3u);
  EXPECT_EQ(only_a[0].balance, kCoinSat - 500);  // name output + change
  auto collapsed = list_address_groupings(*w, *store, p, {std::string("d/a"), true});
  ASSERT_EQ(collapsed.size(), 1u);
  EXPECT_TRUE(collapsed[0].addresses.empty());
  EXPECT_EQ(collapsed[0].address_count, 3u);
  auto rec = *store->name(nm("d/a"));
  rec.identifier = "alice";
  store->put_name(rec);
  store->put_name({nm("d/b"), nm("v"), {nn.txid(), 0}, 0, std::nullopt, std::string("alice")});
  EXPECT_EQ(names_in_scope(*store, "alice").size(), 3u);  // "alice" itself, d/a, d/b
  EXPECT_EQ(list_address_groupings(*w, *store, p, {std::string("alice"), false}).size(), 2u);
  EXPECT_EQ(list_address_groupings(*w, *store, p, {}).size(), 2u);  // every group with history

  // Transferring d/a away removes it from our names.
  auto tr = spend({nc->outpoint},
                  {{chain::kNameLockedAmount,
                    chain::name_update_script(nm("d/a"), nm("{}"),
                                              chain::p2wpkh_script(chain::Hash160{0xee}))}},
                  chain::kNameTxVersion);
  w->apply_transaction(tr, 0, -1, false);
  EXPECT_FALSE(store->name(nm("d/a")));
  EXPECT_FALSE(w->name_coin(nm("d/a")));
}

TEST_F(Model, DatabaseHoldsNoPrivateKeyMaterial) {
  auto t1 = incoming(1, {{3 * kCoinSat, receive_script(0)}});
  w->apply_transaction(t1, 5, 1, true);
  std::string xprv(master.to_base58(chain::kXprvXpub.priv).view());
  std::string acc_xprv(account.to_base58(chain::kXprvXpub.priv).view());
  auto child = account.derive(0).derive(0);
  Bytes key0(child.key().bytes().begin(), child.key().bytes().end());
  Bytes acc_key(account.key().bytes().begin(), account.key().bytes().end());
  Bytes db = wallettest::read_file(dir.file("w.db"));
  Bytes wal = wallettest::read_file(dir.file("w.db-wal"));
  db.insert(db.end(), wal.begin(), wal.end());
  ASSERT_GT(db.size(), 4096u);
  auto contains = [&](const Bytes& needle) {
    return std::search(db.begin(), db.end(), needle.begin(), needle.end()) != db.end();
  };
  // The xpub is there (the test would be meaningless if nothing were written)...
  EXPECT_TRUE(contains(Bytes(xpub.begin(), xpub.end())));
  // ... and none of the secrets.
  EXPECT_FALSE(contains(Bytes(kSeed.begin(), kSeed.begin() + 16)));
  EXPECT_FALSE(contains(Bytes(xprv.begin(), xprv.end())));
  EXPECT_FALSE(contains(Bytes(acc_xprv.begin(), acc_xprv.end())));
  EXPECT_FALSE(contains(key0));
  EXPECT_FALSE(contains(acc_key));
}

}  // namespace
}  // namespace redoubt::broker
