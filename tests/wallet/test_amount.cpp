// NMC decimal amounts: exact parsing and formatting, no floating point.
#include <gtest/gtest.h>

#include "broker/amount.h"

namespace redoubt::broker {
namespace {

TEST(Amount, ParsesExactly) {
  EXPECT_EQ(parse_nmc("1"), 100000000);
  EXPECT_EQ(parse_nmc("0.1"), 10000000);
  EXPECT_EQ(parse_nmc(".5"), 50000000);
  EXPECT_EQ(parse_nmc("5."), 500000000);
  EXPECT_EQ(parse_nmc("0.00000001"), 1);
  EXPECT_EQ(parse_nmc("12.34567891"), 1234567891);
  EXPECT_EQ(parse_nmc("0.29"), 29000000);  // 0.29 is not exact in binary floating point
  EXPECT_EQ(parse_nmc("21000000"), kMaxMoney);
}

TEST(Amount, RejectsMalformedOrTooLarge) {
  for (const char* s : {"", ".", "-1", "+1", "1e3", " 1", "1 ", "0.000000001", "1.2.3", "abc",
                        "21000000.00000001", "99999999999999999999", "0x10", "1,5"})
    EXPECT_EQ(parse_nmc(s), std::nullopt) << s;
}

TEST(Amount, Formats) {
  EXPECT_EQ(format_nmc(0), "0.00000000");
  EXPECT_EQ(format_nmc(1), "0.00000001");
  EXPECT_EQ(format_nmc(-150000000), "-1.50000000");
  EXPECT_EQ(format_nmc(INT64_MIN), "-92233720368.54775808");
  EXPECT_EQ(format_nmc_short(150000000), "1.5");
  EXPECT_EQ(format_nmc_short(200000000), "2");
  EXPECT_EQ(format_nmc_short(0), "0");
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{99999999}, int64_t{123456789012345}, kMaxMoney})
    EXPECT_EQ(parse_nmc(format_nmc(v)), v);
}

}  // namespace
}  // namespace redoubt::broker
