// The regtest chain builder makes blocks a Namecoin node accepts: the real
// regtest genesis, merge-mined headers whose AuxPoW passes chain/'s
// namecoind-equivalent check, BIP34 coinbases, correct merkle roots and
// witness commitments, linked headers across reorgs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "chain/hash.h"
#include "chain/header.h"
#include "chain/merkle.h"
#include "chain/params.h"
#include "chain/script.h"
#include "tests/support/chain_builder.h"
#include "tests/support/wallet.h"

namespace redoubt::testsupport {
namespace {

using chain::Bytes;

void expect_valid_chain(const RegtestChain& c) {
  const auto& p = chain::regtest_params();
  for (int h = 0; h <= c.height(); ++h) {
    const Block& b = c.block(h);
    SCOPED_TRACE("height " + std::to_string(h));
    chain::BlockHeader hdr = chain::parse_block_header(b.full_header());
    EXPECT_EQ(hdr.hash(), b.hash);
    chain::Verdict v = chain::check_header_pow(hdr, p, h);
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_EQ(hdr.base.merkle_root, chain::merkle_root(b.txids));
    EXPECT_EQ(hdr.base.bits, kRegtestBits);
    if (h > 0) {
      EXPECT_EQ(hdr.base.prev_hash, c.block(h - 1).hash);
      ASSERT_TRUE(hdr.auxpow.has_value());
      EXPECT_EQ(hdr.base.chain_id(), 1);
      EXPECT_TRUE(hdr.base.has_auxpow_flag());
      EXPECT_GT(hdr.base.time, chain::parse_block_header(c.block(h - 1).full_header()).base.time);
    }
  }
}

TEST(ChainBuilderTest, GenesisIsNamecoinRegtestGenesis) {
  RegtestChain c;
  std::ifstream f(std::string(REDOUBT_TESTSUPPORT_DATA_DIR) + "/namecoind-regtest-names.json");
  auto v = nlohmann::json::parse(f);
  EXPECT_EQ(chain::to_hex(c.block(0).full_header()), v["headers"][0]["namecoind_header"]);
  EXPECT_EQ(c.block(0).hash, chain::regtest_params().genesis_hash());
  EXPECT_EQ(c.height(), 0);
  EXPECT_TRUE(c.utxos().empty());  // the genesis output is not spendable
}

TEST(ChainBuilderTest, MergeMinedBlocksPassTheAuxpowCheck) {
  for (bool marker : {false, true}) {
    SCOPED_TRACE(marker ? "with fabe6d6d marker" : "namecoind style");
    RegtestChain c(RegtestChain::Options{marker});
    TestWallet w;
    Bytes script = w.new_script();
    for (int i = 0; i < 20; ++i) c.mine_block(script, {}, 0);
    EXPECT_EQ(c.height(), 20);
    expect_valid_chain(c);
    // The marker shows in the parent coinbase exactly when asked for.
    chain::BlockHeader hdr = chain::parse_block_header(c.block(5).full_header());
    const Bytes& ss = hdr.auxpow->coinbase.inputs[0].script_sig;
    bool has_marker =
        ss.size() > 5 && ss[1] == 0xfa && ss[2] == 0xbe && ss[3] == 0x6d && ss[4] == 0x6d;
    EXPECT_EQ(has_marker, marker);
  }
}

TEST(ChainBuilderTest, CoinbaseHasBip34HeightSubsidyAndWitnessCommitment) {
  RegtestChain c;
  TestWallet w;
  Bytes script = w.new_script();
  for (int i = 0; i < 20; ++i) c.mine_block(script, {}, 0);
  const auto& cb5 = c.block(5).txs[0];
  ASSERT_TRUE(cb5.is_coinbase());
  EXPECT_EQ(cb5.inputs[0].script_sig[0], chain::OP_1 + 4);  // OP_5: BIP34 small heights
  const auto& cb20 = c.block(20).txs[0];
  EXPECT_EQ(cb20.inputs[0].script_sig[0], 1);   // push of one byte ...
  EXPECT_EQ(cb20.inputs[0].script_sig[1], 20);  // ... the height
  EXPECT_EQ(cb20.outputs[0].value, 50 * 100'000'000LL);
  EXPECT_EQ(cb20.outputs[0].script_pubkey, script);
  const Bytes& commit = cb20.outputs[1].script_pubkey;
  ASSERT_GE(commit.size(), 38u);
  EXPECT_EQ(commit[0], chain::OP_RETURN);
  EXPECT_EQ(Bytes(commit.begin() + 2, commit.begin() + 6), (Bytes{0xaa, 0x21, 0xa9, 0xed}));
  EXPECT_EQ(RegtestChain::subsidy(150), 25 * 100'000'000LL);  // regtest halves every 150
  // Coinbase outputs are in the UTXO set, marked as coinbase.
  auto coin = c.coin({c.block(20).txids[0], 0});
  ASSERT_TRUE(coin);
  EXPECT_TRUE(coin->coinbase);
  EXPECT_EQ(coin->height, 20);
}

TEST(ChainBuilderTest, DisconnectAndRemineGivesNewLinkedBlocks) {
  RegtestChain c;
  TestWallet w;
  Bytes script = w.new_script();
  for (int i = 0; i < 10; ++i) c.mine_block(script, {}, 0);
  chain::Hash256 old9 = c.block(9).hash;
  chain::Hash256 old10tx = c.block(10).txids[0];
  c.disconnect(2);
  EXPECT_EQ(c.height(), 8);
  EXPECT_FALSE(c.find_tx(old10tx));
  EXPECT_FALSE(c.coin({old10tx, 0}));
  for (int i = 0; i < 3; ++i) c.mine_block(script, {}, 0, /*extra=*/1);
  EXPECT_EQ(c.height(), 11);
  EXPECT_NE(c.block(9).hash, old9);
  expect_valid_chain(c);
}

}  // namespace
}  // namespace redoubt::testsupport
