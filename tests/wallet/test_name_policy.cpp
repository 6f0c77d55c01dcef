// Name lifecycle rules: confirmations, firstupdate maturity (12 blocks),
// expiry per network (regtest 30, mainnet 36,000) and the warning window.
#include <gtest/gtest.h>

#include "broker/name_policy.h"
#include "broker/wallet_types.h"

namespace redoubt::broker {
namespace {

TEST(NamePolicy, Confirmations) {
  EXPECT_EQ(confirmations(kUnconfirmedHeight, 100), 0);
  EXPECT_EQ(confirmations(100, 100), 1);
  EXPECT_EQ(confirmations(90, 100), 11);
  EXPECT_EQ(confirmations(101, 100), 0);  // above our tip (not verified yet)
}

TEST(NamePolicy, FirstUpdateNeedsTwelveConfirmations) {
  EXPECT_EQ(firstupdate_blocks_remaining(kUnconfirmedHeight, 50), std::nullopt);
  EXPECT_EQ(firstupdate_blocks_remaining(40, 50), 1);  // 11 confirmations: one block more
  EXPECT_EQ(firstupdate_blocks_remaining(39, 50), 0);  // 12: now
  EXPECT_EQ(firstupdate_blocks_remaining(50, 50), 11);
}

TEST(NamePolicy, ExpiryRegtestAndMainnet) {
  const auto& r = chain::regtest_params();
  auto e = name_expiry(100, 129, r);
  EXPECT_EQ(e.expires_at, 130);
  EXPECT_EQ(e.expires_in, 1);
  EXPECT_FALSE(e.expired);
  EXPECT_TRUE(e.warn);
  EXPECT_TRUE(name_expiry(100, 130, r).expired);
  const auto& m = chain::mainnet_params();
  e = name_expiry(600'000, 600'000 + 33'999, m);
  EXPECT_EQ(e.expires_in, 2001);
  EXPECT_FALSE(e.warn);
  EXPECT_TRUE(name_expiry(600'000, 600'000 + 34'000, m).warn);
  EXPECT_TRUE(name_expiry(600'000, 636'000, m).expired);
  // An unconfirmed update counts from the tip.
  EXPECT_EQ(name_expiry(kUnconfirmedHeight, 700'000, m).expires_in, 36'000);
}

}  // namespace
}  // namespace redoubt::broker
