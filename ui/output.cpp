#include "ui/output.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace redoubt::ui {

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < row.size() ? row[i] : "";
      line += cell;
      if (i + 1 < width.size()) line += std::string(width[i] - cell.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(header);
  for (const auto& r : rows) emit(r);
  return out;
}

std::string format_amount(int64_t sat) {
  // Work in unsigned to handle INT64_MIN without overflow.
  bool neg = sat < 0;
  uint64_t v = neg ? 0 - static_cast<uint64_t>(sat) : static_cast<uint64_t>(sat);
  std::string frac = std::to_string(v % 100000000);
  frac.insert(0, 8 - frac.size(), '0');
  return (neg ? "-" : "") + std::to_string(v / 100000000) + "." + frac;
}

void print_json(const Json& doc) {
  std::cout << doc.dump(4) << std::endl;
}

}  // namespace redoubt::ui

namespace redoubt::ui {

std::string format_amount_json(int64_t sat) {
  std::string s = format_amount(sat);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

bool parse_amount(const std::string& s, int64_t& sat) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  uint64_t whole = 0, frac = 0;
  int digits = 0, frac_digits = 0;
  for (; i < s.size() && s[i] != '.'; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    ++digits;
  }
  if (i < s.size()) {
    for (++i; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9' || frac_digits == 8) return false;
      frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
      ++frac_digits;
    }
  }
  if (digits == 0 && frac_digits == 0) return false;
  for (int k = frac_digits; k < 8; ++k) frac *= 10;
  // 21 million NMC is far below this; anything larger is a typo.
  if (whole > 100000000ULL) return false;
  sat = static_cast<int64_t>(whole * 100000000ULL + frac);
  return true;
}

std::string hex(const void* data, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(d[p[i] >> 4]);
    out.push_back(d[p[i] & 15]);
  }
  return out;
}

std::string printable(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7f) {
      out.push_back(static_cast<char>(p[i]));
    } else {
      static const char* d = "0123456789abcdef";
      out += "\\x";
      out.push_back(d[p[i] >> 4]);
      out.push_back(d[p[i] & 15]);
    }
  }
  return out;
}

}  // namespace redoubt::ui
