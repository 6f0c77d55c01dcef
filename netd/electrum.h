// Electrum protocol 1.4 results turned into typed data: raw header and
// transaction bytes, merkle branches, history entries. Every field is checked
// for type, range and length; anything else throws ProtocolError. Hashes come
// back in internal byte order (Electrum displays them reversed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "netd/jsonrpc.h"

namespace redoubt::netd {

using chain::Bytes;
using chain::ByteSpan;

// What server.version sends (protocol range 1.4 to 1.4.3, as Electrum-NMC).
inline constexpr const char* kClientName = "redoubt 0.1";
Json server_version_params();

struct ServerVersion {
  std::string software;
  std::string protocol;
};
ServerVersion parse_server_version(const Json& result);

struct HeaderTip {
  uint32_t height = 0;
  Bytes header;
};
// blockchain.headers.subscribe result, and each notification's params[0].
HeaderTip parse_header_tip(const Json& result);
HeaderTip parse_header_notification(const Json& params);

struct HeadersChunk {
  std::vector<Bytes> headers;
  Bytes root;                 // with cp_height: the checkpoint merkle root
  std::vector<Bytes> branch;  // with cp_height: its branch
};
// Most headers one blockchain.block.headers call may ask for (ElectrumX's cap).
inline constexpr uint32_t kMaxHeadersPerCall = 2016;
// blockchain.block.headers result; `requested` is the count asked for.
HeadersChunk parse_headers(const Json& result, uint32_t requested, bool with_checkpoint);
// Splits concatenated headers: 80 bytes each, each followed by an AuxPoW when
// its version has the AuxPoW flag (0x100) and `truncated` is false. Walks the
// AuxPoW's structure only to find its end; the broker verifies it.
std::vector<Bytes> split_headers(ByteSpan data, uint32_t count, bool truncated);

// Electrum's script hash parameter: sha256(script) shown byte-reversed.
std::string scripthash_param(ByteSpan scripthash);
// Inverse of scripthash_param for notifications.
Bytes scripthash_from_param(const Json& j);

// A status: 32 bytes, or empty for null (no history).
Bytes parse_status(const Json& result);
struct ScripthashNotification {
  Bytes scripthash;
  Bytes status;
};
ScripthashNotification parse_scripthash_notification(const Json& params);

struct HistoryItem {
  Bytes tx_hash;  // 32 bytes, internal order
  int32_t height = 0;
  int64_t fee = 0;
};
std::vector<HistoryItem> parse_history(const Json& result);

struct UtxoItem {
  Bytes tx_hash;
  uint32_t output_index = 0;
  int32_t height = 0;
  int64_t value = 0;
};
std::vector<UtxoItem> parse_utxos(const Json& result);

// blockchain.transaction.get (non-verbose): raw transaction bytes.
Bytes parse_raw_tx(const Json& result);

struct MerkleProof {
  uint32_t block_height = 0;
  uint32_t pos = 0;
  std::vector<Bytes> branch;  // 32-byte hashes, internal order
};
MerkleProof parse_merkle(const Json& result);

// blockchain.transaction.broadcast: the txid, internal order.
Bytes parse_txid(const Json& result);

// blockchain.estimatefee / blockchain.relayfee: coins per kB as a number, or
// -1 (unknown). Returns satoshis per 1000 bytes, -1 when unknown.
int64_t parse_fee(const Json& result);

}  // namespace redoubt::netd
