#include "inspect/args.h"

#include <charconv>
#include <iostream>

#include "chain/address.h"
#include "chain/names.h"
#include "chain/script.h"

namespace redoubt::inspect {

Args::Args(int argc, char** argv, const std::vector<std::string>& flags) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      bool is_flag = false;
      for (const auto& f : flags) is_flag |= f == name;
      if (is_flag) {
        options[name] = "";
      } else {
        if (i + 1 >= argc) throw UsageError("option --" + name + " needs a value");
        options[name] = argv[++i];
      }
    } else {
      positional.push_back(a);
    }
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::string Args::need(const std::string& name) const {
  auto v = get(name);
  if (!v) throw UsageError("missing --" + name);
  return *v;
}

void print_json(const Json& j) {
  std::cout << j.dump(2) << "\n";
}

const chain::NetworkParams& network_option(const Args& a) {
  return chain::params_by_name(a.get("network").value_or("mainnet"));
}

uint64_t parse_u64(const std::string& s, const char* what) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    throw std::invalid_argument(std::string("invalid ") + what + ": " + s);
  return v;
}

int64_t parse_i64(const std::string& s, const char* what) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    throw std::invalid_argument(std::string("invalid ") + what + ": " + s);
  return v;
}

std::string format_amount(int64_t sat) {
  const bool neg = sat < 0;
  const uint64_t a = neg ? 0 - static_cast<uint64_t>(sat) : static_cast<uint64_t>(sat);
  std::string frac = std::to_string(a % 100000000);
  frac.insert(0, 8 - frac.size(), '0');
  return (neg ? "-" : "") + std::to_string(a / 100000000) + "." + frac;
}

namespace {
bool printable(const chain::Bytes& b) {
  for (uint8_t c : b)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}
void put_text(Json& j, const char* key, const chain::Bytes& b) {
  j[std::string(key) + "_hex"] = chain::to_hex(b);
  if (printable(b)) j[key] = std::string(b.begin(), b.end());
}
}  // namespace

Json script_json(chain::ByteSpan script, const chain::NetworkParams& p) {
  Json j;
  j["hex"] = chain::to_hex(script);
  j["asm"] = chain::script_to_asm(script);
  if (auto ns = chain::decode_name_script(script)) {
    Json op;
    op["op"] = chain::name_op_type_name(ns->op.type);
    switch (ns->op.type) {
      case chain::NameOpType::kNameNew:
        op["hash"] = chain::to_hex(ns->op.commitment);
        break;
      case chain::NameOpType::kNameFirstUpdate:
        op["rand"] = chain::to_hex(ns->op.salt);
        [[fallthrough]];
      case chain::NameOpType::kNameUpdate:
        put_text(op, "name", ns->op.name);
        put_text(op, "value", ns->op.value);
        break;
    }
    try {
      chain::check_name_op(ns->op);
      op["valid_lengths"] = true;
    } catch (const std::exception& e) {
      op["valid_lengths"] = false;
      op["problem"] = e.what();
    }
    j["nameOp"] = op;
    // namecoind names the prefix opcode (OP_1..OP_3) after the name operation.
    static const char* const kOpNames[] = {"OP_NAME_NEW", "OP_NAME_FIRSTUPDATE", "OP_NAME_UPDATE"};
    std::string asm_text = j["asm"];
    j["asm"] = kOpNames[script[0] - chain::OP_NAME_NEW] + asm_text.substr(asm_text.find(' '));
    j["address_script"] = chain::to_hex(ns->address_script);
  }
  chain::ScriptInfo info = chain::classify_script(chain::strip_name_prefix(script));
  j["type"] = chain::script_type_name(info.type);
  if (auto addr = chain::script_to_address(script, p)) j["address"] = *addr;
  return j;
}

}  // namespace redoubt::inspect
