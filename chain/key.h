// secp256k1 keys through libsecp256k1: private and public keys, ECDSA
// (RFC6979 nonces, low-S), strict DER, recoverable signatures, WIF, and the
// tweak-add steps BIP32 needs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chain/bytes.h"
#include "chain/secure.h"

namespace redoubt::chain {

class PublicKey;

// The DER size of every sign_der_ground signature: 2 + (2 + 32) * 2; with
// the sighash byte a transaction signature is 71 bytes.
inline constexpr size_t kGroundDerSize = 70;

// A compact (r||s, 32 bytes each, big-endian) signature with its recovery id.
struct RecoverableSignature {
  std::array<uint8_t, 64> rs{};
  int recid = 0;  // 0..3
};

// A valid secp256k1 secret (1 <= k < n), kept in locked memory.
class PrivateKey {
 public:
  static constexpr size_t kSize = 32;

  // Throws ChainError unless `bytes` is 32 bytes and 1 <= k < n.
  static PrivateKey from_bytes(ByteSpan bytes);
  // A fresh key from OpenSSL's RAND_bytes.
  static PrivateKey generate();
  // Whether `bytes` is a valid secret (32 bytes, 1 <= k < n).
  static bool is_valid(ByteSpan bytes);

  PrivateKey clone() const { return PrivateKey(key_.clone()); }
  ByteSpan bytes() const { return key_.span(); }
  PublicKey public_key() const;

  // ECDSA over a 32-byte digest: RFC6979 deterministic nonce, low-S (BIP62/
  // BIP146), as libsecp256k1's secp256k1_ecdsa_sign does. Returns strict DER.
  Bytes sign_der(const Hash256& digest) const;
  // A transaction signature of exactly kGroundDerSize bytes, so a fee priced
  // before signing is exact: Bitcoin Core's low-R grinding (RFC6979, then
  // RFC6979 with a 32-byte little-endian counter as extra entropy, 1, 2, ...,
  // until r < 2^255), also requiring r and s to be full 32-byte integers (a
  // short one, about 1 in 128, would make the signature a byte smaller).
  // The first attempt is sign_der's signature whenever it already fits.
  Bytes sign_der_ground(const Hash256& digest) const;
  // Same signature as 64 compact bytes.
  std::array<uint8_t, 64> sign_compact(const Hash256& digest) const;
  // Recoverable signature (signed messages): RFC6979, low-S.
  RecoverableSignature sign_recoverable(const Hash256& digest) const;

  // (k + tweak) mod n: the BIP32 private child step. Throws ChainError when
  // the tweak is >= n or the result is zero (BIP32 says: skip that index).
  PrivateKey tweak_add(ByteSpan tweak32) const;

 private:
  explicit PrivateKey(SecureBytes key) : key_(std::move(key)) {}
  SecureBytes key_;
};

// A point on secp256k1 (never infinity). Holds libsecp256k1's opaque 64-byte
// parsed form so repeated derivation does not re-parse.
class PublicKey {
 public:
  static constexpr size_t kCompressedSize = 33;
  static constexpr size_t kUncompressedSize = 65;

  // Parses 33-byte compressed (02/03) or 65-byte uncompressed (04) keys.
  // Hybrid (06/07) encodings are rejected. Throws ChainError.
  static PublicKey parse(ByteSpan bytes);

  std::array<uint8_t, kCompressedSize> compressed() const;
  std::array<uint8_t, kUncompressedSize> uncompressed() const;
  Bytes serialize(bool compressed = true) const;
  // HASH160 of the chosen serialization: P2PKH and P2WPKH key hash.
  Hash160 key_hash(bool compressed = true) const;

  // Verifies a strict-DER (BIP66) signature over `digest`. High-S signatures
  // fail unless allow_high_s (libsecp256k1 only accepts lower-S; BIP146).
  bool verify_der(const Hash256& digest, ByteSpan der, bool allow_high_s = false) const;
  bool verify_compact(const Hash256& digest, const std::array<uint8_t, 64>& rs,
                      bool allow_high_s = false) const;

  // The public key that signed `digest` with `sig`, if any.
  static std::optional<PublicKey> recover(const Hash256& digest, const RecoverableSignature& sig);

  // P + tweak*G: the BIP32 public child step. Throws ChainError when the
  // tweak is >= n or the result is infinity.
  PublicKey tweak_add(ByteSpan tweak32) const;

  bool operator==(const PublicKey& other) const;

 private:
  PublicKey() = default;
  friend class PrivateKey;
  std::array<uint8_t, 64> opaque_{};  // secp256k1_pubkey::data
};

// Strict DER (BIP66's IsValidSignatureEncoding without the sighash byte):
// minimal lengths, positive minimal integers, nothing trailing.
bool is_strict_der(ByteSpan der);
// Strict DER -> 64-byte compact r||s. Throws ChainError on any violation or
// when r or s is not in [1, n-1].
std::array<uint8_t, 64> der_to_compact(ByteSpan der);
// 64-byte compact -> DER (minimal). Throws ChainError if r or s >= n.
Bytes compact_to_der(const std::array<uint8_t, 64>& rs);
// Whether s <= n/2 (BIP62 low-S). Throws ChainError on bad DER.
bool is_low_s(ByteSpan der);

// Wallet Import Format: base58check(version || key || [0x01 if compressed]).
// The version byte is per network (Namecoin mainnet 180, testnet/regtest 239).
std::string wif_encode(const PrivateKey& key, bool compressed, uint8_t version);
struct WifKey {
  PrivateKey key;
  bool compressed;
  uint8_t version;
};
// Throws ChainError on bad base58check, bad length, a wrong version (when
// `expected_version` is given) or an invalid key.
WifKey wif_decode(std::string_view wif, std::optional<uint8_t> expected_version = std::nullopt);

}  // namespace redoubt::chain
