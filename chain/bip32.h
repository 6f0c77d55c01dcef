// BIP32 hierarchical deterministic keys: child derivation (hardened and
// normal), fingerprints, xprv/xpub serialization with caller-chosen version
// bytes, and "m/0'/5/1h" paths.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chain/bytes.h"
#include "chain/key.h"

namespace redoubt::chain {

constexpr uint32_t kHardened = 0x80000000u;

// Version bytes for the 78-byte serialization (BIP32; Electrum's segwit
// variants, SLIP-0132). Namecoin wallets (Electrum-NMC) use Bitcoin's.
struct Bip32Versions {
  uint32_t priv;
  uint32_t pub;
};
constexpr Bip32Versions kXprvXpub{0x0488ADE4u, 0x0488B21Eu};  // mainnet P2PKH
constexpr Bip32Versions kZprvZpub{0x04B2430Cu, 0x04B24746u};  // mainnet P2WPKH
constexpr Bip32Versions kTprvTpub{0x04358394u, 0x043587CFu};  // testnet P2PKH
constexpr Bip32Versions kVprvVpub{0x045F18BCu, 0x045F1CF6u};  // testnet P2WPKH

using KeyPath = std::vector<uint32_t>;
// Parses "m", "m/0'/5/1h", "m/44H/7'/0'" (also without the leading "m/").
// Components are decimal below 2^31; ', h or H marks hardened. Throws
// ChainError. At most 255 components (BIP32 depth is one byte).
KeyPath parse_key_path(std::string_view path);
// "m/0'/5" with ' for hardened.
std::string format_key_path(const KeyPath& path);

class ExtendedPublicKey {
 public:
  ExtendedPublicKey(PublicKey key, const std::array<uint8_t, 32>& chain_code, uint8_t depth = 0,
                    uint32_t parent_fingerprint = 0, uint32_t child_number = 0);

  // CKDpub. Throws ChainError for a hardened index or (probability 2^-127)
  // an invalid child, which BIP32 says to skip.
  ExtendedPublicKey derive(uint32_t index) const;
  ExtendedPublicKey derive_path(const KeyPath& path) const;
  // The fast receive-address step: the child's compressed public key only,
  // without building an ExtendedPublicKey.
  PublicKey derive_pubkey(uint32_t index) const;

  const PublicKey& key() const { return key_; }
  const std::array<uint8_t, 33>& key_bytes() const { return key_bytes_; }
  const std::array<uint8_t, 32>& chain_code() const { return chain_code_; }
  uint8_t depth() const { return depth_; }
  uint32_t parent_fingerprint() const { return parent_fingerprint_; }
  uint32_t child_number() const { return child_number_; }
  // First 4 bytes (big-endian) of HASH160 of the compressed key.
  uint32_t fingerprint() const;

  std::array<uint8_t, 78> serialize(uint32_t version) const;
  std::string to_base58(uint32_t version) const;
  // Parses 78 bytes; the version must equal `version`. Throws ChainError.
  static ExtendedPublicKey parse(ByteSpan bytes78, uint32_t version);
  static ExtendedPublicKey from_base58(std::string_view s, uint32_t version);
  // The version bytes of a serialized key, to choose `version` above.
  static uint32_t peek_version(std::string_view s);

  bool operator==(const ExtendedPublicKey& o) const;

 private:
  PublicKey key_;
  std::array<uint8_t, 33> key_bytes_;  // cached serP(K) for derivation
  std::array<uint8_t, 32> chain_code_;
  uint8_t depth_;
  uint32_t parent_fingerprint_;
  uint32_t child_number_;
};

// A private extended key; the secret and chain code live in locked memory.
class ExtendedPrivateKey {
 public:
  // BIP32 master key: HMAC-SHA512(key="Bitcoin seed", seed). The seed must
  // be 16..64 bytes. Throws ChainError if IL is not a valid key.
  static ExtendedPrivateKey from_seed(ByteSpan seed);

  ExtendedPrivateKey clone() const;
  // CKDpriv, hardened when index >= kHardened.
  ExtendedPrivateKey derive(uint32_t index) const;
  ExtendedPrivateKey derive_path(const KeyPath& path) const;
  ExtendedPublicKey neuter() const;

  const PrivateKey& key() const { return key_; }
  PublicKey public_key() const { return key_.public_key(); }
  ByteSpan chain_code() const { return chain_code_.span(); }
  uint8_t depth() const { return depth_; }
  uint32_t parent_fingerprint() const { return parent_fingerprint_; }
  uint32_t child_number() const { return child_number_; }
  uint32_t fingerprint() const;

  // The 78-byte serialization and its base58check text (export and tests
  // only: the result is a secret the caller must keep in secure memory).
  SecureBytes serialize(uint32_t version) const;
  SecureBytes to_base58(uint32_t version) const;
  static ExtendedPrivateKey parse(ByteSpan bytes78, uint32_t version);
  static ExtendedPrivateKey from_base58(std::string_view s, uint32_t version);

 private:
  ExtendedPrivateKey(PrivateKey key, SecureBytes chain_code, uint8_t depth,
                     uint32_t parent_fingerprint, uint32_t child_number)
      : key_(std::move(key)),
        chain_code_(std::move(chain_code)),
        depth_(depth),
        parent_fingerprint_(parent_fingerprint),
        child_number_(child_number) {}
  PrivateKey key_;
  SecureBytes chain_code_;
  uint8_t depth_;
  uint32_t parent_fingerprint_;
  uint32_t child_number_;
};

}  // namespace redoubt::chain
