// Transactions: legacy and BIP144 segwit serialization, txid/wtxid, size/vsize/weight,
// Namecoin's name-transaction version (0x7100).
#pragma once

#include <cstdint>
#include <vector>

#include "chain/bytes.h"

namespace redoubt::chain {

// Parser limits. A block is at most 4 MB weight, so no valid transaction is larger;
// the input/output caps keep allocation bounded on hostile input.
inline constexpr size_t kMaxTxSize = 4'000'000;
inline constexpr size_t kMaxTxInputs = 100'000;
inline constexpr size_t kMaxTxOutputs = 100'000;
inline constexpr size_t kMaxWitnessItems = 100'000;
// Namecoin marks name transactions with this nVersion (namecoind: NAMECOIN_TX_VERSION).
inline constexpr int32_t kNameTxVersion = 0x7100;

struct OutPoint {
  Hash256 txid{};  // internal byte order
  uint32_t index = 0;
  bool operator==(const OutPoint&) const = default;
  bool is_null() const;  // coinbase prevout: zero hash, index 0xffffffff
};

struct TxIn {
  OutPoint prevout;
  Bytes script_sig;
  uint32_t sequence = 0xffffffff;
  std::vector<Bytes> witness;  // BIP141 witness stack, empty if none
  bool operator==(const TxIn&) const = default;
};

struct TxOut {
  int64_t value = 0;  // satoshis (1 NMC = 100,000,000)
  Bytes script_pubkey;
  bool operator==(const TxOut&) const = default;
};

struct Transaction {
  int32_t version = 2;
  std::vector<TxIn> inputs;
  std::vector<TxOut> outputs;
  uint32_t locktime = 0;

  bool operator==(const Transaction&) const = default;

  bool has_witness() const;
  bool is_name_tx() const { return version == kNameTxVersion; }
  bool is_coinbase() const { return inputs.size() == 1 && inputs[0].prevout.is_null(); }

  // Full serialization: BIP144 extended format when any input has a witness.
  Bytes serialize() const;
  // Serialization without witness data (what txid hashes).
  Bytes serialize_legacy() const;

  Hash256 txid() const;   // sha256d of the legacy serialization
  Hash256 wtxid() const;  // sha256d of the full serialization (BIP141)
  size_t size() const;    // full serialized size
  size_t base_size() const;
  size_t weight() const;  // base*3 + total (BIP141)
  size_t vsize() const { return (weight() + 3) / 4; }
};

class Reader;
// Parses a transaction as Bitcoin Core's UnserializeTransaction does (witness
// allowed; empty witness flagged as "superfluous"; unknown flags rejected) and
// requires the whole input to be consumed. Throws ChainError.
Transaction parse_transaction(ByteSpan raw);
// Parses one transaction from a reader (for embedded transactions such as the
// AuxPoW parent coinbase); leaves the reader after it.
Transaction read_transaction(Reader& r);

}  // namespace redoubt::chain
