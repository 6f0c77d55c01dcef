#include "chain/bytes.h"

#include <algorithm>

#include "chain/error.h"

namespace redoubt::chain {
namespace {
constexpr char kDigits[] = "0123456789abcdef";

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string to_hex(ByteSpan data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

std::string to_hex_reversed(ByteSpan data) {
  Bytes rev(data.rbegin(), data.rend());
  return to_hex(rev);
}

Bytes from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) throw ChainError("hex string has an odd number of digits");
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw ChainError("hex string contains a non-hex character");
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return out;
}

Hash256 hash_from_hex_reversed(std::string_view hex) {
  if (hex.size() != 64) throw ChainError("a hash must be 64 hex digits");
  Bytes b = from_hex(hex);
  Hash256 h;
  std::reverse_copy(b.begin(), b.end(), h.begin());
  return h;
}

}  // namespace redoubt::chain
