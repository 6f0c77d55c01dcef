#include "chain/uint256.h"

#include "chain/error.h"

namespace redoubt::chain {

Uint256 Uint256::from_le_bytes(const Hash256& h) {
  Uint256 r;
  for (int i = 0; i < 4; ++i) {
    uint64_t v = 0;
    for (int j = 7; j >= 0; --j)
      v = (v << 8) | h[static_cast<size_t>(i) * 8 + static_cast<size_t>(j)];
    r.limb_[static_cast<size_t>(i)] = v;
  }
  return r;
}

Hash256 Uint256::to_le_bytes() const {
  Hash256 h;
  for (size_t i = 0; i < 32; ++i) h[i] = static_cast<uint8_t>(limb_[i / 8] >> (8 * (i % 8)));
  return h;
}

Uint256 Uint256::from_hex(std::string_view hex) {
  if (hex.size() != 64) throw ChainError("a 256-bit number must be 64 hex digits");
  return from_le_bytes(hash_from_hex_reversed(hex));
}

std::string Uint256::to_hex() const {
  return to_hex_reversed(to_le_bytes());
}

Uint256 Uint256::from_compact(uint32_t compact, bool* negative, bool* overflow) {
  // Same semantics as arith_uint256::SetCompact.
  const unsigned size = compact >> 24;
  uint32_t word = compact & 0x007fffff;
  Uint256 r;
  if (size <= 3) {
    word >>= 8 * (3 - size);
    r = Uint256(word);
  } else {
    r = Uint256(word);
    r <<= 8 * (size - 3);
  }
  if (negative) *negative = word != 0 && (compact & 0x00800000) != 0;
  if (overflow)
    *overflow =
        word != 0 && ((size > 34) || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return r;
}

uint32_t Uint256::to_compact(bool negative) const {
  unsigned size = (bits() + 7) / 8;
  uint32_t compact;
  if (size <= 3) {
    compact = static_cast<uint32_t>(low64() << 8 * (3 - size));
  } else {
    compact = static_cast<uint32_t>((*this >> 8 * (size - 3)).low64());
  }
  // The 0x00800000 bit is the sign; shift the mantissa if it would be set.
  if (compact & 0x00800000) {
    compact >>= 8;
    size++;
  }
  compact |= size << 24;
  compact |= (negative && (compact & 0x007fffff) ? 0x00800000 : 0);
  return compact;
}

unsigned Uint256::bits() const {
  for (int i = 3; i >= 0; --i) {
    uint64_t v = limb_[static_cast<size_t>(i)];
    if (v) return static_cast<unsigned>(64 * i + 64 - __builtin_clzll(v));
  }
  return 0;
}

double Uint256::to_double() const {
  double r = 0, f = 1;
  for (uint64_t l : limb_) {
    r += f * static_cast<double>(l);
    f *= 18446744073709551616.0;
  }
  return r;
}

Uint256& Uint256::operator<<=(unsigned shift) {
  if (shift >= 256) return *this = Uint256();
  std::array<uint64_t, 4> out{};
  const unsigned k = shift / 64, s = shift % 64;
  for (unsigned i = 0; i + k < 4; ++i) {
    out[i + k] |= limb_[i] << s;
    if (s && i + k + 1 < 4) out[i + k + 1] |= limb_[i] >> (64 - s);
  }
  limb_ = out;
  return *this;
}

Uint256& Uint256::operator>>=(unsigned shift) {
  if (shift >= 256) return *this = Uint256();
  std::array<uint64_t, 4> out{};
  const unsigned k = shift / 64, s = shift % 64;
  for (unsigned i = k; i < 4; ++i) {
    out[i - k] |= limb_[i] >> s;
    if (s && i - k >= 1) out[i - k - 1] |= limb_[i] << (64 - s);
  }
  limb_ = out;
  return *this;
}

Uint256& Uint256::operator+=(const Uint256& b) {
  unsigned __int128 carry = 0;
  for (size_t i = 0; i < 4; ++i) {
    carry += static_cast<unsigned __int128>(limb_[i]) + b.limb_[i];
    limb_[i] = static_cast<uint64_t>(carry);
    carry >>= 64;
  }
  return *this;
}

Uint256 Uint256::operator~() const {
  Uint256 r;
  for (size_t i = 0; i < 4; ++i) r.limb_[i] = ~limb_[i];
  return r;
}

Uint256& Uint256::operator-=(const Uint256& b) {
  return *this += ~b + Uint256(1);
}

Uint256& Uint256::operator*=(uint64_t m) {
  unsigned __int128 carry = 0;
  for (size_t i = 0; i < 4; ++i) {
    carry += static_cast<unsigned __int128>(limb_[i]) * m;
    limb_[i] = static_cast<uint64_t>(carry);
    carry >>= 64;
  }
  return *this;
}

Uint256& Uint256::operator/=(const Uint256& d) {
  if (d.is_zero()) throw ChainError("division by zero");
  Uint256 num = *this, div = d, q;
  const unsigned nb = num.bits(), db = div.bits();
  if (db > nb) return *this = Uint256();
  unsigned shift = nb - db;
  div <<= shift;
  for (;;) {
    if (num >= div) {
      num -= div;
      q.limb_[shift / 64] |= uint64_t{1} << (shift % 64);
    }
    if (shift == 0) break;
    div >>= 1;
    --shift;
  }
  return *this = q;
}

int compare(const Uint256& a, const Uint256& b) {
  for (int i = 3; i >= 0; --i) {
    const auto x = a.limb_[static_cast<size_t>(i)], y = b.limb_[static_cast<size_t>(i)];
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace redoubt::chain
