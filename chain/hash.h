// Hash functions Namecoin uses, through OpenSSL: SHA-256, SHA-256d,
// RIPEMD-160, HASH160, HMAC-SHA512, PBKDF2-HMAC-SHA512.
#pragma once

#include "chain/bytes.h"

namespace redoubt::chain {

Hash256 sha256(ByteSpan data);
Hash256 sha256d(ByteSpan data);  // SHA-256 of SHA-256: txids, block hashes
Hash160 ripemd160(ByteSpan data);
Hash160 hash160(ByteSpan data);  // RIPEMD-160 of SHA-256: addresses
std::array<uint8_t, 64> hmac_sha512(ByteSpan key, ByteSpan data);
// PBKDF2-HMAC-SHA512 (BIP39 and Electrum seeds use 2048 iterations).
Bytes pbkdf2_sha512(ByteSpan password, ByteSpan salt, uint32_t iterations, size_t out_len);

}  // namespace redoubt::chain
