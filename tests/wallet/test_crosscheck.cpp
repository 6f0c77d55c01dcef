// Cross-checking our tip with a second server (broker/crosscheck.h): agree,
// behind, ahead on our chain, a fork at or below our tip, a longer fork, and
// every answer that does not verify (malformed, failing proof of work,
// unlinked, not ending in the announced tip) judged invalid rather than a
// disagreement; the remembered report and the refusal a send meets.
#include <gtest/gtest.h>

#include "broker/crosscheck.h"
#include "chain/header.h"
#include "ipc/errors.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using wallettest::header_hash;
using wallettest::mine_regtest_chain;
using wallettest::TempDir;
using S = CrossCheckStatus;

constexpr uint32_t kT0 = 1296688602 + 60;

// Our verified chain: 30 blocks on regtest.
struct CrossCheck : ::testing::Test {
  TempDir dir;
  Store store = Store::open(dir.file("w.db"));
  const chain::NetworkParams& p = chain::regtest_params();
  HeaderChain ours{store, p};
  std::vector<Bytes> hs = mine_regtest_chain(p.genesis_hash(), kT0, 30);
  void SetUp() override { ASSERT_EQ(ours.connect(1, hs).status, ConnectResult::Status::kExtended); }
  // Header at height h (1-based) of our chain.
  const Bytes& at(int h) { return hs[static_cast<size_t>(h - 1)]; }
};

TEST_F(CrossCheck, SameTipAgrees) {
  auto v = judge_crosscheck(ours, 30, {30, at(30), {}});
  EXPECT_EQ(v.status, S::kAgree) << v.detail;
}

TEST_F(CrossCheck, AnOlderBlockOfOurChainIsBehind) {
  auto v = judge_crosscheck(ours, 30, {20, at(20), {}});
  EXPECT_EQ(v.status, S::kBehind) << v.detail;
  EXPECT_NE(v.detail.find("10 behind"), std::string::npos) << v.detail;
}

TEST_F(CrossCheck, AheadOnOurChainAgrees) {
  auto more = mine_regtest_chain(header_hash(at(30)), kT0 + 30 * 60, 5);
  std::vector<Bytes> chunk = {at(30)};
  chunk.insert(chunk.end(), more.begin(), more.end());
  auto v = judge_crosscheck(ours, 30, {35, more.back(), chunk});
  EXPECT_EQ(v.status, S::kAgree) << v.detail;
  EXPECT_NE(v.detail.find("5 ahead"), std::string::npos) << v.detail;
  // A partial chunk (the rest of its chain not sent) still proves our tip
  // is its ancestor.
  chunk.resize(3);
  EXPECT_EQ(judge_crosscheck(ours, 30, {35, more.back(), chunk}).status, S::kAgree);
}

// Our chain grew while we asked: the answer is judged at the height we asked
// about, so a server that matched us then is not taken for a fork now.
TEST_F(CrossCheck, JudgedAtTheHeightWeAskedAbout) {
  std::vector<Bytes> chunk = {at(28), at(29), at(30)};
  auto v = judge_crosscheck(ours, 28, {30, at(30), chunk});
  EXPECT_EQ(v.status, S::kAgree) << v.detail;
  EXPECT_EQ(judge_crosscheck(ours, 28, {28, at(28), {}}).status, S::kAgree);
  // Judged against our grown tip instead, the same chunk would look like a
  // fork: what the engine avoids by passing the height it asked about.
  EXPECT_EQ(judge_crosscheck(ours, 30, {32, at(30), chunk}).status, S::kDisagree);
}

TEST_F(CrossCheck, ADifferentBlockAtAHeightWeHaveDisagrees) {
  auto fork = mine_regtest_chain(header_hash(at(25)), kT0 + 25 * 60 + 7, 5, 99);
  auto v = judge_crosscheck(ours, 30, {30, fork.back(), {}});
  EXPECT_EQ(v.status, S::kDisagree) << v.detail;
  EXPECT_EQ(v.fork_height, 30);
  // A stale fork below our tip is a disagreement too.
  v = judge_crosscheck(ours, 30, {27, fork[1], {}});
  EXPECT_EQ(v.status, S::kDisagree) << v.detail;
  EXPECT_EQ(v.fork_height, 27);
}

TEST_F(CrossCheck, ALongerForkDisagreesAtOurTipHeight) {
  auto fork = mine_regtest_chain(header_hash(at(25)), kT0 + 25 * 60 + 7, 10, 99);  // 26..35
  std::vector<Bytes> chunk(fork.begin() + 4, fork.end());                          // 30..35
  auto v = judge_crosscheck(ours, 30, {35, fork.back(), chunk});
  EXPECT_EQ(v.status, S::kDisagree) << v.detail;
  EXPECT_EQ(v.fork_height, 30);
  EXPECT_NE(v.detail.find("longer chain"), std::string::npos) << v.detail;
}

TEST_F(CrossCheck, AnswersThatDoNotVerifyAreInvalidNotDisagreement) {
  // Malformed tip.
  EXPECT_EQ(judge_crosscheck(ours, 30, {30, Bytes(79, 1), {}}).status, S::kInvalid);
  // A header whose 80 bytes were changed: its AuxPoW no longer commits to
  // it, so it fails proof of work and cannot dispute our block.
  Bytes forged = at(30);
  forged[40] ^= 1;  // inside the merkle root
  auto v = judge_crosscheck(ours, 30, {30, forged, {}});
  EXPECT_EQ(v.status, S::kInvalid) << v.detail;
  EXPECT_NE(v.detail.find("proof of work"), std::string::npos) << v.detail;
  // Above our tip without the header at our height.
  auto more = mine_regtest_chain(header_hash(at(30)), kT0 + 30 * 60, 5);
  EXPECT_EQ(judge_crosscheck(ours, 30, {35, more.back(), {}}).status, S::kInvalid);
  // A chunk that does not link.
  auto other = mine_regtest_chain(header_hash(at(29)), kT0 + 30 * 60, 5, 5);
  std::vector<Bytes> unlinked = {at(30), other[1], other[2]};
  v = judge_crosscheck(ours, 30, {35, more.back(), unlinked});
  EXPECT_EQ(v.status, S::kInvalid) << v.detail;
  // A chunk reaching its tip height that does not end in the tip it announced.
  std::vector<Bytes> chunk = {at(30)};
  chunk.insert(chunk.end(), more.begin(), more.end());
  auto elsewhere = mine_regtest_chain(header_hash(more[3]), kT0 + 40 * 60, 1, 8);
  v = judge_crosscheck(ours, 30, {35, elsewhere[0], chunk});
  EXPECT_EQ(v.status, S::kInvalid) << v.detail;
  // A forged header at our height inside the chunk is not a disagreement either.
  std::vector<Bytes> forged_chunk = chunk;
  forged_chunk[0] = forged;
  EXPECT_EQ(judge_crosscheck(ours, 30, {35, more.back(), forged_chunk}).status, S::kInvalid);
  // An absurd height.
  EXPECT_EQ(judge_crosscheck(ours, 30, {0xffffffffu, at(30), {}}).status, S::kInvalid);
}

TEST(CrossCheckReport, RoundTripsAndRejectsGarbage) {
  CrossCheckReport r;
  r.server = "second.electrum.test:50001:t";
  r.status = S::kDisagree;
  r.height = 120;
  r.server_height = 121;
  r.fork_height = 118;
  r.checked_at = 1700000000;
  r.detail = "it claims\na longer chain";
  auto back = decode_crosscheck(encode_crosscheck(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->server, r.server);
  EXPECT_EQ(back->status, S::kDisagree);
  EXPECT_EQ(back->height, 120);
  EXPECT_EQ(back->server_height, 121);
  EXPECT_EQ(back->fork_height, 118);
  EXPECT_EQ(back->checked_at, 1700000000);
  EXPECT_EQ(back->detail, "it claims a longer chain");
  EXPECT_FALSE(back->this_run);
  EXPECT_FALSE(decode_crosscheck(""));
  EXPECT_FALSE(decode_crosscheck("maybe\ns\n1\n2\n3\n4\nx"));
  EXPECT_FALSE(decode_crosscheck("agree\ns\n-5\n2\n3\n4\nx"));
  EXPECT_FALSE(decode_crosscheck("agree\ns\n1\n2x\n3\n4\nx"));
}

TEST(CrossCheckReport, RefusalIsActionable) {
  CrossCheckReport r;
  r.server = "second.electrum.test:50001:t";
  r.status = S::kDisagree;
  r.height = 120;
  r.detail = "it has a different block at height 120 (00ab)";
  try {
    refuse_disputed_tip(r, "electrum.test:50001:t");
    FAIL() << "did not refuse";
  } catch (const kj::Exception& e) {
    auto err = ipc::from_exception(e);
    EXPECT_EQ(err.code(), ipc::ErrorCode::kVerification);
    std::string m = err.what();
    EXPECT_NE(m.find("servers disagree about the chain tip"), std::string::npos) << m;
    EXPECT_NE(m.find("--crosscheck-server none"), std::string::npos) << m;
    EXPECT_NE(m.find("different block at height 120"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace redoubt::broker
