// SPV: a transaction is believed only when its bytes hash to the txid asked
// for and its merkle branch leads to our verified header's merkle root.
#include <gtest/gtest.h>

#include "broker/spv.h"
#include "chain/script.h"
#include "tests/support/proofs.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using chain::Hash256;

chain::Transaction make_tx(uint8_t tag) {
  chain::Transaction t;
  chain::TxIn in;
  in.prevout.txid[0] = tag;
  in.prevout.index = tag;
  t.inputs.push_back(in);
  t.outputs.push_back({1000 + tag, chain::p2wpkh_script(chain::Hash160{tag})});
  return t;
}

std::vector<Bytes> to_bytes(const std::vector<Hash256>& hs) {
  std::vector<Bytes> out;
  for (const auto& h : hs) out.emplace_back(h.begin(), h.end());
  return out;
}

struct Spv : ::testing::Test {
  wallettest::TempDir dir;
  Store store = Store::open(dir.file("w.db"));
  HeaderChain headers{store, chain::regtest_params()};
  std::vector<chain::Transaction> txs;
  std::vector<Hash256> txids;

  void SetUp() override {
    for (uint8_t i = 0; i < 7; ++i) {
      txs.push_back(make_tx(i));
      txids.push_back(txs.back().txid());
    }
    // Block 1 carries our 7 transactions; block 2 is empty of interest.
    auto h1 = wallettest::mine_regtest_header(chain::regtest_params().genesis_hash(),
                                              1296688602 + 60, testsupport::merkle_root_of(txids));
    auto h2 = wallettest::mine_regtest_header(wallettest::header_hash(h1), 1296688602 + 120);
    ASSERT_TRUE(headers.connect(1, {h1, h2}).ok());
  }
  MerkleProof proof(size_t i, int32_t height = 1) {
    return {height, static_cast<uint32_t>(i), to_bytes(testsupport::merkle_branch_of(txids, i))};
  }
};

TEST_F(Spv, AcceptsEveryTransactionOfTheBlock) {
  for (size_t i = 0; i < txs.size(); ++i) {
    auto v = verify_confirmed_tx(headers, txids[i], txs[i].serialize(), 1, proof(i));
    EXPECT_TRUE(v.ok()) << v.detail;
    ASSERT_TRUE(v.tx);
    EXPECT_EQ(*v.tx, txs[i]);
  }
}

TEST_F(Spv, RejectsBytesOfAnotherTransaction) {
  auto v = verify_confirmed_tx(headers, txids[0], txs[1].serialize(), 1, proof(0));
  EXPECT_EQ(v.reason, SpvReason::kTxidMismatch);
  EXPECT_TRUE(v.is_misbehaviour());
  EXPECT_FALSE(v.tx);
}

TEST_F(Spv, RejectsGarbageBytes) {
  auto v = verify_tx_bytes(txids[0], Bytes{1, 2, 3});
  EXPECT_EQ(v.reason, SpvReason::kUnparseable);
  Bytes trailing = txs[0].serialize();
  trailing.push_back(0);
  EXPECT_EQ(verify_tx_bytes(txids[0], trailing).reason, SpvReason::kUnparseable);
}

TEST_F(Spv, RejectsWrongPositionBranchOrBlock) {
  auto wrong_pos = proof(2);
  wrong_pos.position = 3;
  EXPECT_EQ(verify_confirmed_tx(headers, txids[2], txs[2].serialize(), 1, wrong_pos).reason,
            SpvReason::kMerkleMismatch);
  auto flipped = proof(2);
  flipped.branch[1][5] ^= 0x40;
  EXPECT_EQ(verify_confirmed_tx(headers, txids[2], txs[2].serialize(), 1, flipped).reason,
            SpvReason::kMerkleMismatch);
  // The right branch, but claimed for block 2 whose root is different.
  EXPECT_EQ(verify_confirmed_tx(headers, txids[2], txs[2].serialize(), 2, proof(2, 2)).reason,
            SpvReason::kMerkleMismatch);
  // History and proof disagree on the height.
  EXPECT_EQ(verify_confirmed_tx(headers, txids[2], txs[2].serialize(), 2, proof(2, 1)).reason,
            SpvReason::kHeightMismatch);
}

TEST_F(Spv, MalformedProofs) {
  auto p = proof(1);
  p.branch[0].pop_back();
  EXPECT_EQ(verify_confirmed_tx(headers, txids[1], txs[1].serialize(), 1, p).reason,
            SpvReason::kMalformedProof);
  p = proof(1);
  p.branch.resize(40, Bytes(32, 0));
  EXPECT_EQ(verify_confirmed_tx(headers, txids[1], txs[1].serialize(), 1, p).reason,
            SpvReason::kMalformedProof);
}

TEST_F(Spv, HeightAboveOurTipIsNotYetVerifiable) {
  auto v = verify_confirmed_tx(headers, txids[1], txs[1].serialize(), 5, proof(1, 5));
  EXPECT_EQ(v.reason, SpvReason::kNoHeader);
  EXPECT_FALSE(v.is_misbehaviour());
  EXPECT_FALSE(v.ok());
}

}  // namespace
}  // namespace redoubt::broker
