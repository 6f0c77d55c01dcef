// Byte strings and hex conversion: the currency every chain/ unit trades in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::chain {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using Hash256 = std::array<uint8_t, 32>;  // internal byte order (as hashed)
using Hash160 = std::array<uint8_t, 20>;

// Lower-case hex of `data`.
std::string to_hex(ByteSpan data);
// Hex of `data` byte-reversed: how txids and block hashes are displayed.
std::string to_hex_reversed(ByteSpan data);
// Parses hex (either case, even length). Throws ChainError on bad input.
Bytes from_hex(std::string_view hex);
// Parses a 64-digit displayed (byte-reversed) hash such as a txid.
Hash256 hash_from_hex_reversed(std::string_view hex);

inline ByteSpan as_span(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace redoubt::chain
