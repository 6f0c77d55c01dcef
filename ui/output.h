// How the ui prints: aligned tables for people, one JSON document with --json.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace redoubt::ui {

using Json = nlohmann::ordered_json;

// A table with a header row; columns are padded to the widest cell.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

// Exact decimal NMC with 8 places from satoshi ("1.50000000"); no floating point.
std::string format_amount(int64_t sat);

// Prints `doc` (pretty) followed by a newline on stdout.
void print_json(const Json& doc);

}  // namespace redoubt::ui

namespace redoubt::ui {

// Electrum's JSON amount: str(Decimal(sat)/COIN), e.g. "1.5", "0.01", "0".
std::string format_amount_json(int64_t sat);
// Parses "1.5" / "0.00000001" into satoshi, exactly. Returns false on bad
// input (more than 8 decimals, not a number, out of range).
bool parse_amount(const std::string& s, int64_t& sat);
// Hex of bytes, and the text of a name or value (escaped when not printable).
std::string hex(const void* data, size_t n);
std::string printable(const void* data, size_t n);

}  // namespace redoubt::ui
