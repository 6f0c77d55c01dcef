// Coin selection: whole groups, name coins never spent for payments, frozen
// and restricted coins, unconfirmed foreign coins, dust change, fee policy,
// and anonymity mode for name operations with a typed, explanatory error.
#include <gtest/gtest.h>

#include <cstring>

#include "broker/coin_select.h"
#include "chain/names.h"
#include "chain/script.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;

using wallettest::nm;

Coin coin(uint8_t tag, int64_t value, AddressId addr, int32_t height = 100) {
  Coin c;
  c.outpoint.txid[0] = tag;
  c.outpoint.index = tag;
  c.value = value;
  c.address = addr;
  c.script_pubkey = chain::p2wpkh_script(chain::Hash160{static_cast<uint8_t>(addr)});
  c.height = height;
  c.path = {0x80000000u, 0, static_cast<uint32_t>(addr)};
  return c;
}

SelectionRequest pay(int64_t amount) {
  SelectionRequest r;
  r.amount = amount;
  r.output_script_sizes = {22};
  r.fee_rate = 1000;
  return r;
}

std::set<uint8_t> tags(const Selection& s) {
  std::set<uint8_t> t;
  for (const auto& c : s.inputs) t.insert(c.outpoint.txid[0]);
  return t;
}

using wallettest::kCoinSat;

TEST(CoinSelect, SpendsTheSmallestSufficientWholeGroup) {
  // Addresses 1 and 2 are already linked; 3 stands alone.
  auto g = Groupings::compute({1, 2, 3}, {{{1, 2}, {}}});
  std::vector<Coin> coins = {coin(1, 3 * kCoinSat, 1), coin(2, 4 * kCoinSat, 2),
                             coin(3, 10 * kCoinSat, 3)};
  auto s = select_coins(coins, g, pay(2 * kCoinSat));
  EXPECT_EQ(tags(s), (std::set<uint8_t>{1, 2}));  // both coins of the group, nothing else
  ASSERT_TRUE(s.change);
  EXPECT_EQ(*s.change, 7 * kCoinSat - 2 * kCoinSat - s.fee);
  // Exact: 2 P2WPKH inputs, 2 outputs of 22-byte scripts.
  EXPECT_EQ(s.vsize, (10 * 4 + 2 + 2 * 271 + 2 * 31 * 4 + 3) / 4);
  EXPECT_EQ(s.fee, fee_for_vsize(s.vsize, 1000));
}

TEST(CoinSelect, NeverSpendsNameCoinsForPayments) {
  auto g = Groupings::compute({1, 2}, {});
  Coin name = coin(1, 50 * kCoinSat, 1);
  name.is_name = true;
  std::vector<Coin> coins = {name, coin(2, kCoinSat, 2)};
  try {
    select_coins(coins, g, pay(2 * kCoinSat));
    FAIL() << "spent a name coin";
  } catch (const SelectionError& e) {
    EXPECT_EQ(e.kind(), SelectionError::Kind::kInsufficientFunds);
    ASSERT_EQ(e.excluded().size(), 1u);
    EXPECT_NE(e.excluded()[0].reason.find("name output"), std::string::npos);
    EXPECT_GT(e.missing(), kCoinSat);
  }
}

TEST(CoinSelect, RespectsFrozenRestrictionsAndUnconfirmed) {
  auto g = Groupings::compute({1, 2, 3, 4}, {});
  Coin frozen = coin(1, 5 * kCoinSat, 1);
  frozen.frozen = true;
  Coin foreign_unconf = coin(2, 5 * kCoinSat, 2, kUnconfirmedHeight);
  Coin own_unconf = coin(3, 5 * kCoinSat, 3, kUnconfirmedHeight);
  own_unconf.own_unconfirmed = true;
  Coin normal = coin(4, 5 * kCoinSat, 4);
  std::vector<Coin> coins = {frozen, foreign_unconf, own_unconf, normal};

  auto s = select_coins(coins, g, pay(6 * kCoinSat));
  EXPECT_EQ(tags(s), (std::set<uint8_t>{3, 4}));

  auto r = pay(kCoinSat);
  r.from_addresses = std::set<AddressId>{3};
  EXPECT_EQ(tags(select_coins(coins, g, r)), (std::set<uint8_t>{3}));
  r = pay(kCoinSat);
  r.from_coins = std::set<std::pair<chain::Hash256, uint32_t>>{{normal.outpoint.txid, 4}};
  EXPECT_EQ(tags(select_coins(coins, g, r)), (std::set<uint8_t>{4}));
  r.from_coins = std::set<std::pair<chain::Hash256, uint32_t>>{{frozen.outpoint.txid, 1}};
  try {
    select_coins(coins, g, r);
    FAIL();
  } catch (const SelectionError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("frozen"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--from-coins"), std::string::npos) << msg;
  }
}

TEST(CoinSelect, DustChangeGoesToTheFee) {
  auto g = Groupings::compute({1}, {});
  std::vector<Coin> coins = {coin(1, 100'000, 1)};
  auto r = pay(100'000 - 141 - 100);  // leaves 100 sat over the no-change fee (< dust 294)
  auto s = select_coins(coins, g, r);
  EXPECT_FALSE(s.change);
  EXPECT_EQ(s.fee, 100'000 - r.amount);
  EXPECT_EQ(s.vsize, 110u);  // 1 input, 1 output
  // Not even the fee without change: insufficient, and it says how much is missing.
  r.amount = 100'000 - 100;
  try {
    select_coins(coins, g, r);
    FAIL();
  } catch (const SelectionError& e) {
    EXPECT_EQ(e.missing(), 110 - 100);
  }
}

TEST(CoinSelect, FeeCapAndRatePolicy) {
  FeePolicy p;
  EXPECT_EQ(effective_fee_rate(std::nullopt, p), p.min_rate);
  EXPECT_EQ(effective_fee_rate(-1, p), p.min_rate);
  EXPECT_EQ(effective_fee_rate(10, p), p.min_rate);
  EXPECT_EQ(effective_fee_rate(5000, p), 5000);
  EXPECT_EQ(effective_fee_rate(int64_t{1} << 40, p), p.max_rate);
  EXPECT_EQ(fee_for_vsize(141, 1000), 141);
  EXPECT_EQ(fee_for_vsize(141, 1001), 142);  // rounds up: never below the rate
  auto g = Groupings::compute({1}, {});
  auto r = pay(kCoinSat);
  r.fee_rate = 1'000'000;
  r.max_fee = 1000;
  try {
    select_coins({coin(1, 5 * kCoinSat, 1)}, g, r);
    FAIL();
  } catch (const SelectionError& e) {
    EXPECT_EQ(e.kind(), SelectionError::Kind::kFeeTooHigh);
  }
}

struct Anon : ::testing::Test {
  // Group A (addresses 1, 2) is linked to d/a, B (3) to d/b, C (4) to nothing.
  Groupings g = Groupings::compute({1, 2, 3, 4}, {{{1, 2}, {nm("d/a")}}, {{3}, {nm("d/b")}}});
  std::vector<Coin> coins = {coin(1, 1 * kCoinSat, 1), coin(2, 1 * kCoinSat, 2),
                             coin(3, 5 * kCoinSat, 3), coin(4, 2 * kCoinSat, 4)};
  SelectionRequest name_op(const std::vector<Bytes>& scope, int64_t amount) {
    auto r = pay(amount);
    r.name_scope = scope;
    return r;
  }
};

TEST_F(Anon, NameOpPrefersItsOwnGroupThenUnlinked) {
  auto s = select_coins(coins, g, name_op({nm("d/a")}, kCoinSat));
  EXPECT_EQ(tags(s), (std::set<uint8_t>{1, 2}));
  s = select_coins(coins, g, name_op({nm("d/a")}, 3 * kCoinSat));
  EXPECT_EQ(tags(s), (std::set<uint8_t>{1, 2, 4}));  // d/a's group plus the unlinked one
}

TEST_F(Anon, NameOpNeverUsesAnotherNamesGroupAndExplainsWhy) {
  try {
    select_coins(coins, g, name_op({nm("d/a")}, 5 * kCoinSat));
    FAIL() << "linked d/a to d/b";
  } catch (const SelectionError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("'d/b'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("anonymity"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
    ASSERT_EQ(e.excluded().size(), 1u);
    EXPECT_EQ(e.excluded()[0].value, 5 * kCoinSat);
    // 4 NMC usable; the missing amount is 1 NMC plus the fee for 3 inputs.
    EXPECT_GT(e.missing(), kCoinSat);
    EXPECT_LT(e.missing(), kCoinSat + 10'000);
  }
}

TEST_F(Anon, IdentifierScopeAllowsItsNamesGroups) {
  auto s = select_coins(coins, g, name_op({nm("d/a"), nm("d/b")}, 5 * kCoinSat));
  EXPECT_TRUE(tags(s).count(3));
}

TEST_F(Anon, AnonymityOffAllowsLinking) {
  auto r = name_op({nm("d/a")}, 5 * kCoinSat);
  r.anonymity = false;
  EXPECT_NO_THROW(select_coins(coins, g, r));
}

TEST_F(Anon, PaymentNeverMergesTwoNamesGroups) {
  // 7.5 NMC needs B (5) + C (2) + A (2): two named groups. Refused.
  EXPECT_THROW(select_coins(coins, g, pay(75 * kCoinSat / 10)), SelectionError);
  // 6 NMC: B + C, one named group, fine.
  auto s = select_coins(coins, g, pay(6 * kCoinSat));
  EXPECT_EQ(tags(s), (std::set<uint8_t>{3, 4}));
  // A payment prefers the unlinked group when it suffices.
  EXPECT_EQ(tags(select_coins(coins, g, pay(kCoinSat))), (std::set<uint8_t>{4}));
}

}  // namespace
}  // namespace redoubt::broker
