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
