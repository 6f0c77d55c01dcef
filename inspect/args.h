// Small helpers shared by redoubt-inspect's subcommands: option parsing,
// error reporting, and JSON renderings of chain/ values.
#pragma once

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "chain/params.h"

namespace redoubt::inspect {

using Json = nlohmann::ordered_json;

// Wrong command-line usage (exit code 2), as opposed to bad data (exit code 1).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// argv after the subcommand name: positional arguments and "--name value"
// options (flags listed in `flags` take no value).
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  Args(int argc, char** argv, const std::vector<std::string>& flags = {});
  std::optional<std::string> get(const std::string& name) const;
  std::string need(const std::string& name) const;  // throws UsageError if absent
  bool has(const std::string& name) const { return options.count(name) != 0; }
};

// Runs a subcommand body, mapping exceptions to exit codes and one-line errors.
template <typename F>
int run_command(const char* usage, F&& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "usage error: %s\n%s", e.what(), usage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

void print_json(const Json& j);
const chain::NetworkParams& network_option(const Args& a);
uint64_t parse_u64(const std::string& s, const char* what);
int64_t parse_i64(const std::string& s, const char* what);
// JSON of an output script: hex, asm, type, address, nameOp (if any).
Json script_json(chain::ByteSpan script, const chain::NetworkParams& p);
// NMC amount with 8 decimals, as a string (no floating point).
std::string format_amount(int64_t sat);

}  // namespace redoubt::inspect
