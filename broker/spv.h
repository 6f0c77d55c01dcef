// SPV verification of a transaction a server handed us: its bytes hash to
// the txid we asked for, and its merkle branch (blockchain.transaction.
// get_merkle) folds to the merkle root of OUR verified header at that height.
// Anything that fails is rejected and must never be stored as fact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/header_chain.h"
#include "chain/bytes.h"
#include "chain/tx.h"

namespace redoubt::broker {

// What netd's getMerkle returns: hashes in internal byte order.
struct MerkleProof {
  int32_t height = 0;
  uint32_t position = 0;
  std::vector<chain::Bytes> branch;
};

enum class SpvReason {
  kOk,
  kUnparseable,     // the bytes are not a transaction
  kTxidMismatch,    // the bytes hash to another txid than we asked for
  kHeightMismatch,  // the proof is for another height than the history said
  kNoHeader,        // no verified header at that height (yet): retry after sync
  kMalformedProof,  // a branch element is not 32 bytes, or too many
  kMerkleMismatch,  // the branch does not lead to our header's merkle root
};
const char* spv_reason_name(SpvReason r);

struct SpvVerdict {
  SpvReason reason = SpvReason::kOk;
  std::string detail;
  std::optional<chain::Transaction> tx;  // the parsed transaction when ok
  bool ok() const { return reason == SpvReason::kOk; }
  // A lie (as opposed to "we cannot check yet"): drop the server.
  bool is_misbehaviour() const { return !ok() && reason != SpvReason::kNoHeader; }
};

// Checks `raw_tx` against `txid` (and parses it). For a mempool transaction
// (no proof) this is all SPV can say.
SpvVerdict verify_tx_bytes(const chain::Hash256& txid, chain::ByteSpan raw_tx);

// Full check of a confirmed transaction: bytes, then the merkle proof against
// the header of our chain at `expected_height` (the height the server's
// history gave; the proof must agree).
SpvVerdict verify_confirmed_tx(const HeaderChain& headers, const chain::Hash256& txid,
                               chain::ByteSpan raw_tx, int32_t expected_height,
                               const MerkleProof& proof);

}  // namespace redoubt::broker
