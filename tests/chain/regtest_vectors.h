// Loads tests/chain/data/namecoind-regtest-names.json: a real namecoind regtest
// name lifecycle (transactions, headers, merkle proofs) shared by chain tests.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace redoubt::chain::testing {

inline nlohmann::json load_json(const std::string& file) {
  std::ifstream in(std::string(REDOUBT_TEST_DATA) + "/" + file);
  if (!in) throw std::runtime_error("cannot open test data " + file);
  return nlohmann::json::parse(in);
}

inline const nlohmann::json& regtest_vectors() {
  static const nlohmann::json j = load_json("namecoind-regtest-names.json");
  return j;
}

}  // namespace redoubt::chain::testing
