// A reorganisation deeper than one header chunk (HeaderChain::kMaxChunk,
// 2016 headers), end to end through the real process tree against the
// universe: the engine walks back past the fork, keeps the verified branch
// in memory across chunks until it has more work, switches to it, rolls the
// wallet's heights back and verifies its transactions again where the new
// chain has them. Truth is read from the universe.
#include <algorithm>
#include <map>

#include "broker/header_chain.h"
#include "tests/e2e/e2e_driver.h"
#include "tests/e2e/wallet_db.h"

namespace redoubt::test {
namespace {

constexpr const char* kForeign = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";

class DeepReorg : public E2E {
 protected:
  std::map<std::string, Json> history_by_txid() {
    std::map<std::string, Json> m;
    for (const auto& t : history()) m[t["txid"]] = t;
    return m;
  }
  int height_in_universe(const std::string& txid) {
    const int c = universe().confirmations(txid);
    return c > 0 ? universe().height() - c + 1 : c;
  }
  // The wallet's stored header chain: its tip height, and whether its
  // header at `height` is the universe's block there.
  int wallet_tip() {
    auto rows = query_wallet_db(wallet_, "SELECT max(height) FROM headers");
    return rows.size() == 1 ? std::stoi(rows[0]) : -1;
  }
  bool wallet_has_universe_block(int height) {
    auto rows = query_wallet_db(
        wallet_, "SELECT hash FROM headers WHERE height = " + std::to_string(height));
    auto want = universe().with_state(
        [&](auto& chain, auto&, auto&) { return chain::to_hex(chain.block(height).hash); });
    return rows.size() == 1 && rows[0] == want;
  }
};

// A received payment and a send, both confirmed; then the chain is replaced
// from below them by a branch 2113 blocks long (the fork is 2112 blocks
// below the wallet's tip, more than one chunk) in which both are mined again
// 20 blocks above the fork; then, a second time, by a branch in which they
// are absent (unconfirmed again) until a later block mines them.
TEST_F(DeepReorg, WalletFollowsAReorgDeeperThanOneHeaderChunk) {
  create();
  const std::string fund_txid = universe().fund(address(), 300'000'000, /*confirm=*/true);
  Result pay = pw({"payto", kForeign, "1"});
  ASSERT_EQ(pay.rc, 0) << pay.err;
  const std::string pay_txid = pay.json()["txid"];
  const int64_t fee = sat(pay.json()["summary"]["fee"]);
  universe().mine(1);
  const int fund_height = height_in_universe(fund_txid);
  const int pay_height = height_in_universe(pay_txid);
  ASSERT_GT(pay_height, fund_height);

  // Bury them under more than a chunk; the wallet follows.
  universe().mine(2100);
  const int tip = universe().height();
  EXPECT_EQ(sat(balance()["confirmed"]), 200'000'000 - fee);
  EXPECT_EQ(wallet_tip(), tip);
  const int fork = fund_height - 11;
  ASSERT_TRUE(wallet_has_universe_block(fork + 1));
  const chain::Hash256 old_above_fork =
      universe().with_state([&](auto& chain, auto&, auto&) { return chain.block(fork + 1).hash; });
  auto h = history_by_txid();
  EXPECT_EQ(h[pay_txid]["height"], pay_height);

  // Fork 11 blocks below the funding: deeper than one chunk from our tip.
  const int depth = tip - fork;
  ASSERT_GT(depth, static_cast<int>(broker::HeaderChain::kMaxChunk));
  ASSERT_EQ(universe().reorg(depth, /*remine_at=*/20), tip + 1);
  const int again = fork + 1 + 20;
  ASSERT_EQ(height_in_universe(fund_txid), again);
  ASSERT_EQ(height_in_universe(pay_txid), again);
  ASSERT_NE(again, pay_height);

  Result b = r({"getbalance"});
  ASSERT_EQ(b.rc, 0) << "the wallet follows a " << depth << "-block reorg: " << b.err;
  EXPECT_EQ(sat(b.json()["confirmed"]), 200'000'000 - fee) << b.out;
  EXPECT_FALSE(b.json().contains("unconfirmed")) << b.out;
  EXPECT_EQ(wallet_tip(), tip + 1) << "on the branch with more work";
  EXPECT_TRUE(wallet_has_universe_block(fork)) << "the shared part kept";
  EXPECT_TRUE(wallet_has_universe_block(fork + 1)) << "the branch from its first block";
  EXPECT_TRUE(wallet_has_universe_block(tip + 1));
  EXPECT_NE(universe().with_state([&](auto& c, auto&, auto&) { return c.block(fork + 1).hash; }),
            old_above_fork);
  h = history_by_txid();
  ASSERT_EQ(h.size(), 2u);
  for (const auto& txid : {fund_txid, pay_txid}) {
    EXPECT_EQ(h[txid]["height"], again) << "the new chain's height: " << h[txid].dump();
    EXPECT_TRUE(h[txid]["confirmations_verified"].get<bool>()) << h[txid].dump();
  }

  // Again from the same fork, now with both left out of the branch: the
  // wallet has them unconfirmed, then confirmed where a later block puts them.
  const int tip2 = universe().height();
  ASSERT_EQ(universe().reorg(tip2 - fork), tip2 + 1);
  ASSERT_EQ(universe().confirmations(pay_txid), 0);
  b = r({"getbalance"});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.json()["confirmed"], "0") << b.out;
  EXPECT_EQ(sat(b.json().value("unconfirmed", Json("0"))), 200'000'000 - fee) << b.out;
  for (const auto& [txid, t] : history_by_txid()) EXPECT_EQ(t["height"], 0) << t.dump();

  universe().mine(1);
  const int last = universe().height();
  ASSERT_EQ(height_in_universe(pay_txid), last);
  EXPECT_EQ(sat(balance()["confirmed"]), 200'000'000 - fee);
  EXPECT_EQ(wallet_tip(), last);
  EXPECT_TRUE(wallet_has_universe_block(fork + 1));
  EXPECT_TRUE(wallet_has_universe_block(last));
  for (const auto& [txid, t] : history_by_txid()) {
    EXPECT_EQ(t["height"], last) << t.dump();
    EXPECT_TRUE(t["confirmations_verified"].get<bool>()) << t.dump();
  }
}

// Forks the walk-back used to miss or refuse: 2,050 blocks deep (its step of
// 2,048 passed the fork by more than a chunk and the chunk it fetched was all
// ours: the wallet stayed on the old chain) and 8,413 deep (beyond the old
// walk-back's 8,184 blocks). Both are followed now, up to
// HeaderChain::kMaxForkDepth.
TEST_F(DeepReorg, ForksPastAStepOrTheOldWalkBackLimitAreFollowed) {
  create();
  const std::string fund_txid = universe().fund(address(), 300'000'000, /*confirm=*/true);
  const int fund_height = height_in_universe(fund_txid);
  universe().mine(8400);
  const int tip = universe().height();
  EXPECT_EQ(sat(balance()["confirmed"]), 300'000'000);
  ASSERT_EQ(wallet_tip(), tip);

  // 2,050 blocks below our tip (the payment is further down).
  ASSERT_EQ(universe().reorg(2050), tip + 1);
  Result b = r({"getbalance"});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(wallet_tip(), tip + 1) << "on the new branch";
  EXPECT_TRUE(wallet_has_universe_block(tip - 2050 + 1));
  EXPECT_TRUE(wallet_has_universe_block(tip + 1));
  EXPECT_EQ(sat(b.json()["confirmed"]), 300'000'000) << b.out;

  // Below the payment, more than 8,184 blocks deep: it is mined again 30
  // blocks into the branch.
  const int tip2 = universe().height();
  const int fork = fund_height - 11;
  ASSERT_GT(tip2 - fork, 8184);
  ASSERT_LE(tip2 - fork, broker::HeaderChain::kMaxForkDepth);
  ASSERT_EQ(universe().reorg(tip2 - fork, /*remine_at=*/30), tip2 + 1);
  b = r({"getbalance"});
  ASSERT_EQ(b.rc, 0) << "a fork " << tip2 - fork << " blocks deep is followed: " << b.err;
  EXPECT_EQ(wallet_tip(), tip2 + 1);
  EXPECT_TRUE(wallet_has_universe_block(fork + 1));
  EXPECT_TRUE(wallet_has_universe_block(tip2 + 1));
  EXPECT_EQ(sat(b.json()["confirmed"]), 300'000'000) << b.out;
  EXPECT_EQ(history_by_txid()[fund_txid]["height"], fork + 31);
}

// Deeper than HeaderChain::kMaxForkDepth: refused with an error that says
// what happened and what to do, and nothing of the branch is stored.
TEST_F(DeepReorg, AForkDeeperThanTheBoundIsRefusedClearly) {
  create();
  ASSERT_EQ(sat(balance()["confirmed"]), 0);
  const int depth = broker::HeaderChain::kMaxForkDepth + 100;
  for (int left = depth + 10; left > 0; left -= 10000) universe().mine(std::min(left, 10000));
  const int tip = universe().height();
  ASSERT_EQ(sat(balance()["confirmed"]), 0);
  ASSERT_EQ(wallet_tip(), tip);
  ASSERT_EQ(universe().reorg(depth), tip + 1);
  Result b = r({"getbalance"});
  EXPECT_TRUE(b.rc == 7 || b.rc == 8) << "the server is dropped: " << b.rc << b.out << b.err;
  EXPECT_NE(b.err.find("does not join ours within " +
                       std::to_string(broker::HeaderChain::kMaxForkDepth) + " blocks"),
            std::string::npos)
      << b.err;
  EXPECT_NE(b.err.find("new --datadir"), std::string::npos) << b.err;
  EXPECT_EQ(wallet_tip(), tip) << "nothing of the branch was stored";
  EXPECT_FALSE(wallet_has_universe_block(tip)) << "the old chain stays";
}

}  // namespace
}  // namespace redoubt::test
