// Secrets sealed from the ui to keyd (and keyd's new phrase back to the ui)
// so the broker, which relays them, only ever holds ciphertext. X25519 with a
// fresh sender key per blob, HKDF-SHA256, ChaCha20-Poly1305 (OpenSSL EVP).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "chain/bytes.h"
#include "chain/params.h"
#include "chain/secure.h"

namespace redoubt::ipc::sealed {

// What a blob is for. It is bound into the associated data together with
// the network, so a blob sealed as one purpose (or for one network) cannot
// be opened as another.
enum class Purpose {
  kPassword,     // "password": the keystore password (unlock, old password)
  kNewPassword,  // "new-password": the password create/restore/change sets
  kPhrase,       // "phrase": a seed phrase being restored
  kPassphrase,   // "passphrase": a BIP39 passphrase / Electrum seed extension
  kNewPhrase,    // "new-phrase": keyd's freshly created phrase, sealed to the ui
};
std::string_view purpose_name(Purpose p);

constexpr size_t kKeySize = 32;  // X25519 public and private keys
using PublicKey = std::array<uint8_t, kKeySize>;

// Blob layout: version (1) || sender's ephemeral public key (32) ||
// ciphertext || Poly1305 tag (16). The key and nonce come from
//   HKDF-SHA256(IKM = X25519(e, R), salt = E || R, info = "redoubt sealed box v1")
// (E, R: sender ephemeral and recipient public keys); each key is used for
// one blob only, so the derived nonce never repeats under a key. The
// plaintext is framed as length (2 bytes, big-endian) || secret || zeros up
// to a multiple of kPadBlock, so a blob does not tell a password's length.
constexpr uint8_t kVersion = 1;
constexpr size_t kOverhead = 1 + kKeySize + 16;
constexpr size_t kPadBlock = 64;
// Longest plaintext accepted (a password or phrase is far shorter).
constexpr size_t kMaxPlaintext = 4096;
// The blob size for a secret of `n` bytes.
constexpr size_t sealed_size(size_t n) {
  return kOverhead + (n + 2 + kPadBlock - 1) / kPadBlock * kPadBlock;
}

// Any blob that does not open (tampered, truncated, wrong key, wrong purpose
// or network, stale key after keyd restarted). One message for all of them:
// the cause is not told apart for an attacker.
class SealError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A recipient's X25519 key pair; the private half lives in SecureBytes
// (locked memory, wiped when the pair goes away). Generated per process
// (keyd) or per request (the ui, for the phrase create returns).
class KeyPair {
 public:
  static KeyPair generate();
  const PublicKey& public_key() const { return public_; }
  // The plaintext, in secure memory; throws SealError.
  chain::SecureBytes open(chain::ByteSpan blob, Purpose purpose, chain::Network network) const;

 private:
  friend chain::Bytes seal(chain::ByteSpan, chain::ByteSpan, Purpose, chain::Network);
  chain::SecureBytes private_;
  PublicKey public_{};
};

// Seals `plaintext` to `recipient` (throws SealError for a key that is not a
// valid X25519 point or a plaintext over kMaxPlaintext).
chain::Bytes seal(chain::ByteSpan recipient, chain::ByteSpan plaintext, Purpose purpose,
                  chain::Network network);

// One seal and open, so OpenSSL fetches X25519, HKDF and ChaCha20-Poly1305
// and seeds its private DRBG before a process's confinement forbids what a
// lazy first use might need (keyd and the ui call it before lock-down).
void warm_up();

}  // namespace redoubt::ipc::sealed
