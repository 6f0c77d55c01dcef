// Proof of work: targets from compact bits, the PoW check, chain work, and
// Namecoin's difficulty retarget (Bitcoin's 2016-block rule with Namecoin's
// post-merge-mining look-back and testnet min-difficulty quirks).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "chain/bytes.h"
#include "chain/params.h"
#include "chain/uint256.h"

namespace redoubt::chain {

Uint256 pow_limit(const NetworkParams& p);
// The target encoded by `bits`, or nullopt if it is negative, zero, overflows
// or exceeds the network's limit (Core's DeriveTarget).
std::optional<Uint256> derive_target(uint32_t bits, const NetworkParams& p);
// hash (internal byte order) <= target(bits), with a valid target.
bool check_proof_of_work(const Hash256& hash, uint32_t bits, const NetworkParams& p);
// Expected number of hashes for a header with these bits (Core's GetBlockProof):
// 2^256 / (target + 1). Zero for an invalid target.
Uint256 block_proof(uint32_t bits);
// Difficulty relative to the 0x1d00ffff target, as namecoind's getdifficulty.
double difficulty(uint32_t bits);

// What the retarget rules need to know about an ancestor header.
struct HeaderFacts {
  int32_t height = 0;
  uint32_t bits = 0;
  int64_t time = 0;
};
// Returns the header at `height` on the chain being extended (height <= last).
using AncestorLookup = std::function<HeaderFacts(int32_t height)>;

// Bits required for the header after `last` whose timestamp is `new_time`
// (namecoind's GetNextWorkRequired).
uint32_t next_work_required(const HeaderFacts& last, int64_t new_time,
                            const AncestorLookup& ancestor, const NetworkParams& p);
// The retarget step itself (Core's CalculateNextWorkRequired): timespan
// clamped to [T/4, 4T], new target = old * actual / T, capped at the limit.
uint32_t calculate_next_work_required(uint32_t last_bits, int64_t last_time, int64_t first_time,
                                      const NetworkParams& p);

}  // namespace redoubt::chain
