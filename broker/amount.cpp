#include "broker/amount.h"

namespace redoubt::broker {

std::optional<int64_t> parse_nmc(std::string_view s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) return std::nullopt;
  if (frac.size() > 8) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty() && whole.empty()) return std::nullopt;
  int64_t coins = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    coins = coins * 10 + (c - '0');
    if (coins > kMaxMoney / kCoin) return std::nullopt;  // bounded: no overflow possible
  }
  int64_t sat = 0;
  for (size_t i = 0; i < 8; ++i) {
    int digit = 0;
    if (i < frac.size()) {
      char c = frac[i];
      if (c < '0' || c > '9') return std::nullopt;
      digit = c - '0';
    }
    sat = sat * 10 + digit;
  }
  int64_t total = coins * kCoin + sat;
  if (total > kMaxMoney) return std::nullopt;
  return total;
}

std::string format_nmc(int64_t sat) {
  // Work in unsigned magnitude so INT64_MIN does not overflow on negation.
  const bool neg = sat < 0;
  const uint64_t mag = neg ? 0 - static_cast<uint64_t>(sat) : static_cast<uint64_t>(sat);
  std::string frac = std::to_string(mag % kCoin);
  frac.insert(0, 8 - frac.size(), '0');
  return (neg ? "-" : "") + std::to_string(mag / kCoin) + "." + frac;
}

std::string format_nmc_short(int64_t sat) {
  std::string s = format_nmc(sat);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace redoubt::broker
