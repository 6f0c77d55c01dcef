#include "tests/support/onion.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace redoubt::testsupport {

namespace {
std::string base32_lower(const std::vector<uint8_t>& in) {
  static const char* kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : in) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}
}  // namespace

std::string onion_v3_address(const std::array<uint8_t, 32>& pub) {
  const std::string prefix = ".onion checksum";
  std::vector<uint8_t> msg(prefix.begin(), prefix.end());
  msg.insert(msg.end(), pub.begin(), pub.end());
  msg.push_back(3);
  uint8_t digest[32];
  unsigned int len = 0;
  if (EVP_Digest(msg.data(), msg.size(), digest, &len, EVP_sha3_256(), nullptr) != 1) {
    throw std::runtime_error("onion: SHA3-256 failed");
  }
  std::vector<uint8_t> raw(pub.begin(), pub.end());
  raw.push_back(digest[0]);
  raw.push_back(digest[1]);
  raw.push_back(3);
  return base32_lower(raw) + ".onion";  // 35 bytes -> 56 characters
}

std::string onion_v3_address_from_seed(const std::array<uint8_t, 32>& seed) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()),
      EVP_PKEY_free);
  if (!key) throw std::runtime_error("onion: ed25519 key");
  std::array<uint8_t, 32> pub{};
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32) {
    throw std::runtime_error("onion: ed25519 public key");
  }
  return onion_v3_address(pub);
}

std::string default_universe_onion() {
  std::array<uint8_t, 32> seed{};
  const std::string tag = "redoubt-testnet onion";
  for (size_t i = 0; i < tag.size(); ++i) seed[i] = static_cast<uint8_t>(tag[i]);
  return onion_v3_address_from_seed(seed);
}

}  // namespace redoubt::testsupport
