// Block headers: the 80-byte header, its hash and Namecoin's version bits
// (chain id, AuxPoW flag); parsing of headers with their AuxPoW as namecoind
// and ElectrumX serialize them; the full proof-of-work check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "chain/auxpow.h"
#include "chain/bytes.h"
#include "chain/params.h"
#include "chain/pure_header.h"

namespace redoubt::chain {

class Reader;

// A Namecoin header: 80 bytes, followed by an AuxPoW when the version's AuxPoW
// flag (0x100) is set.
struct BlockHeader {
  PureHeader base;
  std::optional<AuxPow> auxpow;

  Hash256 hash() const { return base.hash(); }
  Bytes serialize() const;  // 80 bytes plus the AuxPoW if present
};

// Reads one header (and its AuxPoW when flagged) from a stream of headers.
BlockHeader read_block_header(Reader& r);
// Parses exactly one header; throws ChainError on malformed or trailing data.
BlockHeader parse_block_header(ByteSpan raw);

// Outcome of a check: ok, or the reason it failed.
struct Verdict {
  bool ok = true;
  std::string reason;
  static Verdict pass() { return {}; }
  static Verdict fail(std::string why) { return {false, std::move(why)}; }
  explicit operator bool() const { return ok; }
};

// namecoind's CheckProofOfWork(block): the chain id (unless legacy), then
// either the header's own hash against its bits (no AuxPoW) or the parent
// block's hash against OUR bits plus CAuxPow::check. With a height, also
// namecoind's contextual rule that legacy (version 1) headers are not allowed
// after merge-mining started. Does not check that bits are the required ones
// (see next_work_required).
Verdict check_header_pow(const BlockHeader& h, const NetworkParams& p,
                         std::optional<int32_t> height = std::nullopt);

}  // namespace redoubt::chain
