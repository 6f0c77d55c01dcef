// The encrypted keystore: one file, DIR/keyd/keystore, holding the seed
// phrase (and its passphrase) sealed with AES-256-GCM under a key stretched
// from the password with scrypt. Written atomically; never half-replaced.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "chain/bytes.h"
#include "chain/params.h"
#include "chain/secure.h"

namespace redoubt::keyd {

// scrypt cost (RFC 7914): N = 2^log2_n, block size r, parallelism p.
struct ScryptParams {
  uint8_t log2_n;
  uint32_t r;
  uint32_t p;
};
// Measured on the reference machine (2 shared cores, OpenSSL 3.0, r=8, p=1):
// 2^16 0.38 s, 2^17 0.71 s, 2^18 1.55 s, 2^19 4.4 s. 2^17 is the largest
// cost under about a second there and needs 128 MiB, which keyd's memory
// limit allows; 2^18 doubles both for a second and a half per unlock.
inline constexpr ScryptParams kDefaultScrypt{17, 8, 1};
// What a keystore file may ask for. The bounds keep a hostile or corrupted
// file from making keyd allocate gigabytes; files outside them are corrupt.
inline constexpr uint8_t kMinScryptLog2N = 4;  // tests use tiny costs
inline constexpr uint8_t kMaxScryptLog2N = 22;
inline constexpr uint64_t kMaxScryptMemory = 1ull << 30;  // 128 * r * N * p

// The seed types, in the order of ipc/signer.capnp's SeedType.
enum class SeedType : uint8_t { kSegwit = 0, kStandard = 1, kBip39 = 2 };

// What the keystore protects. `phrase` is the phrase as the user gave it
// (Electrum seeds are normalized when used), `passphrase` the Electrum seed
// extension or the BIP39 passphrase (empty when none).
struct SeedMaterial {
  SeedType type = SeedType::kSegwit;
  chain::Network network = chain::Network::kMainnet;
  chain::SecureBytes phrase;
  chain::SecureBytes passphrase;
};

// What can be read without the password (the header is authenticated as AES-GCM
// associated data, so a change to it fails the next unlock).
struct KeystoreInfo {
  SeedType type;
  chain::Network network;
  ScryptParams scrypt;
};

// File format version 1 (all integers little-endian):
//   "REDOUBT-KEYSTORE" | u16 version=1 | u8 kdf=1 (scrypt) | u8 log2 N |
//   u32 r | u32 p | salt[32] | u8 aead=1 (AES-256-GCM) | nonce[12] |
//   u8 seed type | u8 network | u32 ciphertext length          (the header, AAD)
//   ciphertext | GCM tag[16] | SHA-256 of everything before it
// The plaintext is u8 seed type | u8 network | u16 len | phrase | u16 len |
// passphrase; type and network must equal the header's. The trailing SHA-256
// is not a security boundary (the GCM tag is): it tells a damaged file
// (kCorrupt) from a wrong password (kBadPassword), which AEAD alone cannot.
class Keystore {
 public:
  // `dir` is DIR/keyd. `scrypt` is the cost for files this object writes;
  // only tests pass anything but the default (reading honours the file's own).
  explicit Keystore(std::filesystem::path dir, ScryptParams scrypt = kDefaultScrypt);

  const std::filesystem::path& path() const { return file_; }
  bool exists() const;
  // Header of an existing file after its integrity check; nullopt when there
  // is no file. Throws KeydError(kCorrupt) for a damaged one.
  std::optional<KeystoreInfo> info() const;

  // Writes a new keystore; throws KeydError(kExists) if there is one already.
  void create(const SeedMaterial& seed, chain::ByteSpan password) const;
  // Decrypts. Throws KeydError: kNoKeystore, kCorrupt (truncated, altered,
  // unknown version) or kBadPassword. Never modifies the file.
  SeedMaterial open(chain::ByteSpan password) const;
  // Re-encrypts under `new_password` with a fresh salt and nonce, atomically:
  // on any failure the old file is still in place.
  void change_password(chain::ByteSpan old_password, chain::ByteSpan new_password) const;

 private:
  void write(const SeedMaterial& seed, chain::ByteSpan password) const;
  std::filesystem::path dir_;
  std::filesystem::path file_;
  ScryptParams scrypt_;
};

}  // namespace redoubt::keyd
