#include "tests/support/misbehaviour.h"

#include <array>
#include <utility>

namespace redoubt::testsupport {

namespace {
constexpr std::array<std::pair<Misbehaviour, std::string_view>, 12> kNames = {{
    {Misbehaviour::none, "none"},
    {Misbehaviour::wrong_headers, "wrong_headers"},
    {Misbehaviour::truncated_headers, "truncated_headers"},
    {Misbehaviour::bad_merkle, "bad_merkle"},
    {Misbehaviour::wrong_tx, "wrong_tx"},
    {Misbehaviour::withhold_history, "withhold_history"},
    {Misbehaviour::fake_name_value, "fake_name_value"},
    {Misbehaviour::huge_line, "huge_line"},
    {Misbehaviour::endless_line, "endless_line"},
    {Misbehaviour::stall, "stall"},
    {Misbehaviour::drop, "drop"},
    {Misbehaviour::stale_name_history, "stale_name_history"},
}};
}  // namespace

std::string_view to_string(Misbehaviour m) {
  for (const auto& [k, v] : kNames) {
    if (k == m) return v;
  }
  return "unknown";
}

std::optional<Misbehaviour> misbehaviour_from_string(std::string_view s) {
  for (const auto& [k, v] : kNames) {
    if (v == s) return k;
  }
  return std::nullopt;
}

}  // namespace redoubt::testsupport
