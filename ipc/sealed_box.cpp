#include "ipc/sealed_box.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

namespace redoubt::ipc::sealed {
namespace {

constexpr size_t kTagSize = 16;
constexpr size_t kNonceSize = 12;
constexpr std::string_view kInfo = "redoubt sealed box v1";
constexpr const char* kOpenFailed =
    "a sealed secret did not open (tampered, for another purpose, or sealed to an earlier keyd; "
    "run the command again)";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey private_key(chain::ByteSpan raw) {
  Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, raw.data(), raw.size()));
  if (!k) throw SealError("X25519 private key rejected");
  return k;
}

Pkey public_key(chain::ByteSpan raw) {
  if (raw.size() != kKeySize) throw SealError("a sealing key must be 32 bytes");
  Pkey k(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, raw.data(), raw.size()));
  if (!k) throw SealError("X25519 public key rejected");
  return k;
}

PublicKey public_of(EVP_PKEY* k) {
  PublicKey out{};
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(k, out.data(), &len) != 1 || len != out.size())
    throw SealError("X25519 public key unavailable");
  return out;
}

// Key (32) || nonce (12) for one blob, from the shared secret and both keys.
chain::SecureBytes derive(EVP_PKEY* own, chain::ByteSpan peer_raw, chain::ByteSpan sender_pub,
                          chain::ByteSpan recipient_pub) {
  Pkey peer = public_key(peer_raw);
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(own, nullptr));
  chain::SecureBytes shared(kKeySize);
  size_t len = shared.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1 || len != kKeySize)
    throw SealError(kOpenFailed);  // includes the all-zero (small-order) result

  chain::Bytes salt(sender_pub.begin(), sender_pub.end());
  salt.insert(salt.end(), recipient_pub.begin(), recipient_pub.end());
  chain::SecureBytes okm(kKeySize + kNonceSize);
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* kctx = kdf != nullptr ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared.data(), shared.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kInfo.data()),
                                        kInfo.size()),
      OSSL_PARAM_construct_end()};
  bool ok = kctx != nullptr && EVP_KDF_derive(kctx, okm.data(), okm.size(), params) == 1;
  EVP_KDF_CTX_free(kctx);
  if (!ok) throw SealError("HKDF failed");
  return okm;
}

// "redoubt-sealed-v1" NUL purpose NUL network: what the tag authenticates
// besides the ciphertext.
std::string associated_data(Purpose purpose, chain::Network network) {
  std::string ad = "redoubt-sealed-v1";
  ad.push_back('\0');
  ad += purpose_name(purpose);
  ad.push_back('\0');
  ad += chain::params_for(network).name;
  return ad;
}

// ChaCha20-Poly1305 in one direction. `in`/`out` have the same length; the
// tag is written to or read from `tag`.
bool aead(bool encrypt, const chain::SecureBytes& okm, const std::string& ad, const uint8_t* in,
          size_t len, uint8_t* out, uint8_t* tag) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> c(EVP_CIPHER_CTX_new());
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  std::unique_ptr<EVP_CIPHER, decltype(&EVP_CIPHER_free)> hold(cipher, EVP_CIPHER_free);
  if (!c || cipher == nullptr) return false;
  if (EVP_CipherInit_ex2(c.get(), cipher, nullptr, nullptr, encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_CipherInit_ex2(c.get(), nullptr, okm.data(), okm.data() + kKeySize, -1, nullptr) != 1)
    return false;
  int n = 0;
  if (EVP_CipherUpdate(c.get(), nullptr, &n, reinterpret_cast<const uint8_t*>(ad.data()),
                       static_cast<int>(ad.size())) != 1)
    return false;
  if (len > 0 && (EVP_CipherUpdate(c.get(), out, &n, in, static_cast<int>(len)) != 1 ||
                  static_cast<size_t>(n) != len))
    return false;
  if (!encrypt && EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, tag) != 1)
    return false;
  uint8_t end[16];
  if (EVP_CipherFinal_ex(c.get(), end, &n) != 1 || n != 0) return false;
  if (encrypt && EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, tag) != 1)
    return false;
  return true;
}

}  // namespace

std::string_view purpose_name(Purpose p) {
  switch (p) {
    case Purpose::kPassword:
      return "password";
    case Purpose::kNewPassword:
      return "new-password";
    case Purpose::kPhrase:
      return "phrase";
    case Purpose::kPassphrase:
      return "passphrase";
    case Purpose::kNewPhrase:
      return "new-phrase";
  }
  return "?";
}

KeyPair KeyPair::generate() {
  KeyPair kp;
  kp.private_ = chain::SecureBytes(kKeySize);
  if (RAND_priv_bytes(kp.private_.data(), static_cast<int>(kp.private_.size())) != 1)
    throw SealError("no randomness for a sealing key");
  kp.public_ = public_of(private_key(kp.private_.span()).get());
  return kp;
}

chain::SecureBytes KeyPair::open(chain::ByteSpan blob, Purpose purpose,
                                 chain::Network network) const {
  if (private_.empty()) throw SealError("no sealing key");
  if (blob.size() < sealed_size(0) || blob.size() > sealed_size(kMaxPlaintext) ||
      (blob.size() - kOverhead) % kPadBlock != 0 || blob[0] != kVersion)
    throw SealError(kOpenFailed);
  chain::ByteSpan sender = blob.subspan(1, kKeySize);
  chain::ByteSpan body = blob.subspan(1 + kKeySize, blob.size() - kOverhead);
  Pkey own = private_key(private_.span());
  chain::SecureBytes okm = derive(own.get(), sender, sender, public_);
  chain::SecureBytes framed(body.size());
  uint8_t tag[kTagSize];
  std::copy(blob.end() - kTagSize, blob.end(), tag);
  if (!aead(false, okm, associated_data(purpose, network), body.data(), body.size(), framed.data(),
            tag))
    throw SealError(kOpenFailed);  // framed is wiped as it goes
  size_t n = static_cast<size_t>(framed[0]) << 8 | framed[1];
  if (n > framed.size() - 2) throw SealError(kOpenFailed);
  return chain::SecureBytes(framed.span().subspan(2, n));
}

chain::Bytes seal(chain::ByteSpan recipient, chain::ByteSpan plaintext, Purpose purpose,
                  chain::Network network) {
  if (plaintext.size() > kMaxPlaintext) throw SealError("secret too long to seal");
  KeyPair eph = KeyPair::generate();
  Pkey own = private_key(eph.private_.span());
  chain::SecureBytes okm = derive(own.get(), recipient, eph.public_key(), recipient);
  const size_t size = sealed_size(plaintext.size());
  chain::SecureBytes framed(size - kOverhead);  // zero-filled: the padding
  framed[0] = static_cast<uint8_t>(plaintext.size() >> 8);
  framed[1] = static_cast<uint8_t>(plaintext.size());
  std::copy(plaintext.begin(), plaintext.end(), framed.data() + 2);
  chain::Bytes blob(size);
  blob[0] = kVersion;
  std::copy(eph.public_key().begin(), eph.public_key().end(), blob.begin() + 1);
  uint8_t* body = blob.data() + 1 + kKeySize;
  if (!aead(true, okm, associated_data(purpose, network), framed.data(), framed.size(), body,
            body + framed.size()))
    throw SealError("sealing failed");
  return blob;
}

void warm_up() {
  KeyPair k = KeyPair::generate();
  (void)k.open(seal(k.public_key(), {}, Purpose::kPassword, chain::Network::kMainnet),
               Purpose::kPassword, chain::Network::kMainnet);
}

}  // namespace redoubt::ipc::sealed
