// Signature hashes: Bitcoin's legacy algorithm (with its SIGHASH_SINGLE and
// OP_CODESEPARATOR quirks) and BIP143 for segwit v0 inputs.
#pragma once

#include <cstdint>

#include "chain/bytes.h"
#include "chain/tx.h"

namespace redoubt::chain {

inline constexpr uint32_t kSighashAll = 1;
inline constexpr uint32_t kSighashNone = 2;
inline constexpr uint32_t kSighashSingle = 3;
inline constexpr uint32_t kSighashAnyoneCanPay = 0x80;

// Legacy signature hash of input `index` signing `script_code` (the previous
// output's script, or the redeem script), exactly as Bitcoin Core's
// SignatureHash for SigVersion::BASE: OP_CODESEPARATORs are removed from the
// script code, and SIGHASH_SINGLE with no output at `index` returns the
// number 1 (the historic bug every implementation must keep). The full 32-bit
// hash type is appended to the preimage. Throws ChainError if index is out of range.
Hash256 legacy_sighash(const Transaction& tx, size_t index, ByteSpan script_code,
                       uint32_t hash_type);

// The parts of a BIP143 preimage shared by all inputs of one transaction;
// computing them once makes signing n inputs O(n), not O(n^2).
struct SegwitPrecomputed {
  Hash256 hash_prevouts{};
  Hash256 hash_sequence{};
  Hash256 hash_outputs{};
  explicit SegwitPrecomputed(const Transaction& tx);
};

// BIP143 signature hash for segwit v0 input `index` spending `amount` satoshis.
// `script_code` is the serialized script without length prefix (for P2WPKH:
// OP_DUP OP_HASH160 <hash> OP_EQUALVERIFY OP_CHECKSIG).
Hash256 segwit_v0_sighash(const Transaction& tx, size_t index, ByteSpan script_code, int64_t amount,
                          uint32_t hash_type, const SegwitPrecomputed& pre);
Hash256 segwit_v0_sighash(const Transaction& tx, size_t index, ByteSpan script_code, int64_t amount,
                          uint32_t hash_type);

// The BIP143 script code of a P2WPKH output with this key hash.
Bytes p2wpkh_script_code(const Hash160& pubkey_hash);

}  // namespace redoubt::chain
