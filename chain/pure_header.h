// The plain 80-byte block header (namecoind's CPureBlockHeader): the part
// that is hashed, without AuxPoW.
#pragma once

#include <cstdint>

#include "chain/bytes.h"

namespace redoubt::chain {

class Reader;

inline constexpr size_t kPureHeaderSize = 80;

struct PureHeader {
  // Namecoin's version encoding: base version in the low byte, AuxPoW flag
  // 0x100, chain id in the upper 16 bits (namecoind pureheader.h).
  static constexpr int32_t kVersionAuxpow = 1 << 8;
  static constexpr int32_t kVersionChainStart = 1 << 16;

  int32_t version = 0;
  Hash256 prev_hash{};    // internal byte order
  Hash256 merkle_root{};  // internal byte order
  uint32_t time = 0;
  uint32_t bits = 0;
  uint32_t nonce = 0;

  bool operator==(const PureHeader&) const = default;

  Bytes serialize() const;
  Hash256 hash() const;  // sha256d of the 80 bytes
  int32_t base_version() const { return version % kVersionAuxpow; }
  int32_t chain_id() const { return version / kVersionChainStart; }
  bool has_auxpow_flag() const { return (version & kVersionAuxpow) != 0; }
  // Pre-merge-mining headers carry plain version 1 and no chain id.
  bool is_legacy() const { return version == 1; }
};

PureHeader read_pure_header(Reader& r);
PureHeader parse_pure_header(ByteSpan raw);  // exactly 80 bytes

}  // namespace redoubt::chain
