// Dropped name transactions and broadcast markers in the wallet model: when
// a local name_firstupdate / name_update / transfer / name_new is replaced or
// conflicted, the names table (and the autoregister queue) goes back to what
// the remaining transactions say; a `broadcast_pending:<txid>` marker goes
// in the same database transaction that records a server listing the
// transaction or its drop.
#include <gtest/gtest.h>

#include <cstring>

#include "broker/wallet_model.h"
#include "chain/names.h"
#include "chain/script.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using wallettest::kCoinSat;

using wallettest::nm;

const Bytes kSeed =
    chain::from_hex("0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d00112233445566778899aabbccddeeff");

struct DroppedNames : ::testing::Test {
  wallettest::TempDir dir;
  std::unique_ptr<Store> store = std::make_unique<Store>(Store::open(dir.file("w.db")));
  chain::ExtendedPrivateKey account =
      chain::ExtendedPrivateKey::from_seed(kSeed).derive_path(chain::parse_key_path("m/0'"));
  std::unique_ptr<WalletModel> w = std::make_unique<WalletModel>(*store, chain::regtest_params());
  const Bytes foreign = chain::p2wpkh_script(chain::Hash160{0xee});
  chain::Transaction fund;

  void SetUp() override {
    w->add_account("m/0'", account.neuter().to_base58(chain::kXprvXpub.pub),
                   chain::KeyScriptType::kP2wpkh);
    chain::TxIn in;
    in.prevout.txid[0] = 0x77;
    fund.inputs.push_back(in);
    for (uint32_t i = 0; i < 4; ++i) fund.outputs.push_back({kCoinSat, receive(i)});
    w->apply_transaction(fund, 5, 1, true);
  }
  Bytes receive(uint32_t i) {
    return chain::p2wpkh_script(account.derive(0).derive(i).public_key().key_hash());
  }
  Bytes change(uint32_t i) {
    return chain::p2wpkh_script(account.derive(1).derive(i).public_key().key_hash());
  }
  // A name transaction spending `ins`, name output first, then change.
  chain::Transaction name_tx(std::vector<chain::OutPoint> ins, Bytes name_script,
                             int64_t change_value, uint32_t change_index) {
    chain::Transaction t;
    t.version = chain::kNameTxVersion;
    for (auto& p : ins) t.inputs.push_back({p, {}, 0xfffffffd, {}});
    t.outputs.push_back({chain::kNameLockedAmount, std::move(name_script)});
    if (change_value > 0) t.outputs.push_back({change_value, change(change_index)});
    return t;
  }
  chain::Transaction firstupdate(const char* name, const char* value, chain::OutPoint in,
                                 uint32_t to, int64_t fee) {
    return name_tx({in},
                   chain::name_firstupdate_script(nm(name), Bytes(20, 1), nm(value), receive(to)),
                   kCoinSat - chain::kNameLockedAmount - fee, to);
  }
  // A confirmed foreign spend of `op` (what makes a local spend conflicted).
  chain::Transaction double_spend(chain::OutPoint op, int64_t value) {
    chain::Transaction t;
    t.inputs.push_back({op, {}, 0xffffffff, {}});
    t.outputs.push_back({value, foreign});
    return t;
  }
  void reopen() {
    w.reset();
    store.reset();
    store = std::make_unique<Store>(Store::open(dir.file("w.db")));
    w = std::make_unique<WalletModel>(*store, chain::regtest_params());
  }
};

TEST_F(DroppedNames, ReplacedFirstupdateTakesItsNameRowAndTheReplacementPutsItsOwn) {
  auto fu = firstupdate("d/x", "one", {fund.txid(), 0}, 4, 500);
  w->apply_transaction(fu, kUnconfirmedHeight, -1, false, /*local=*/true);
  ASSERT_TRUE(store->name(nm("d/x")));
  w->drop_transaction(fu.txid(), "replaced", std::nullopt);
  EXPECT_FALSE(store->name(nm("d/x"))) << "no remaining transaction holds d/x";
  EXPECT_FALSE(w->name_coin(nm("d/x")));

  // A bump keeping the name output: the replacement's row, not the original's.
  auto fu1 = firstupdate("d/x", "one", {fund.txid(), 0}, 4, 500);
  auto fu2 = firstupdate("d/x", "one", {fund.txid(), 0}, 4, 2000);
  w->apply_transaction(fu1, kUnconfirmedHeight, -1, false, true);
  w->apply_transaction(fu2, kUnconfirmedHeight, -1, false, true);
  w->drop_transaction(fu1.txid(), "replaced", fu2.txid());
  auto n = store->name(nm("d/x"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->outpoint, (chain::OutPoint{fu2.txid(), 0}));
  reopen();
  EXPECT_EQ(store->name(nm("d/x"))->outpoint, (chain::OutPoint{fu2.txid(), 0}));
}

TEST_F(DroppedNames, ConflictedUpdateRestoresThePreviousValueAndHeight) {
  auto fu = firstupdate("d/y", "old", {fund.txid(), 0}, 4, 500);
  w->apply_transaction(fu, 6, 1, true);
  store->put_name([&] {
    auto r = *store->name(nm("d/y"));
    r.identifier = "alice";
    return r;
  }());
  // A local update, funded by another coin, spending the name output.
  auto up =
      name_tx({{fu.txid(), 0}, {fund.txid(), 1}},
              chain::name_update_script(nm("d/y"), nm("new"), receive(5)), kCoinSat - 1000, 2);
  w->apply_transaction(up, kUnconfirmedHeight, -1, false, true);
  ASSERT_EQ(store->name(nm("d/y"))->value, nm("new"));
  // A confirmed spend of the funding coin (not of the name) conflicts it.
  w->apply_transaction(double_spend({fund.txid(), 1}, kCoinSat - 300), 7, 1, true);
  EXPECT_EQ(w->dropped(up.txid())->reason, "conflicted");
  auto n = store->name(nm("d/y"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->value, nm("old"));
  EXPECT_EQ(n->outpoint, (chain::OutPoint{fu.txid(), 0}));
  EXPECT_EQ(n->height, 6);
  EXPECT_EQ(n->identifier, "alice") << "the user's identifier survives";
  EXPECT_EQ(w->name_coin(nm("d/y"))->outpoint, (chain::OutPoint{fu.txid(), 0}));
}

TEST_F(DroppedNames, DroppedTransferBringsTheNameBack) {
  auto fu = firstupdate("d/z", "v", {fund.txid(), 0}, 4, 500);
  w->apply_transaction(fu, 6, 1, true);
  auto tr = name_tx({{fu.txid(), 0}, {fund.txid(), 2}},
                    chain::name_update_script(nm("d/z"), nm("v"), foreign), kCoinSat - 1000, 3);
  w->apply_transaction(tr, kUnconfirmedHeight, -1, false, true);
  ASSERT_FALSE(store->name(nm("d/z")));
  w->drop_transaction(tr.txid(), "replaced", std::nullopt);
  ASSERT_TRUE(store->name(nm("d/z")));
  EXPECT_EQ(store->name(nm("d/z"))->outpoint, (chain::OutPoint{fu.txid(), 0}));
}

TEST_F(DroppedNames, ConflictedNameNewFailsItsQueueAndDropsTheQueuedFirstupdate) {
  Bytes salt(20, 9);
  auto nn = name_tx({{fund.txid(), 3}},
                    chain::name_new_script(chain::name_commitment(salt, nm("d/q")), receive(6)),
                    kCoinSat - chain::kNameLockedAmount - 500, 4);
  w->apply_transaction(nn, kUnconfirmedHeight, -1, false, true);
  // The autoregister firstupdate, signed at once and recorded as ours.
  auto fu = name_tx({{nn.txid(), 0}},
                    chain::name_firstupdate_script(nm("d/q"), salt, nm("val"), receive(7)), 0, 0);
  w->apply_transaction(fu, kUnconfirmedHeight, -1, false, true);
  store->enqueue_firstupdate(
      {0, nm("d/q"), salt, nm("val"), {nn.txid(), 0}, QueueState::kWaiting, "", 0});
  ASSERT_TRUE(store->name(nm("d/q")));
  w->apply_transaction(double_spend({fund.txid(), 3}, kCoinSat - 300), 7, 1, true);
  EXPECT_TRUE(w->dropped(nn.txid()));
  EXPECT_TRUE(w->dropped(fu.txid()));
  EXPECT_FALSE(store->name(nm("d/q")));
  auto q = store->queued_firstupdates();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].state, QueueState::kFailed);
  EXPECT_EQ(q[0].error, "the name_new was conflicted");
}

TEST_F(DroppedNames, BroadcastMarkerGoesWhenAServerListsOrTheTransactionIsDropped) {
  auto a = firstupdate("d/m1", "v", {fund.txid(), 0}, 4, 500);
  auto b = firstupdate("d/m2", "v", {fund.txid(), 1}, 5, 500);
  w->apply_transaction(a, kUnconfirmedHeight, -1, false, true);
  w->apply_transaction(b, kUnconfirmedHeight, -1, false, true);
  store->set_setting(broadcast_pending_key(a.txid()), "1");
  store->set_setting(broadcast_pending_key(b.txid()), "1");
  // Re-recording it as ours keeps the marker; a server listing it in its
  // mempool removes it.
  w->apply_transaction(a, kUnconfirmedHeight, -1, false, true);
  EXPECT_TRUE(store->setting(broadcast_pending_key(a.txid())));
  w->apply_transaction(a, kUnconfirmedHeight, -1, false);
  EXPECT_FALSE(store->setting(broadcast_pending_key(a.txid())));
  w->drop_transaction(b.txid(), "replaced", std::nullopt);
  EXPECT_FALSE(store->setting(broadcast_pending_key(b.txid())));
  // Listed by a server without being fetched again (already known as is).
  auto c = firstupdate("d/m3", "v", {fund.txid(), 2}, 6, 500);
  w->apply_transaction(c, kUnconfirmedHeight, -1, false, true);
  store->set_setting(broadcast_pending_key(c.txid()), "1");
  ASSERT_EQ(w->local_unconfirmed().size(), 1u);
  w->mark_listed(c.txid());
  EXPECT_TRUE(w->local_unconfirmed().empty());
  EXPECT_FALSE(store->setting(broadcast_pending_key(c.txid())));
  reopen();
  EXPECT_FALSE(store->setting(broadcast_pending_key(a.txid())));
  EXPECT_FALSE(store->setting(broadcast_pending_key(b.txid())));
  EXPECT_FALSE(store->transaction(c.txid())->local);
}

}  // namespace
}  // namespace redoubt::broker
