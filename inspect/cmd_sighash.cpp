// redoubt-inspect sighash: the signature hash of one input, legacy or BIP143,
// printed byte-reversed as Bitcoin Core's sighash test data shows it.
#include <string>

#include "chain/sighash.h"
#include "chain/tx.h"
#include "inspect/args.h"
#include "inspect/commands.h"

namespace redoubt::inspect {
namespace {

// A number (decimal, may be negative as in Core's sighash.json) or names
// joined by '|': ALL, NONE, SINGLE, ANYONECANPAY.
uint32_t parse_hashtype(const std::string& s) {
  if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-'))
    return static_cast<uint32_t>(static_cast<int32_t>(parse_i64(s, "hash type")));
  uint32_t t = 0;
  size_t start = 0;
  while (start <= s.size()) {
    size_t bar = s.find('|', start);
    std::string part = s.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (part == "ALL")
      t |= chain::kSighashAll;
    else if (part == "NONE")
      t |= chain::kSighashNone;
    else if (part == "SINGLE")
      t |= chain::kSighashSingle;
    else if (part == "ANYONECANPAY")
      t |= chain::kSighashAnyoneCanPay;
    else
      throw std::invalid_argument("unknown hash type: " + part);
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return t;
}

}  // namespace

int cmd_sighash(int argc, char** argv) {
  return run_command(
      "usage: redoubt-inspect sighash --tx HEX --script HEX --index I --hashtype T [--amount SAT "
      "--segwit]\n",
      [&] {
        Args a(argc, argv, {"segwit"});
        // Usage first (exit 2), then the data (exit 1).
        const std::string tx_hex = a.need("tx"), script_hex = a.need("script");
        const std::string index_text = a.need("index"), type_text = a.need("hashtype");
        chain::Transaction tx = chain::parse_transaction(chain::from_hex(tx_hex));
        chain::Bytes script = chain::from_hex(script_hex);
        const uint64_t index = parse_u64(index_text, "index");
        const uint32_t type = parse_hashtype(type_text);
        const bool segwit = a.has("segwit");
        if (segwit && !a.has("amount")) throw UsageError("--segwit needs --amount");
        if (!segwit && a.has("amount")) throw UsageError("--amount only applies with --segwit");
        chain::Hash256 h = segwit
                               ? chain::segwit_v0_sighash(
                                     tx, index, script, parse_i64(a.need("amount"), "amount"), type)
                               : chain::legacy_sighash(tx, index, script, type);
        Json j;
        j["algorithm"] = segwit ? "bip143" : "legacy";
        j["hashtype"] = type;
        j["sighash"] = chain::to_hex_reversed(h);
        j["sighash_internal"] = chain::to_hex(h);
        print_json(j);
        return 0;
      });
}

}  // namespace redoubt::inspect
