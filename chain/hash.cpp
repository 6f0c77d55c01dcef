#include "chain/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <memory>

#include "chain/error.h"

namespace redoubt::chain {
namespace {

// RIPEMD-160 lives in OpenSSL 3's legacy provider on some builds; the EVP
// fetch works with the default provider on Debian 12 (OpenSSL 3.0).
const EVP_MD* ripemd_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_get_digestbyname("RIPEMD160");
    if (m == nullptr) throw ChainError("OpenSSL provides no RIPEMD-160");
    return m;
  }();
  return md;
}

// Fetched once: OpenSSL 3's one-shot SHA256() fetches the algorithm (under a
// global lock) on every call, which doubled the cost of a 64-byte hash (the
// merkle and header hashing of a sync).
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) throw ChainError("OpenSSL provides no SHA-256");
    return m;
  }();
  return md;
}

}  // namespace

Hash256 sha256(ByteSpan data) {
  Hash256 out;
  unsigned int len = 0;
  // EVP_Digest frees (and wipes) its context: nothing of `data` stays behind.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, sha256_md(), nullptr) != 1 ||
      len != out.size()) {
    throw ChainError("SHA-256 failed");
  }
  return out;
}

Hash256 sha256d(ByteSpan data) {
  Hash256 once = sha256(data);
  return sha256(once);
}

Hash160 ripemd160(ByteSpan data) {
  Hash160 out;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, ripemd_md(), nullptr) != 1 ||
      len != out.size()) {
    throw ChainError("RIPEMD-160 failed");
  }
  return out;
}

Hash160 hash160(ByteSpan data) {
  Hash256 s = sha256(data);
  return ripemd160(s);
}

std::array<uint8_t, 64> hmac_sha512(ByteSpan key, ByteSpan data) {
  std::array<uint8_t, 64> out;
  unsigned int len = 0;
  if (HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &len) == nullptr ||
      len != out.size()) {
    throw ChainError("HMAC-SHA512 failed");
  }
  return out;
}

Bytes pbkdf2_sha512(ByteSpan password, ByteSpan salt, uint32_t iterations, size_t out_len) {
  Bytes out(out_len);
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                        static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha512(),
                        static_cast<int>(out_len), out.data()) != 1) {
    throw ChainError("PBKDF2 failed");
  }
  return out;
}

}  // namespace redoubt::chain
