// The bulk wallet generator and the initial sync through the real tree, at a
// size ctest can afford (2,000 transactions over 400 addresses): the same
// path the sync_100k benchmark times, so neither rots. Every count and the
// balance must match what the universe built.
#include <gtest/gtest.h>

#include "tests/e2e/bulk_sync.h"

namespace redoubt::test {
namespace {

class SyncBulkE2E : public testsupport::UniverseFixture {};

TEST_F(SyncBulkE2E, InitialSyncFindsEveryTransactionAndTheExactBalance) {
  testsupport::BulkWalletSpec spec;
  spec.transactions = 2000;
  spec.addresses = 400;
  spec.txs_per_block = 200;
  auto w = testsupport::build_bulk_wallet(universe(),
                                          testsupport::electrum_segwit_account(kBulkPhrase), spec);
  ASSERT_EQ(w.transactions, 2000);
  EXPECT_EQ(w.receives, 1500);
  EXPECT_EQ(w.sends, 500);
  EXPECT_EQ(w.receive_used, 300);
  EXPECT_EQ(w.change_used, 100);
  EXPECT_GE(w.blocks, 10);

  // The universe's index agrees with the generator: the wallet's scripts'
  // unspent outputs add up to the expected balance.
  auto ix = universe().index();
  int64_t indexed = 0;
  for (const auto* scripts : {&w.receive_scripts, &w.change_scripts})
    for (const auto& s : *scripts)
      if (auto it = ix->utxos.find(chain::electrum_script_hash(s)); it != ix->utxos.end())
        for (const auto& u : it->second) indexed += u.value;
  EXPECT_EQ(indexed, w.balance);

  BulkSync s = bulk_sync(endpoints(), datadir() + "/wallet");
  ASSERT_TRUE(s.error.empty()) << s.error;
  EXPECT_EQ(s.confirmed, w.balance);
  EXPECT_EQ(s.unconfirmed, 0);
  EXPECT_EQ(s.transactions, w.transactions);
  EXPECT_EQ(s.verified, w.transactions) << "every transaction's merkle proof checked";
  EXPECT_EQ(s.receive_used, w.receive_used);
  EXPECT_EQ(s.change_used, w.change_used);

  FetchOnly f = electrum_fetch_only(endpoints(), w);
  EXPECT_EQ(f.transactions, w.transactions);
  std::printf("sync of %d transactions: %.2f s through the tree, %.2f s raw fetch (%d requests)\n",
              w.transactions, s.seconds, f.seconds, f.requests);
}

}  // namespace
}  // namespace redoubt::test
