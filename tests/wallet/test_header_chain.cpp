// The verified header chain: extension, persistence, every rejection
// (linkage, bits, AuxPoW, time, chunk size), most-work reorgs returning the
// fork height, built-in genesis and checkpoints.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "broker/header_chain.h"
#include "chain/header.h"
#include "chain/pow.h"
#include "chain/script.h"
#include "tests/support/chain_builder.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using chain::Hash256;
using wallettest::header_hash;
using wallettest::mine_regtest_chain;
using wallettest::TempDir;
using Status = ConnectResult::Status;

constexpr uint32_t kT0 = 1296688602 + 60;

struct Fixture : ::testing::Test {
  TempDir dir;
  Store store = Store::open(dir.file("w.db"));
  const chain::NetworkParams& p = chain::regtest_params();
};

TEST(Genesis, BuiltInHeadersHashToTheNetworksGenesis) {
  for (auto n : {chain::Network::kMainnet, chain::Network::kTestnet, chain::Network::kRegtest}) {
    const auto& p = chain::params_for(n);
    Bytes g = genesis_header(p);
    ASSERT_EQ(g.size(), 80u);
    EXPECT_EQ(chain::parse_pure_header(g).hash(), p.genesis_hash()) << p.name;
    auto cps = checkpoints(p);
    ASSERT_FALSE(cps.empty());
    EXPECT_EQ(cps[0].height, 0);
    EXPECT_EQ(chain::hash_from_hex_reversed(cps[0].hash_hex), p.genesis_hash());
  }
}

TEST(Genesis, MainnetCheckpointsMatchRealHeaders) {
  std::ifstream f(std::string(REDOUBT_TEST_DATA) + "/namecoin-mainnet-headers.json");
  auto j = nlohmann::json::parse(f);
  int matched = 0;
  for (const auto& h : j["headers"]) {
    int height = h["height"];
    Bytes raw = chain::from_hex(h["hex"].get<std::string>());
    auto hdr = chain::parse_block_header(raw);
    // The real header passes the full PoW/AuxPoW check at its height...
    EXPECT_TRUE(chain::check_header_pow(hdr, chain::mainnet_params(), height)) << height;
    for (const auto& cp : checkpoints(chain::mainnet_params()))
      if (cp.height == height) {
        // ... and hashes to the checkpoint we ship.
        EXPECT_EQ(chain::to_hex_reversed(hdr.hash()), cp.hash_hex);
        ++matched;
      }
  }
  EXPECT_EQ(matched, 3);
}

TEST_F(Fixture, StartsAtGenesis) {
  HeaderChain c(store, p);
  EXPECT_EQ(c.height(), 0);
  EXPECT_EQ(c.tip_hash(), p.genesis_hash());
  EXPECT_EQ(c.tip_work(), chain::block_proof(0x207fffff));
}

TEST_F(Fixture, ExtendsPersistsAndDropsAuxpow) {
  auto hs = mine_regtest_chain(p.genesis_hash(), kT0, 30);
  {
    HeaderChain c(store, p);
    auto r = c.connect(1, hs);
    ASSERT_EQ(r.status, Status::kExtended) << r.reason;
    EXPECT_EQ(c.height(), 30);
    EXPECT_EQ(c.tip_hash(), header_hash(hs.back()));
    EXPECT_EQ(c.hash_at(7), header_hash(hs[6]));
    EXPECT_EQ(c.tip_work(), chain::block_proof(0x207fffff) * 31);
  }
  HeaderChain again(store, p);
  EXPECT_EQ(again.height(), 30);
  EXPECT_EQ(again.tip_hash(), header_hash(hs.back()));
  for (const auto& sh : store.load_headers()) EXPECT_EQ(sh.header80.size(), 80u);
  EXPECT_GT(hs[0].size(), 80u);  // what we were given carried an AuxPoW
}

TEST_F(Fixture, RealChainBuilderBlocksConnect) {
  testsupport::RegtestChain rc;
  for (int i = 0; i < 12; ++i) rc.mine_block(Bytes{chain::OP_1}, {}, 0, 0);
  std::vector<Bytes> raws;
  for (int i = 1; i <= rc.height(); ++i) raws.push_back(rc.block(i).full_header());
  HeaderChain c(store, p);
  auto r = c.connect(1, raws);
  ASSERT_EQ(r.status, Status::kExtended) << r.reason;
  EXPECT_EQ(c.tip_hash(), rc.block(rc.height()).hash);
  EXPECT_EQ(c.header_at(5)->merkle_root, chain::parse_pure_header(rc.block(5).header).merkle_root);
}

TEST_F(Fixture, OverlappingAndRepeatedChunks) {
  auto hs = mine_regtest_chain(p.genesis_hash(), kT0, 20);
  HeaderChain c(store, p);
  ASSERT_EQ(c.connect(1, {hs.begin(), hs.begin() + 10}).status, Status::kExtended);
  EXPECT_EQ(c.connect(1, {hs.begin(), hs.begin() + 10}).status, Status::kNoChange);
  auto r = c.connect(6, {hs.begin() + 5, hs.begin() + 15});
  ASSERT_EQ(r.status, Status::kExtended) << r.reason;
  EXPECT_EQ(c.height(), 15);
  auto gap = c.connect(17, {hs.begin() + 16, hs.end()});
  EXPECT_EQ(gap.status, Status::kNotConnected);
  EXPECT_EQ(c.height(), 15);
}

TEST_F(Fixture, RejectsBrokenLinkageAndStoresNothing) {
  auto hs = mine_regtest_chain(p.genesis_hash(), kT0, 10);
  auto other = mine_regtest_chain(header_hash(hs[4]), kT0 + 400, 3, 9);
  std::vector<Bytes> mixed(hs.begin(), hs.begin() + 5);
  mixed.push_back(hs[6]);  // skips header 6
  HeaderChain c(store, p);
  auto r = c.connect(1, mixed);
  EXPECT_EQ(r.status, Status::kRejected);
  EXPECT_EQ(r.bad_height, 6);
  EXPECT_EQ(c.height(), 0);
  EXPECT_EQ(store.load_headers().size(), 1u);
  // A chunk whose first header does not link to ours.
  EXPECT_EQ(c.connect(1, {other[0]}).status, Status::kNotConnected);
}

TEST_F(Fixture, RejectsBadAuxpowWrongBitsLegacyAndGarbage) {
  HeaderChain c(store, p);
  auto hs = mine_regtest_chain(p.genesis_hash(), kT0, 1);
  Bytes tampered = hs[0];
  tampered[76] ^= 1;  // nonce: the AuxPoW no longer commits to this header
  auto r = c.connect(1, {tampered});
  EXPECT_EQ(r.status, Status::kRejected);
  EXPECT_NE(r.reason.find("AUX"), std::string::npos) << r.reason;

  Bytes easy = wallettest::mine_regtest_header(p.genesis_hash(), kT0, {}, 0x207ffffe);
  r = c.connect(1, {easy});
  EXPECT_EQ(r.status, Status::kRejected);
  EXPECT_NE(r.reason.find("bits"), std::string::npos) << r.reason;

  chain::PureHeader legacy;
  legacy.version = 1;
  legacy.prev_hash = p.genesis_hash();
  legacy.time = kT0;
  legacy.bits = 0x207fffff;
  while (!chain::check_proof_of_work(legacy.hash(), legacy.bits, p)) ++legacy.nonce;
  r = c.connect(1, {legacy.serialize()});
  EXPECT_EQ(r.status, Status::kRejected);
  EXPECT_NE(r.reason.find("legacy"), std::string::npos) << r.reason;

  r = c.connect(1, {Bytes(79, 0)});
  EXPECT_EQ(r.status, Status::kRejected);
  std::vector<Bytes> too_many(HeaderChain::kMaxChunk + 1, hs[0]);
  r = c.connect(1, too_many);
  EXPECT_EQ(r.status, Status::kRejected);
  EXPECT_EQ(c.height(), 0);
}

TEST_F(Fixture, RejectsTimeNotAfterMedianTimePast) {
  HeaderChain c(store, p);
  auto hs = mine_regtest_chain(p.genesis_hash(), kT0, 11);
  ASSERT_EQ(c.connect(1, hs).status, Status::kExtended);
  // Median of the last 11 times is header 6's time; equal is not enough.
  uint32_t mtp = kT0 + 5 * 60;
  Bytes bad = wallettest::mine_regtest_header(c.tip_hash(), mtp);
  auto r = c.connect(12, {bad});
  EXPECT_EQ(r.status, Status::kRejected);
  EXPECT_NE(r.reason.find("median"), std::string::npos) << r.reason;
  Bytes good = wallettest::mine_regtest_header(c.tip_hash(), mtp + 1);
  EXPECT_EQ(c.connect(12, {good}).status, Status::kExtended);
  Bytes future = wallettest::mine_regtest_header(c.tip_hash(), 4'000'000'000u);
  r = c.connect(13, {future});
  EXPECT_EQ(r.status, Status::kRejected);
  EXPECT_NE(r.reason.find("future"), std::string::npos) << r.reason;
}

TEST_F(Fixture, FollowsMostWorkBranchAndReportsFork) {
  HeaderChain c(store, p);
  auto a = mine_regtest_chain(p.genesis_hash(), kT0, 10);
  ASSERT_EQ(c.connect(1, a).status, Status::kExtended);
  // Branch b forks after height 7 and is longer (more work).
  auto b = mine_regtest_chain(header_hash(a[6]), kT0 + 7 * 60 + 7, 5, 77);
  auto r = c.connect(8, b);
  ASSERT_EQ(r.status, Status::kReorged) << r.reason;
  ASSERT_TRUE(r.fork_height);
  EXPECT_EQ(*r.fork_height, 7);
  EXPECT_EQ(c.height(), 12);
  EXPECT_EQ(c.tip_hash(), header_hash(b.back()));
  EXPECT_EQ(c.hash_at(8), header_hash(b[0]));
  // The old branch has less work now: ignored.
  EXPECT_EQ(c.connect(8, {a.begin() + 7, a.end()}).status, Status::kNoChange);
  EXPECT_EQ(c.tip_hash(), header_hash(b.back()));
  // A branch of equal work does not displace ours (first seen wins).
  auto eq = mine_regtest_chain(header_hash(a[6]), kT0 + 7 * 60 + 9, 5, 78);
  EXPECT_EQ(c.connect(8, eq).status, Status::kNoChange);
  // The reorg survives a restart.
  HeaderChain again(store, p);
  EXPECT_EQ(again.tip_hash(), header_hash(b.back()));
  EXPECT_EQ(again.tip_work(), c.tip_work());
}

// A branch longer than one chunk past the fork: the first chunk alone has
// less work than ours (kept pending, nothing stored), the next one tips it
// over and the reorg happens, fork height exact. A chunk that does not
// continue the pending branch forgets it; a branch that ends without more
// work changes nothing.
TEST_F(Fixture, FollowsABranchLongerThanOneChunk) {
  HeaderChain c(store, p);
  const size_t kOurs = 2100;
  auto a = mine_regtest_chain(p.genesis_hash(), kT0, kOurs);
  for (size_t i = 0; i < a.size(); i += HeaderChain::kMaxChunk) {
    size_t end = std::min(a.size(), i + HeaderChain::kMaxChunk);
    ASSERT_EQ(c.connect(static_cast<int32_t>(i + 1), {a.begin() + i, a.begin() + end}).status,
              Status::kExtended);
  }
  const Hash256 our_tip = c.tip_hash();
  // b forks after height 50 and is 2200 headers long: 2250 > 2100.
  auto b = mine_regtest_chain(header_hash(a[49]), kT0 + 50 * 60 + 7, 2200, 91);
  std::vector<Bytes> first(b.begin(), b.begin() + HeaderChain::kMaxChunk);
  std::vector<Bytes> rest(b.begin() + HeaderChain::kMaxChunk, b.end());

  auto r = c.connect(51, first);
  ASSERT_EQ(r.status, Status::kBranchPending) << r.reason;
  EXPECT_EQ(r.next_height, 51 + static_cast<int32_t>(HeaderChain::kMaxChunk));
  EXPECT_EQ(c.tip_hash(), our_tip) << "nothing replaced yet";
  EXPECT_EQ(HeaderChain(store, p).tip_hash(), our_tip) << "nothing stored yet";

  // Something else in between forgets the pending branch.
  EXPECT_EQ(c.connect(1, {a.begin(), a.begin() + 5}).status, Status::kNoChange);
  EXPECT_EQ(c.connect(r.next_height, rest).status, Status::kNotConnected);

  ASSERT_EQ(c.connect(51, first).status, Status::kBranchPending);
  auto r2 = c.connect(r.next_height, rest);
  ASSERT_EQ(r2.status, Status::kReorged) << r2.reason;
  ASSERT_TRUE(r2.fork_height);
  EXPECT_EQ(*r2.fork_height, 50);
  EXPECT_EQ(c.height(), 2250);
  EXPECT_EQ(c.tip_hash(), header_hash(b.back()));
  EXPECT_EQ(c.hash_at(51), header_hash(b[0]));
  EXPECT_EQ(c.hash_at(50), header_hash(a[49]));
  HeaderChain again(store, p);
  EXPECT_EQ(again.tip_hash(), header_hash(b.back()));
  EXPECT_EQ(again.tip_work(), c.tip_work());

  // A long branch that ends with less work than ours: no change.
  auto weak = mine_regtest_chain(header_hash(a[9]), kT0 + 10 * 60 + 9, 2100, 92);
  ASSERT_EQ(c.connect(11, {weak.begin(), weak.begin() + HeaderChain::kMaxChunk}).status,
            Status::kBranchPending);
  EXPECT_EQ(c.connect(11 + static_cast<int32_t>(HeaderChain::kMaxChunk),
                      {weak.begin() + HeaderChain::kMaxChunk, weak.end()})
                .status,
            Status::kNoChange);
  EXPECT_EQ(c.tip_hash(), header_hash(b.back()));
}

TEST(HeaderChainNetworks, StoreOfAnotherNetworkIsRefused) {
  TempDir d;
  Store s = Store::open(d.file("w.db"));
  { HeaderChain c(s, chain::regtest_params()); }
  EXPECT_THROW(HeaderChain(s, chain::mainnet_params()), StoreError);
}

}  // namespace
}  // namespace redoubt::broker
