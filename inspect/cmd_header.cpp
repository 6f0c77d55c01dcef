// redoubt-inspect header / merkle: parse a header with its AuxPoW and say
// whether its proof of work is valid (and why not); verify a merkle proof.
#include <sstream>

#include "chain/error.h"
#include "chain/header.h"
#include "chain/merkle.h"
#include "chain/pow.h"
#include "inspect/args.h"
#include "inspect/commands.h"

namespace redoubt::inspect {
namespace {

Json branch_json(const std::vector<chain::Hash256>& branch) {
  Json b = Json::array();
  for (const auto& h : branch) b.push_back(chain::to_hex_reversed(h));
  return b;
}

Json pure_header_json(const chain::PureHeader& h) {
  Json j;
  j["hash"] = chain::to_hex_reversed(h.hash());
  j["version"] = h.version;
  j["base_version"] = h.base_version();
  j["chain_id"] = h.chain_id();
  j["auxpow_flag"] = h.has_auxpow_flag();
  j["prev_hash"] = chain::to_hex_reversed(h.prev_hash);
  j["merkle_root"] = chain::to_hex_reversed(h.merkle_root);
  j["time"] = h.time;
  j["bits"] = [&] {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", h.bits);
    return std::string(buf);
  }();
  return j;
}

std::vector<chain::Hash256> parse_branch(const std::string& list) {
  std::vector<chain::Hash256> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (out.size() >= chain::kMaxMerkleBranch) throw chain::ChainError("merkle branch too long");
    out.push_back(chain::hash_from_hex_reversed(item));
  }
  return out;
}

}  // namespace

int cmd_header(int argc, char** argv) {
  return run_command(
      "usage: redoubt-inspect header HEX [--network N] [--height H] [--prev-hash H] [--target T]\n"
      "  T is a compact nBits value (8 hex digits) or a 64-digit target.\n",
      [&] {
        Args a(argc, argv);
        if (a.positional.size() != 1) throw UsageError("expected one header in hex");
        const auto& p = network_option(a);
        chain::BlockHeader h = chain::parse_block_header(chain::from_hex(a.positional[0]));
        Json j = pure_header_json(h.base);
        j["nonce"] = h.base.nonce;
        if (auto t = chain::derive_target(h.base.bits, p)) {
          j["target"] = t->to_hex();
          j["difficulty"] = chain::difficulty(h.base.bits);
          j["chainwork"] = chain::block_proof(h.base.bits).to_hex();
        }
        if (h.auxpow) {
          const auto& ap = *h.auxpow;
          Json aj;
          aj["coinbase_txid"] = chain::to_hex_reversed(ap.coinbase.txid());
          aj["coinbase_script"] = ap.coinbase.inputs.empty()
                                      ? std::string()
                                      : chain::to_hex(ap.coinbase.inputs[0].script_sig);
          aj["coinbase_branch"] = branch_json(ap.coinbase_branch);
          aj["coinbase_index"] = ap.coinbase_index;
          aj["chain_branch"] = branch_json(ap.chain_branch);
          aj["chain_index"] = ap.chain_index;
          aj["parent"] = pure_header_json(ap.parent);
          j["auxpow"] = aj;
        }
        std::optional<int32_t> height;
        if (a.has("height")) height = static_cast<int32_t>(parse_i64(a.need("height"), "height"));
        chain::Verdict v = chain::check_header_pow(h, p, height);
        std::string problem = v.ok ? "" : v.reason;
        if (a.has("prev-hash")) {
          bool match = chain::to_hex_reversed(h.base.prev_hash) == a.need("prev-hash");
          j["prev_hash_matches"] = match;
          if (!match && problem.empty()) problem = "prev hash does not match";
        }
        if (a.has("target")) {
          const std::string t = a.need("target");
          chain::Uint256 want =
              t.size() == 8
                  ? chain::Uint256::from_compact(static_cast<uint32_t>(std::stoul(t, nullptr, 16)))
                  : chain::Uint256::from_hex(t);
          bool match = chain::Uint256::from_compact(h.base.bits) == want;
          j["target_matches"] = match;
          if (!match && problem.empty()) problem = "bits do not encode the expected target";
        }
        j["pow_valid"] = v.ok;
        j["valid"] = problem.empty();
        if (!problem.empty()) j["reason"] = problem;
        print_json(j);
        if (!problem.empty()) {
          std::fprintf(stderr, "error: header invalid: %s\n", problem.c_str());
          return 1;
        }
        return 0;
      });
}

int cmd_merkle(int argc, char** argv) {
  return run_command(
      "usage: redoubt-inspect merkle --txid T --branch H,H,.. --pos P --root R\n", [&] {
        Args a(argc, argv);
        const chain::Hash256 txid = chain::hash_from_hex_reversed(a.need("txid"));
        const auto branch = parse_branch(a.get("branch").value_or(""));
        const uint64_t pos = parse_u64(a.need("pos"), "pos");
        if (pos > 0xffffffffULL) throw chain::ChainError("pos out of range");
        const chain::Hash256 root = chain::hash_from_hex_reversed(a.need("root"));
        const bool ok = chain::verify_merkle_proof(txid, branch, static_cast<uint32_t>(pos), root);
        Json j;
        j["txid"] = chain::to_hex_reversed(txid);
        j["computed_root"] = chain::to_hex_reversed(
            chain::merkle_root_from_branch(txid, branch, static_cast<uint32_t>(pos)));
        j["root"] = chain::to_hex_reversed(root);
        j["valid"] = ok;
        print_json(j);
        if (!ok) {
          std::fprintf(stderr, "error: merkle proof does not verify\n");
          return 1;
        }
        return 0;
      });
}

}  // namespace redoubt::inspect
