// NMC amounts: int64 satoshis everywhere; exact decimal parsing and
// formatting of "1.23456789" strings without floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::broker {

inline constexpr int64_t kCoin = 100'000'000;
// Namecoin's MAX_MONEY (21 million NMC, as Bitcoin): no valid amount exceeds it.
inline constexpr int64_t kMaxMoney = 21'000'000 * kCoin;

// Parses a non-negative decimal NMC amount ("1", "0.5", "12.34567890"
// with at most 8 fractional digits, optional leading '+' not allowed)
// into satoshis. Returns nullopt on anything else, including amounts above
// kMaxMoney, exponents, spaces, or a lone ".".
std::optional<int64_t> parse_nmc(std::string_view s);
// Formats satoshis as NMC with exactly 8 fractional digits ("-0.00010000").
std::string format_nmc(int64_t sat);
// Same, with trailing fractional zeros removed (keeps at least "0").
std::string format_nmc_short(int64_t sat);

}  // namespace redoubt::broker
