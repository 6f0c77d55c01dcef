#include "chain/pow.h"

#include "chain/error.h"

namespace redoubt::chain {

Uint256 pow_limit(const NetworkParams& p) {
  return Uint256::from_hex(p.pow_limit_hex);
}

std::optional<Uint256> derive_target(uint32_t bits, const NetworkParams& p) {
  bool negative = false, overflow = false;
  Uint256 t = Uint256::from_compact(bits, &negative, &overflow);
  if (negative || overflow || t.is_zero() || t > pow_limit(p)) return std::nullopt;
  return t;
}

bool check_proof_of_work(const Hash256& hash, uint32_t bits, const NetworkParams& p) {
  auto target = derive_target(bits, p);
  return target && Uint256::from_le_bytes(hash) <= *target;
}

Uint256 block_proof(uint32_t bits) {
  bool negative = false, overflow = false;
  Uint256 target = Uint256::from_compact(bits, &negative, &overflow);
  if (negative || overflow || target.is_zero()) return Uint256();
  // 2^256 / (target+1) == (~target / (target+1)) + 1, which fits in 256 bits.
  return (~target / (target + Uint256(1))) + Uint256(1);
}

double difficulty(uint32_t bits) {
  int shift = (bits >> 24) & 0xff;
  double diff = 65535.0 / static_cast<double>(bits & 0x00ffffff);
  while (shift < 29) {
    diff *= 256.0;
    shift++;
  }
  while (shift > 29) {
    diff /= 256.0;
    shift--;
  }
  return diff;
}

uint32_t calculate_next_work_required(uint32_t last_bits, int64_t last_time, int64_t first_time,
                                      const NetworkParams& p) {
  if (p.pow_no_retargeting) return last_bits;
  int64_t actual = last_time - first_time;
  if (actual < p.pow_target_timespan / 4) actual = p.pow_target_timespan / 4;
  if (actual > p.pow_target_timespan * 4) actual = p.pow_target_timespan * 4;
  const Uint256 limit = pow_limit(p);
  Uint256 target = Uint256::from_compact(last_bits);
  // actual <= 4 * two weeks < 2^23 and targets are < 2^224 on mainnet, so the
  // product cannot wrap there (Core's arith_uint256 behaves the same).
  target *= static_cast<uint64_t>(actual);
  target /= Uint256(static_cast<uint64_t>(p.pow_target_timespan));
  if (target > limit) target = limit;
  return target.to_compact();
}

uint32_t next_work_required(const HeaderFacts& last, int64_t new_time,
                            const AncestorLookup& ancestor, const NetworkParams& p) {
  const uint32_t limit_bits = pow_limit(p).to_compact();
  const int64_t interval = p.difficulty_adjustment_interval();
  if ((last.height + 1) % interval != 0) {
    if (p.allow_min_difficulty_blocks(new_time)) {
      // namecoind reproduces the old client's unsigned time difference: a
      // timestamp before the previous block's also allows minimum difficulty.
      if (new_time < last.time) return limit_bits;
      if (new_time > last.time + p.pow_target_spacing * 2) return limit_bits;
      HeaderFacts h = last;
      while (h.height > 0 && h.height % interval != 0 && h.bits == limit_bits)
        h = ancestor(h.height - 1);
      return h.bits;
    }
    return last.bits;
  }
  // Namecoin changed the look-back after merge-mining started: a full interval
  // (fixing Bitcoin's off-by-one), except for the very first retarget.
  int64_t back = interval - 1;
  if (last.height >= p.auxpow_start_height && last.height + 1 > interval) back = interval;
  const int64_t first_height = last.height - back;
  if (first_height < 0) throw ChainError("retarget needs more ancestors than exist");
  const HeaderFacts first = ancestor(static_cast<int32_t>(first_height));
  return calculate_next_work_required(last.bits, last.time, first.time, p);
}

}  // namespace redoubt::chain
