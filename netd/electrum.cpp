#include "netd/electrum.h"

#include <cmath>
#include <limits>

#include "chain/error.h"
#include "chain/serialize.h"

namespace redoubt::netd {
namespace {

// The most satoshis that can ever exist (21 million coins), a bound for any amount.
constexpr int64_t kMaxMoney = 21'000'000LL * 100'000'000LL;
// A transaction cannot exceed the 1 MB (4 MWU) block; its hex is twice that.
constexpr size_t kMaxTxBytes = 4'000'000;
// A merkle branch over any block that fits the limits has fewer than 32 levels.
constexpr size_t kMaxBranch = 32;

[[noreturn]] void bad(const std::string& what) {
  throw ProtocolError("the server sent a malformed " + what);
}

const Json& field(const Json& obj, const char* key, const std::string& what) {
  if (!obj.is_object()) bad(what);
  auto it = obj.find(key);
  if (it == obj.end()) bad(what + " (missing \"" + key + "\")");
  return *it;
}

Bytes hex_bytes(const Json& j, const std::string& what, size_t max_len) {
  if (!j.is_string()) bad(what);
  const auto& s = j.get_ref<const std::string&>();
  if (s.size() > 2 * max_len) bad(what + " (too long)");
  try {
    return chain::from_hex(s);
  } catch (const chain::ChainError&) {
    bad(what + " (not hex)");
  }
}

Bytes hash_reversed(const Json& j, const std::string& what) {
  if (!j.is_string() || j.get_ref<const std::string&>().size() != 64) bad(what);
  try {
    auto h = chain::hash_from_hex_reversed(j.get_ref<const std::string&>());
    return Bytes(h.begin(), h.end());
  } catch (const chain::ChainError&) {
    bad(what);
  }
}

int64_t integer(const Json& j, int64_t lo, int64_t hi, const std::string& what) {
  if (!j.is_number_integer()) bad(what);
  // Unsigned values above INT64_MAX are out of every range we accept.
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(hi)) bad(what);
  int64_t v = j.get<int64_t>();
  if (v < lo || v > hi) bad(what + " (out of range)");
  return v;
}

std::vector<Bytes> branch_of(const Json& j, const std::string& what) {
  if (!j.is_array() || j.size() > kMaxBranch) bad(what);
  std::vector<Bytes> out;
  for (const auto& h : j) out.push_back(hash_reversed(h, what));
  return out;
}

// Walks one serialized transaction (no witness: an AuxPoW parent coinbase is
// serialized without one) just to find where it ends.
void skip_tx(chain::Reader& r) {
  r.take(4, "coinbase version");
  uint64_t vin = r.compact_size(10'000, "coinbase input count");
  for (uint64_t i = 0; i < vin; ++i) {
    r.take(36, "coinbase outpoint");
    r.var_bytes(10'000, "coinbase script");
    r.take(4, "coinbase sequence");
  }
  uint64_t vout = r.compact_size(100'000, "coinbase output count");
  for (uint64_t i = 0; i < vout; ++i) {
    r.take(8, "coinbase value");
    r.var_bytes(10'000, "coinbase output script");
  }
  r.take(4, "coinbase locktime");
}

void skip_branch(chain::Reader& r) {
  uint64_t n = r.compact_size(kMaxBranch, "AuxPoW branch length");
  r.take(n * 32, "AuxPoW branch");
  r.take(4, "AuxPoW branch index");
}

}  // namespace

Json server_version_params() {
  return Json::array({kClientName, Json::array({"1.4", "1.4.3"})});
}

ServerVersion parse_server_version(const Json& result) {
  if (!result.is_array() || result.size() != 2 || !result[0].is_string() ||
      !result[1].is_string()) {
    bad("server.version reply");
  }
  ServerVersion v{result[0].get<std::string>(), result[1].get<std::string>()};
  if (v.software.size() > 100) v.software.resize(100);
  const auto& p = v.protocol;
  if (p != "1.4" && p.rfind("1.4.", 0) != 0) {
    throw ProtocolError("the server negotiated protocol " + p.substr(0, 20) + ", not 1.4 to 1.4.3");
  }
  return v;
}

HeaderTip parse_header_tip(const Json& result) {
  HeaderTip t;
  t.height = static_cast<uint32_t>(
      integer(field(result, "height", "header tip"), 0, INT32_MAX, "header tip height"));
  t.header = hex_bytes(field(result, "hex", "header tip"), "header tip", 1 << 20);
  if (t.header.size() < 80) bad("header tip (shorter than 80 bytes)");
  return t;
}

HeaderTip parse_header_notification(const Json& params) {
  if (!params.is_array() || params.size() != 1) bad("header notification");
  return parse_header_tip(params[0]);
}

std::vector<Bytes> split_headers(ByteSpan data, uint32_t count, bool truncated) {
  std::vector<Bytes> out;
  try {
    chain::Reader r(data);
    for (uint32_t i = 0; i < count; ++i) {
      size_t start = r.position();
      uint32_t version = chain::Reader(r.take(80, "header")).u32le();
      // Namecoin's AuxPoW flag (1 << 8) in the version says an AuxPoW follows.
      if (!truncated && (version & 0x100)) {
        skip_tx(r);
        r.take(32, "AuxPoW parent block hash");
        skip_branch(r);  // coinbase merkle branch
        skip_branch(r);  // chain merkle branch
        r.take(80, "AuxPoW parent header");
      }
      auto whole = data.subspan(start, r.position() - start);
      out.emplace_back(whole.begin(), whole.end());
    }
    r.expect_end("headers");
  } catch (const chain::ChainError& e) {
    throw ProtocolError(std::string("the server sent malformed headers: ") + e.what());
  }
  return out;
}

HeadersChunk parse_headers(const Json& result, uint32_t requested, bool with_checkpoint) {
  HeadersChunk c;
  int64_t count =
      integer(field(result, "count", "headers reply"), 0, requested, "headers reply count");
  Bytes raw = hex_bytes(field(result, "hex", "headers reply"), "headers reply", 4u << 20);
  // With a checkpoint ElectrumX-NMC sends 80-byte headers without AuxPoW.
  bool truncated = with_checkpoint && raw.size() == static_cast<size_t>(count) * 80;
  c.headers = split_headers(raw, static_cast<uint32_t>(count), truncated);
  if (with_checkpoint && count > 0) {
    c.root = hash_reversed(field(result, "root", "headers reply"), "checkpoint root");
    c.branch = branch_of(field(result, "branch", "headers reply"), "checkpoint branch");
  }
  return c;
}

std::string scripthash_param(ByteSpan scripthash) {
  if (scripthash.size() != 32) throw UsageError("a script hash is 32 bytes");
  return chain::to_hex_reversed(scripthash);
}

Bytes scripthash_from_param(const Json& j) {
  return hash_reversed(j, "script hash");
}

Bytes parse_status(const Json& result) {
  if (result.is_null()) return {};
  Bytes s = hex_bytes(result, "script hash status", 32);
  if (s.size() != 32) bad("script hash status (not 32 bytes)");
  return s;
}

ScripthashNotification parse_scripthash_notification(const Json& params) {
  if (!params.is_array() || params.size() != 2) bad("script hash notification");
  return {scripthash_from_param(params[0]), parse_status(params[1])};
}

std::vector<HistoryItem> parse_history(const Json& result) {
  if (!result.is_array()) bad("history");
  std::vector<HistoryItem> out;
  out.reserve(result.size());
  for (const auto& e : result) {
    HistoryItem h;
    h.tx_hash = hash_reversed(field(e, "tx_hash", "history entry"), "history tx_hash");
    h.height = static_cast<int32_t>(
        integer(field(e, "height", "history entry"), -1, INT32_MAX, "history height"));
    if (auto fee = e.find("fee"); fee != e.end()) {
      h.fee = integer(*fee, 0, kMaxMoney, "history fee");
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<UtxoItem> parse_utxos(const Json& result) {
  if (!result.is_array()) bad("unspent list");
  std::vector<UtxoItem> out;
  out.reserve(result.size());
  for (const auto& e : result) {
    UtxoItem u;
    u.tx_hash = hash_reversed(field(e, "tx_hash", "unspent entry"), "unspent tx_hash");
    u.output_index = static_cast<uint32_t>(
        integer(field(e, "tx_pos", "unspent entry"), 0, UINT32_MAX, "unspent tx_pos"));
    u.height = static_cast<int32_t>(
        integer(field(e, "height", "unspent entry"), -1, INT32_MAX, "unspent height"));
    u.value = integer(field(e, "value", "unspent entry"), 0, kMaxMoney, "unspent value");
    out.push_back(std::move(u));
  }
  return out;
}

Bytes parse_raw_tx(const Json& result) {
  Bytes tx = hex_bytes(result, "transaction", kMaxTxBytes);
  // The smallest possible transaction is 60 bytes; 10 is a floor nothing real is under.
  if (tx.size() < 10) bad("transaction (too short)");
  return tx;
}

MerkleProof parse_merkle(const Json& result) {
  MerkleProof p;
  p.block_height = static_cast<uint32_t>(
      integer(field(result, "block_height", "merkle proof"), 0, INT32_MAX, "merkle height"));
  p.pos = static_cast<uint32_t>(
      integer(field(result, "pos", "merkle proof"), 0, UINT32_MAX, "merkle position"));
  p.branch = branch_of(field(result, "merkle", "merkle proof"), "merkle branch");
  return p;
}

Bytes parse_txid(const Json& result) {
  return hash_reversed(result, "broadcast txid");
}

int64_t parse_fee(const Json& result) {
  if (!result.is_number()) bad("fee estimate");
  double v = result.get<double>();
  if (!std::isfinite(v)) bad("fee estimate");
  if (v == -1.0) return -1;
  // More than ten coins per kB is no estimate anyone should pay.
  if (v < 0 || v > 10.0) bad("fee estimate (out of range)");
  return static_cast<int64_t>(std::llround(v * 1e8));
}

}  // namespace redoubt::netd
