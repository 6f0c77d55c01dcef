// Unsigned 256-bit arithmetic for proof of work: compact "bits" <-> target,
// chain work. Wraps modulo 2^256 like Bitcoin Core's arith_uint256.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "chain/bytes.h"

namespace redoubt::chain {

class Uint256 {
 public:
  constexpr Uint256() = default;
  constexpr Uint256(uint64_t v) : limb_{v, 0, 0, 0} {}  // NOLINT: implicit like arith_uint256

  // A hash in internal byte order read as a little-endian number (how Core
  // compares block hashes with targets).
  static Uint256 from_le_bytes(const Hash256& h);
  Hash256 to_le_bytes() const;
  // 64 hex digits, most significant first (as Core prints targets and hashes).
  static Uint256 from_hex(std::string_view hex);
  std::string to_hex() const;

  // Compact encoding (nBits): 8-bit exponent, sign bit, 23-bit mantissa.
  static Uint256 from_compact(uint32_t compact, bool* negative = nullptr, bool* overflow = nullptr);
  uint32_t to_compact(bool negative = false) const;

  unsigned bits() const;  // position of the highest set bit + 1; 0 for zero
  uint64_t low64() const { return limb_[0]; }
  bool is_zero() const { return (limb_[0] | limb_[1] | limb_[2] | limb_[3]) == 0; }
  double to_double() const;

  Uint256& operator<<=(unsigned shift);
  Uint256& operator>>=(unsigned shift);
  Uint256& operator+=(const Uint256& b);
  Uint256& operator-=(const Uint256& b);
  Uint256& operator*=(uint64_t m);        // wraps; m < 2^32 keeps it exact for targets
  Uint256& operator/=(const Uint256& d);  // throws ChainError on division by zero
  Uint256 operator~() const;

  friend Uint256 operator<<(Uint256 a, unsigned s) { return a <<= s; }
  friend Uint256 operator>>(Uint256 a, unsigned s) { return a >>= s; }
  friend Uint256 operator+(Uint256 a, const Uint256& b) { return a += b; }
  friend Uint256 operator-(Uint256 a, const Uint256& b) { return a -= b; }
  friend Uint256 operator*(Uint256 a, uint64_t m) { return a *= m; }
  friend Uint256 operator/(Uint256 a, const Uint256& d) { return a /= d; }
  friend bool operator==(const Uint256& a, const Uint256& b) { return a.limb_ == b.limb_; }
  friend int compare(const Uint256& a, const Uint256& b);
  friend bool operator<(const Uint256& a, const Uint256& b) { return compare(a, b) < 0; }
  friend bool operator>(const Uint256& a, const Uint256& b) { return compare(a, b) > 0; }
  friend bool operator<=(const Uint256& a, const Uint256& b) { return compare(a, b) <= 0; }
  friend bool operator>=(const Uint256& a, const Uint256& b) { return compare(a, b) >= 0; }

 private:
  std::array<uint64_t, 4> limb_{};  // little-endian limbs
};

}  // namespace redoubt::chain
