#include "tests/support/electrum_methods.h"

#include <algorithm>
#include <cctype>

#include "chain/error.h"
#include "chain/names.h"
#include "chain/params.h"
#include "chain/serialize.h"
#include "tests/support/proofs.h"
#include "tests/support/universe.h"

namespace redoubt::testsupport {

using chain::Bytes;
using nlohmann::json;

std::string with_commas(long long v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

namespace {

[[noreturn]] void bad_request(const std::string& msg) {
  throw RpcError(rpc_code::bad_request, msg);
}

// Positional or named parameters, as aiorpcx accepts them.
class Params {
 public:
  Params(const json& p, std::initializer_list<const char*> names, size_t required) {
    if (p.is_array()) {
      if (p.size() < required) {
        throw RpcError(rpc_code::invalid_args, "missing argument");
      }
      if (p.size() > names.size()) throw RpcError(rpc_code::invalid_args, "too many arguments");
      for (const auto& v : p) vals_.push_back(v);
    } else {
      size_t i = 0;
      for (const char* n : names) {
        if (p.contains(n)) {
          vals_.resize(i + 1);
          vals_[i] = p[n];
        } else if (i < required) {
          throw RpcError(rpc_code::invalid_args, std::string("missing argument: ") + n);
        }
        ++i;
      }
    }
  }
  bool has(size_t i) const { return i < vals_.size() && !vals_[i].is_null(); }
  const json& at(size_t i) const { return vals_.at(i); }

 private:
  std::vector<json> vals_;
};

std::string display(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

long long non_negative_integer(const json& v) {
  if (v.is_number_integer() && v.get<long long>() >= 0) return v.get<long long>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (!s.empty() && s.size() < 18 && std::all_of(s.begin(), s.end(), ::isdigit)) {
      return std::stoll(s);
    }
  }
  bad_request(display(v) + " should be a non-negative integer");
}

bool is_hex64(const json& v) {
  if (!v.is_string()) return false;
  const std::string s = v.get<std::string>();
  return s.size() == 64 && std::all_of(s.begin(), s.end(), ::isxdigit);
}

chain::Hash256 tx_hash(const json& v) {
  if (!is_hex64(v)) bad_request(display(v) + " should be a transaction hash");
  return chain::hash_from_hex_reversed(v.get<std::string>());
}

std::string script_hash(const json& v) {
  if (!is_hex64(v)) bad_request(display(v) + " is not a valid script hash");
  std::string s = v.get<std::string>();
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

json hex_list(const std::vector<chain::Hash256>& v, bool corrupt) {
  json out = json::array();
  for (const auto& h : v) out.push_back(chain::to_hex_reversed(h));
  if (corrupt) {
    // A proof that does not verify: flip a bit of the first sibling (or add
    // a sibling where there was none).
    if (out.empty()) {
      out.push_back(std::string(64, '1'));
    } else {
      std::string s = out[0];
      s[0] = s[0] == '0' ? '1' : '0';
      out[0] = s;
    }
  }
  return out;
}

Bytes header_for(const ElectrumIndex& ix, int h, bool cut, Misbehaviour mode) {
  Bytes hdr = ix.headers.at(static_cast<size_t>(h));
  if (cut) hdr.resize(80);
  if (mode == Misbehaviour::wrong_headers) hdr[4] ^= 0x01;  // prev-hash byte: chain breaks
  if (mode == Misbehaviour::truncated_headers) hdr.pop_back();
  return hdr;
}

// A name transaction with every name value replaced ("fake_name_value").
Bytes fake_values(const Bytes& raw) {
  chain::Transaction tx = chain::parse_transaction(raw);
  for (auto& o : tx.outputs) {
    auto ns = chain::decode_name_script(o.script_pubkey);
    if (!ns || ns->op.type == chain::NameOpType::kNameNew) continue;
    ns->op.value = Bytes{'{', '"', 'f', 'a', 'k', 'e', '"', ':', '1', '}'};
    o.script_pubkey = chain::build_name_script(ns->op, ns->address_script);
  }
  return tx.serialize();
}

Bytes served_tx(const Bytes& raw, Misbehaviour mode) {
  if (mode == Misbehaviour::fake_name_value) return fake_values(raw);
  if (mode == Misbehaviour::wrong_tx) {
    chain::Transaction tx = chain::parse_transaction(raw);
    tx.outputs.at(0).value += 1;  // still parses; no longer hashes to the txid
    return tx.serialize();
  }
  return raw;
}

json cp_proof(const ElectrumIndex& ix, long long height, long long cp_height, bool corrupt) {
  if (!(height <= cp_height && cp_height <= ix.height)) {
    bad_request("require header height " + with_commas(height) + " <= cp_height " +
                with_commas(cp_height) + " <= chain height " + with_commas(ix.height));
  }
  std::vector<chain::Hash256> leaves(ix.block_hashes.begin(),
                                     ix.block_hashes.begin() + cp_height + 1);
  return json{{"branch", hex_list(merkle_branch_of(leaves, static_cast<size_t>(height)), corrupt)},
              {"root", chain::to_hex_reversed(merkle_root_of(leaves))}};
}

// "1.4", "1.4.2" -> {1,4,0}, {1,4,2}; nullopt if malformed.
std::optional<std::array<int, 3>> parse_version(const json& v) {
  if (!v.is_string()) return std::nullopt;
  std::array<int, 3> out{0, 0, 0};
  std::string s = v.get<std::string>();
  size_t i = 0, part = 0;
  while (i < s.size() && part < 3) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i || j - i > 4) return std::nullopt;
    out[part++] = std::stoi(s.substr(i, j - i));
    if (j < s.size() && s[j] != '.') return std::nullopt;
    i = j + 1;
  }
  if (part < 2 && !(part == 1 && out[0] > 1)) return part ? std::optional(out) : std::nullopt;
  return out;
}

std::string version_string(const std::array<int, 3>& v) {
  std::string s = std::to_string(v[0]) + "." + std::to_string(v[1]);
  if (v[2]) s += "." + std::to_string(v[2]);
  return s;
}

}  // namespace

json ElectrumMethods::headers_tip(const SessionState& s) {
  auto ix = u_.index();
  return json{{"hex", chain::to_hex(header_for(*ix, ix->height, false, s.mode))},
              {"height", ix->height}};
}

json ElectrumMethods::scripthash_status(const SessionState& s, const std::string& sh) {
  if (s.mode == Misbehaviour::withhold_history) return nullptr;
  auto ix = u_.index();
  bool has = false;
  std::string st = ix->status(sh, has, s.mode == Misbehaviour::stale_name_history);
  return has ? json(st) : json(nullptr);
}

json ElectrumMethods::handle(SessionState& s, const std::string& method, const json& params) {
  const Misbehaviour mode = s.mode;
  const bool withhold = mode == Misbehaviour::withhold_history;

  if (method == "server.version") {
    Params p(params, {"client_name", "protocol_version"}, 0);
    if (s.version_seen) bad_request("server.version already sent");
    s.version_seen = true;
    std::array<int, 3> cmin{1, 4, 0}, cmax{1, 4, 0};
    if (p.has(1)) {
      const json& pv = p.at(1);
      std::optional<std::array<int, 3>> a, b;
      if (pv.is_array() && pv.size() == 2) {
        a = parse_version(pv[0]);
        b = parse_version(pv[1]);
      } else {
        a = b = parse_version(pv);
      }
      if (!a || !b) {
        throw RpcErrorDisconnect(rpc_code::bad_request,
                                 "unsupported protocol version: " + display(pv));
      }
      cmin = *a;
      cmax = *b;
    }
    const std::array<int, 3> smin{1, 4, 0}, smax{1, 4, 3};
    std::array<int, 3> chosen = std::min(cmax, smax);
    if (chosen < std::max(cmin, smin)) {
      throw RpcErrorDisconnect(
          rpc_code::bad_request,
          "unsupported protocol version: " + (p.has(1) ? display(p.at(1)) : std::string("None")));
    }
    std::copy(chosen.begin(), chosen.end(), s.protocol);
    return json::array({kServerVersion, version_string(chosen)});
  }
  if (method == "server.banner") {
    Params p(params, {}, 0);
    return "You are connected to redoubt-testnet, a local Namecoin regtest universe "
           "(speaking as " +
           std::string(kServerVersion) + ").";
  }
  if (method == "server.features") {
    Params p(params, {}, 0);
    return json{{"hosts", json::object()},
                {"pruning", nullptr},
                {"server_version", kServerVersion},
                {"protocol_min", "1.4"},
                {"protocol_max", "1.4.3"},
                {"genesis_hash", chain::regtest_params().genesis_hash_hex},
                {"hash_function", "sha256"},
                {"services", json::array()}};
  }
  if (method == "server.ping") {
    Params p(params, {}, 0);
    return nullptr;
  }
  if (method == "server.peers.subscribe") {
    Params p(params, {}, 0);
    return json::array();
  }
  if (method == "server.donation_address") {
    Params p(params, {}, 0);
    return "";
  }
  if (method == "mempool.get_fee_histogram") {
    Params p(params, {}, 0);
    return json::array();
  }
  if (method == "blockchain.headers.subscribe") {
    Params p(params, {}, 0);
    s.headers_subscribed = true;
    json tip = headers_tip(s);
    s.last_header_sent = tip["hex"];
    return tip;
  }
  if (method == "blockchain.block.header") {
    Params p(params, {"height", "cp_height"}, 1);
    long long height = non_negative_integer(p.at(0));
    long long cp = p.has(1) ? non_negative_integer(p.at(1)) : 0;
    auto ix = u_.index();
    if (height > ix->height) bad_request("height " + with_commas(height) + " out of range");
    // AuxPoW is cut to 80 bytes under a checkpoint from protocol 1.4.1 on.
    const bool cut = cp != 0 && s.protocol_at_least(1, 4, 1);
    std::string hex = chain::to_hex(header_for(*ix, static_cast<int>(height), cut, mode));
    if (cp == 0) return hex;
    json r = cp_proof(*ix, height, cp, mode == Misbehaviour::bad_merkle);
    r["header"] = hex;
    return r;
  }
  if (method == "blockchain.block.headers") {
    Params p(params, {"start_height", "count", "cp_height"}, 2);
    long long start = non_negative_integer(p.at(0));
    long long count = non_negative_integer(p.at(1));
    long long cp = p.has(2) ? non_negative_integer(p.at(2)) : 0;
    auto ix = u_.index();
    count = std::min<long long>(count, kMaxChunkSize);
    if (start > ix->height) count = 0;
    count = std::min<long long>(count, ix->height - start + 1);
    const bool cut = cp != 0 && s.protocol_at_least(1, 4, 1);
    std::string hex;
    for (long long h = start; h < start + count; ++h) {
      hex += chain::to_hex(header_for(*ix, static_cast<int>(h), cut, mode));
    }
    json r{{"hex", hex}, {"count", count}, {"max", kMaxChunkSize}};
    if (count && cp)
      r.update(cp_proof(*ix, start + count - 1, cp, mode == Misbehaviour::bad_merkle));
    return r;
  }
  if (method == "blockchain.estimatefee") {
    Params p(params, {"number", "mode"}, 1);
    non_negative_integer(p.at(0));
    if (p.has(1)) {
      const json& m = p.at(1);
      if (!(m.is_string() && (m == "CONSERVATIVE" || m == "ECONOMICAL"))) {
        bad_request("unknown estimatefee mode: " + display(m));
      }
    }
    return u_.options().estimatefee_nmc_per_kb;
  }
  if (method == "blockchain.relayfee") {
    Params p(params, {}, 0);
    return static_cast<double>(u_.options().min_relay_fee_per_kvb) / 1e8;
  }
  if (method == "blockchain.scripthash.get_balance") {
    Params p(params, {"scripthash"}, 1);
    std::string sh = script_hash(p.at(0));
    auto ix = u_.index();
    int64_t confirmed = 0, unconfirmed = 0;
    if (!withhold) {
      if (auto it = ix->utxos.find(sh); it != ix->utxos.end()) {
        for (const auto& u : it->second) confirmed += u.value;
      }
      if (auto it = ix->mempool_delta.find(sh); it != ix->mempool_delta.end()) {
        unconfirmed = it->second;
      }
    }
    return json{{"confirmed", confirmed}, {"unconfirmed", unconfirmed}};
  }
  if (method == "blockchain.scripthash.get_history" ||
      method == "blockchain.scripthash.get_mempool") {
    Params p(params, {"scripthash"}, 1);
    std::string sh = script_hash(p.at(0));
    auto ix = u_.index();
    json out = json::array();
    if (withhold) return out;
    if (method == "blockchain.scripthash.get_history") {
      // The name index is part of the same history space in ElectrumX.
      for (const auto& c : ix->confirmed_history(sh, mode == Misbehaviour::stale_name_history)) {
        out.push_back({{"tx_hash", chain::to_hex_reversed(c.txid)}, {"height", c.height}});
      }
    }
    if (auto it = ix->mempool.find(sh); it != ix->mempool.end()) {
      for (const auto& m : it->second) {
        out.push_back({{"tx_hash", chain::to_hex_reversed(m.txid)},
                       {"height", m.unconfirmed_inputs ? -1 : 0},
                       {"fee", m.fee}});
      }
    }
    return out;
  }
  if (method == "blockchain.scripthash.listunspent") {
    Params p(params, {"scripthash"}, 1);
    std::string sh = script_hash(p.at(0));
    auto ix = u_.index();
    json out = json::array();
    if (withhold) return out;
    for (const auto* m : {&ix->utxos, &ix->mempool_utxos}) {
      if (auto it = m->find(sh); it != m->end()) {
        for (const auto& u : it->second) {
          if (ix->mempool_spends.count({u.txid, u.pos})) continue;
          out.push_back({{"tx_hash", chain::to_hex_reversed(u.txid)},
                         {"tx_pos", u.pos},
                         {"height", u.height},
                         {"value", u.value}});
        }
      }
    }
    return out;
  }
  if (method == "blockchain.scripthash.subscribe") {
    Params p(params, {"scripthash"}, 1);
    std::string sh = script_hash(p.at(0));
    json status = scripthash_status(s, sh);
    s.scripthash_subs[sh] = status;
    return status;
  }
  if (method == "blockchain.scripthash.unsubscribe" && s.protocol_at_least(1, 4, 2)) {
    Params p(params, {"scripthash"}, 1);
    std::string sh = script_hash(p.at(0));
    return s.scripthash_subs.erase(sh) > 0;
  }
  if (method == "blockchain.transaction.broadcast") {
    Params p(params, {"raw_tx"}, 1);
    std::string raw_hex = display(p.at(0));
    auto rejected = [&](const std::string& msg) -> json {
      bad_request("the transaction was rejected by network rules.\n\n" + msg + "\n[" + raw_hex +
                  "]");
    };
    chain::Transaction tx;
    try {
      tx = chain::parse_transaction(chain::from_hex(raw_hex));
    } catch (const chain::ChainError&) {
      return rejected("TX decode failed. Make sure the tx has at least one input.");
    }
    if (auto reason = u_.broadcast(tx)) return rejected(*reason);
    return chain::to_hex_reversed(tx.txid());
  }
  if (method == "blockchain.transaction.get") {
    Params p(params, {"tx_hash", "verbose"}, 1);
    chain::Hash256 txid = tx_hash(p.at(0));
    bool verbose = false;
    if (p.has(1)) {
      if (!p.at(1).is_boolean()) bad_request("\"verbose\" must be a boolean");
      verbose = p.at(1).get<bool>();
    }
    auto ix = u_.index();
    auto it = ix->txs.find(txid);
    if (it == ix->txs.end()) {
      throw RpcError(rpc_code::daemon_error,
                     "No such mempool or blockchain transaction. Use gettransaction for "
                     "wallet transactions.");
    }
    std::string hex = chain::to_hex(served_tx(it->second.raw, mode));
    if (!verbose) return hex;
    json r{{"hex", hex}, {"txid", chain::to_hex_reversed(txid)}};
    if (it->second.height >= 0) {
      r["blockhash"] =
          chain::to_hex_reversed(ix->block_hashes[static_cast<size_t>(it->second.height)]);
      r["confirmations"] = ix->height - it->second.height + 1;
    }
    return r;
  }
  if (method == "blockchain.transaction.get_merkle") {
    Params p(params, {"tx_hash", "height"}, 2);
    chain::Hash256 txid = tx_hash(p.at(0));
    long long height = non_negative_integer(p.at(1));
    auto ix = u_.index();
    if (height > ix->height) bad_request("height " + with_commas(height) + " out of range");
    const auto& txids = ix->block_txids[static_cast<size_t>(height)];
    auto pos = std::find(txids.begin(), txids.end(), txid);
    if (pos == txids.end()) {
      bad_request("tx " + chain::to_hex_reversed(txid) + " not in block at height " +
                  with_commas(height));
    }
    size_t index = static_cast<size_t>(pos - txids.begin());
    return json{
        {"block_height", height},
        {"merkle", hex_list(merkle_branch_of(txids, index), mode == Misbehaviour::bad_merkle)},
        {"pos", index}};
  }
  if (method == "blockchain.transaction.id_from_pos") {
    Params p(params, {"height", "tx_pos", "merkle"}, 2);
    long long height = non_negative_integer(p.at(0));
    long long pos = non_negative_integer(p.at(1));
    bool merkle = false;
    if (p.has(2)) {
      if (!p.at(2).is_boolean()) bad_request("\"merkle\" must be a boolean");
      merkle = p.at(2).get<bool>();
    }
    auto ix = u_.index();
    if (height > ix->height) bad_request("height " + with_commas(height) + " out of range");
    const auto& txids = ix->block_txids[static_cast<size_t>(height)];
    if (static_cast<size_t>(pos) >= txids.size()) {
      bad_request("no tx at position " + with_commas(pos) + " in block at height " +
                  with_commas(height));
    }
    std::string id = chain::to_hex_reversed(txids[static_cast<size_t>(pos)]);
    if (!merkle) return id;
    return json{{"tx_hash", id},
                {"merkle", hex_list(merkle_branch_of(txids, static_cast<size_t>(pos)),
                                    mode == Misbehaviour::bad_merkle)}};
  }
  if (method == "blockchain.name.get_value_proof" && s.protocol_at_least(1, 4, 3)) {
    Params p(params, {"scripthash", "cp_height"}, 1);
    std::string sh = script_hash(p.at(0));
    long long cp = p.has(1) ? non_negative_integer(p.at(1)) : 0;
    auto ix = u_.index();
    if (cp > ix->height) {
      bad_request("cp_height " + with_commas(cp) + " > chain height " + with_commas(ix->height));
    }
    // As the Namecoin ElectrumX's name_get_value_proof: newest first, each
    // with its transaction and merkle proof; stop where the gap to the newer
    // entry exceeds the expiration depth (older history cannot matter) and
    // after the first entry a checkpoint covers (that one carries its header
    // proof).
    json entries = json::array();
    auto it = ix->name_history.find(sh);
    if (!withhold && it != ix->name_history.end()) {
      std::optional<int> prev;
      for (auto c = it->second.rbegin(); c != it->second.rend(); ++c) {
        if (prev && c->height < *prev - kRegtestNameExpiration) break;
        const auto& info = ix->txs.at(c->txid);
        const auto& txids = ix->block_txids[static_cast<size_t>(c->height)];
        json e{{"height", c->height},
               {"tx", chain::to_hex(served_tx(info.raw, mode))},
               {"tx_merkle",
                {{"merkle",
                  hex_list(merkle_branch_of(txids, info.pos), mode == Misbehaviour::bad_merkle)},
                 {"pos", info.pos}}}};
        const bool covered = c->height <= cp;
        if (covered) {
          json h = cp_proof(*ix, c->height, cp, mode == Misbehaviour::bad_merkle);
          h["header"] = chain::to_hex(header_for(*ix, c->height, true, mode));
          e["header"] = h;
        }
        entries.push_back(std::move(e));
        if (covered) break;
        prev = c->height;
      }
    }
    return json{{sh, entries}};
  }
  throw RpcError(rpc_code::method_not_found, "unknown method \"" + method + "\"");
}

}  // namespace redoubt::testsupport
