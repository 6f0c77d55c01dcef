#include "broker/spv.h"

#include <algorithm>

#include "chain/error.h"
#include "chain/merkle.h"

namespace redoubt::broker {

const char* spv_reason_name(SpvReason r) {
  switch (r) {
    case SpvReason::kOk:
      return "ok";
    case SpvReason::kUnparseable:
      return "unparseable transaction";
    case SpvReason::kTxidMismatch:
      return "txid mismatch";
    case SpvReason::kHeightMismatch:
      return "height mismatch";
    case SpvReason::kNoHeader:
      return "no verified header";
    case SpvReason::kMalformedProof:
      return "malformed merkle proof";
    case SpvReason::kMerkleMismatch:
      return "merkle proof mismatch";
  }
  return "?";
}

namespace {
SpvVerdict fail(SpvReason r, std::string detail) {
  SpvVerdict v;
  v.reason = r;
  v.detail = std::string(spv_reason_name(r)) + ": " + std::move(detail);
  return v;
}
}  // namespace

SpvVerdict verify_tx_bytes(const chain::Hash256& txid, chain::ByteSpan raw_tx) {
  chain::Transaction tx;
  try {
    tx = chain::parse_transaction(raw_tx);
  } catch (const chain::ChainError& e) {
    return fail(SpvReason::kUnparseable, e.what());
  }
  // The txid commits to the legacy serialization; hashing our own parse of it
  // also rejects a server that appended or altered witness-irrelevant bytes.
  const chain::Hash256 got = tx.txid();
  if (got != txid)
    return fail(SpvReason::kTxidMismatch, "asked for " + chain::to_hex_reversed(txid) + ", got " +
                                              chain::to_hex_reversed(got));
  SpvVerdict v;
  v.tx = std::move(tx);
  return v;
}

SpvVerdict verify_confirmed_tx(const HeaderChain& headers, const chain::Hash256& txid,
                               chain::ByteSpan raw_tx, int32_t expected_height,
                               const MerkleProof& proof) {
  if (proof.height != expected_height)
    return fail(SpvReason::kHeightMismatch, "history says " + std::to_string(expected_height) +
                                                ", proof says " + std::to_string(proof.height));
  if (proof.branch.size() > chain::kMaxMerkleBranch)
    return fail(SpvReason::kMalformedProof,
                "branch of " + std::to_string(proof.branch.size()) + " hashes");
  std::vector<chain::Hash256> branch;
  branch.reserve(proof.branch.size());
  for (const auto& b : proof.branch) {
    if (b.size() != 32)
      return fail(SpvReason::kMalformedProof,
                  "branch hash of " + std::to_string(b.size()) + " bytes");
    chain::Hash256 h;
    std::copy(b.begin(), b.end(), h.begin());
    branch.push_back(h);
  }
  SpvVerdict v = verify_tx_bytes(txid, raw_tx);
  if (!v.ok()) return v;
  auto header = headers.header_at(proof.height);
  if (proof.height < 1 || !header)
    return fail(SpvReason::kNoHeader, "height " + std::to_string(proof.height) + " (our tip is " +
                                          std::to_string(headers.height()) + ")");
  if (!chain::verify_merkle_proof(txid, branch, proof.position, header->merkle_root))
    return fail(SpvReason::kMerkleMismatch, "tx " + chain::to_hex_reversed(txid) + " at position " +
                                                std::to_string(proof.position) + " in block " +
                                                std::to_string(proof.height));
  return v;
}

}  // namespace redoubt::broker
