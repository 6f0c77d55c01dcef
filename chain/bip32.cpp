#include "chain/bip32.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <cstring>
#include <memory>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/hash.h"

namespace redoubt::chain {
namespace {

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

uint32_t get_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

uint32_t fingerprint_of(const std::array<uint8_t, 33>& compressed) {
  Hash160 h = hash160(compressed);
  return get_be32(h.data());
}

// HMAC-SHA512 output I = IL || IR; wiped when it goes out of scope because
// for private derivation both halves are secret.
struct Hmac64 {
  std::array<uint8_t, 64> bytes;
  ~Hmac64() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  ByteSpan il() const { return ByteSpan(bytes).first(32); }
  ByteSpan ir() const { return ByteSpan(bytes).last(32); }
};

// HMAC-SHA512 (RFC 2104) for public derivation only, where key (chain
// code) and data (public key, index) are not secret: a thread-local digest
// context and SHA-512 fetched once make it about twice as fast as OpenSSL's
// one-shot HMAC(), which looks the algorithm up on every call. Private
// derivation keeps using hmac_sha512(), whose state OpenSSL wipes.
std::array<uint8_t, 64> hmac_sha512_public(ByteSpan key, ByteSpan data) {
  static EVP_MD* const md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    if (m == nullptr) throw ChainError("OpenSSL provides no SHA-512");
    return m;
  }();
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || key.size() > 128) throw ChainError("HMAC-SHA512 failed");
  uint8_t pad[128];
  std::memset(pad, 0x36, sizeof(pad));
  for (size_t i = 0; i < key.size(); ++i) pad[i] ^= key[i];
  std::array<uint8_t, 64> inner, out;
  unsigned int len = 0;
  bool ok = EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1 &&
            EVP_DigestUpdate(ctx.get(), pad, sizeof(pad)) == 1 &&
            EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(ctx.get(), inner.data(), &len) == 1;
  for (uint8_t& b : pad) b ^= 0x36 ^ 0x5c;  // ipad -> opad
  ok = ok && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1 &&
       EVP_DigestUpdate(ctx.get(), pad, sizeof(pad)) == 1 &&
       EVP_DigestUpdate(ctx.get(), inner.data(), inner.size()) == 1 &&
       EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1;
  if (!ok || len != out.size()) throw ChainError("HMAC-SHA512 failed");
  return out;
}

// Fields shared by both serializations (BIP32 "Serialization format").
struct Header {
  uint8_t depth;
  uint32_t parent_fingerprint;
  uint32_t child_number;
};

Header check_header(ByteSpan b, uint32_t version) {
  if (b.size() != 78) throw ChainError("extended key must be 78 bytes");
  if (get_be32(b.data()) != version) throw ChainError("extended key has the wrong version bytes");
  Header h{b[4], get_be32(b.data() + 5), get_be32(b.data() + 9)};
  // A master key (depth 0) has no parent and index 0 (BIP32 test vector 5).
  if (h.depth == 0 && (h.parent_fingerprint != 0 || h.child_number != 0)) {
    throw ChainError("extended key of depth 0 with a parent fingerprint or index");
  }
  return h;
}

}  // namespace

// ---- paths ----

KeyPath parse_key_path(std::string_view path) {
  KeyPath out;
  if (path == "m" || path == "M" || path.empty()) return out;
  if (path.starts_with("m/") || path.starts_with("M/")) path.remove_prefix(2);
  while (true) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    bool hardened = false;
    if (!part.empty() && (part.back() == '\'' || part.back() == 'h' || part.back() == 'H')) {
      hardened = true;
      part.remove_suffix(1);
    }
    if (part.empty() || part.size() > 10) throw ChainError("bad key path component");
    uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || ptr != part.data() + part.size() || v >= kHardened ||
        (part.size() > 1 && part[0] == '0')) {
      throw ChainError("bad key path component: " + std::string(part));
    }
    out.push_back(hardened ? (v | kHardened) : v);
    if (out.size() > 255) throw ChainError("key path deeper than 255");
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string format_key_path(const KeyPath& path) {
  std::string s = "m";
  for (uint32_t i : path) {
    s += '/';
    s += std::to_string(i & ~kHardened);
    if (i & kHardened) s += '\'';
  }
  return s;
}

// ---- ExtendedPublicKey ----

ExtendedPublicKey::ExtendedPublicKey(PublicKey key, const std::array<uint8_t, 32>& chain_code,
                                     uint8_t depth, uint32_t parent_fingerprint,
                                     uint32_t child_number)
    : key_(key),
      key_bytes_(key.compressed()),
      chain_code_(chain_code),
      depth_(depth),
      parent_fingerprint_(parent_fingerprint),
      child_number_(child_number) {}

PublicKey ExtendedPublicKey::derive_pubkey(uint32_t index) const {
  if (index & kHardened) throw ChainError("cannot derive a hardened child from a public key");
  // I = HMAC-SHA512(c, serP(K) || ser32(i)); child = K + IL*G.
  uint8_t data[37];
  std::memcpy(data, key_bytes_.data(), 33);
  put_be32(data + 33, index);
  Hmac64 I{hmac_sha512_public(chain_code_, ByteSpan(data, sizeof(data)))};
  return key_.tweak_add(I.il());
}

ExtendedPublicKey ExtendedPublicKey::derive(uint32_t index) const {
  if (depth_ == 255) throw ChainError("BIP32 depth limit reached");
  if (index & kHardened) throw ChainError("cannot derive a hardened child from a public key");
  uint8_t data[37];
  std::memcpy(data, key_bytes_.data(), 33);
  put_be32(data + 33, index);
  Hmac64 I{hmac_sha512_public(chain_code_, ByteSpan(data, sizeof(data)))};
  std::array<uint8_t, 32> cc;
  std::memcpy(cc.data(), I.ir().data(), 32);
  return ExtendedPublicKey(key_.tweak_add(I.il()), cc, static_cast<uint8_t>(depth_ + 1),
                           fingerprint(), index);
}

ExtendedPublicKey ExtendedPublicKey::derive_path(const KeyPath& path) const {
  ExtendedPublicKey k = *this;
  for (uint32_t i : path) k = k.derive(i);
  return k;
}

uint32_t ExtendedPublicKey::fingerprint() const {
  return fingerprint_of(key_bytes_);
}

std::array<uint8_t, 78> ExtendedPublicKey::serialize(uint32_t version) const {
  std::array<uint8_t, 78> b;
  put_be32(b.data(), version);
  b[4] = depth_;
  put_be32(b.data() + 5, parent_fingerprint_);
  put_be32(b.data() + 9, child_number_);
  std::memcpy(b.data() + 13, chain_code_.data(), 32);
  std::memcpy(b.data() + 45, key_bytes_.data(), 33);
  return b;
}

std::string ExtendedPublicKey::to_base58(uint32_t version) const {
  return base58check_encode(serialize(version));
}

ExtendedPublicKey ExtendedPublicKey::parse(ByteSpan b, uint32_t version) {
  Header h = check_header(b, version);
  if (b[45] != 0x02 && b[45] != 0x03) throw ChainError("extended public key has a bad key prefix");
  PublicKey key = PublicKey::parse(b.subspan(45, 33));
  std::array<uint8_t, 32> cc;
  std::memcpy(cc.data(), b.data() + 13, 32);
  return ExtendedPublicKey(key, cc, h.depth, h.parent_fingerprint, h.child_number);
}

ExtendedPublicKey ExtendedPublicKey::from_base58(std::string_view s, uint32_t version) {
  Bytes b = base58check_decode(s);
  return parse(b, version);
}

uint32_t ExtendedPublicKey::peek_version(std::string_view s) {
  Bytes b = base58check_decode(s);
  if (b.size() != 78) {
    secure_wipe(b);
    throw ChainError("extended key must be 78 bytes");
  }
  uint32_t v = get_be32(b.data());
  secure_wipe(b);  // it may have been an xprv
  return v;
}

bool ExtendedPublicKey::operator==(const ExtendedPublicKey& o) const {
  return serialize(0) == o.serialize(0);
}

// ---- ExtendedPrivateKey ----

ExtendedPrivateKey ExtendedPrivateKey::from_seed(ByteSpan seed) {
  if (seed.size() < 16 || seed.size() > 64) throw ChainError("BIP32 seed must be 16..64 bytes");
  static constexpr std::string_view kKey = "Bitcoin seed";
  Hmac64 I{hmac_sha512(as_span(kKey), seed)};
  return ExtendedPrivateKey(PrivateKey::from_bytes(I.il()), SecureBytes(I.ir()), 0, 0, 0);
}

ExtendedPrivateKey ExtendedPrivateKey::clone() const {
  return ExtendedPrivateKey(key_.clone(), chain_code_.clone(), depth_, parent_fingerprint_,
                            child_number_);
}

ExtendedPrivateKey ExtendedPrivateKey::derive(uint32_t index) const {
  if (depth_ == 255) throw ChainError("BIP32 depth limit reached");
  // Hardened: data = 0x00 || ser256(k) || ser32(i); normal: serP(K) || ser32(i).
  SecureBytes data(37);
  if (index & kHardened) {
    data[0] = 0;
    std::memcpy(data.data() + 1, key_.bytes().data(), 32);
  } else {
    auto pub = key_.public_key().compressed();
    std::memcpy(data.data(), pub.data(), 33);
  }
  put_be32(data.data() + 33, index);
  Hmac64 I{hmac_sha512(chain_code_.span(), data.span())};
  return ExtendedPrivateKey(key_.tweak_add(I.il()), SecureBytes(I.ir()),
                            static_cast<uint8_t>(depth_ + 1), fingerprint(), index);
}

ExtendedPrivateKey ExtendedPrivateKey::derive_path(const KeyPath& path) const {
  ExtendedPrivateKey k = clone();
  for (uint32_t i : path) k = k.derive(i);
  return k;
}

ExtendedPublicKey ExtendedPrivateKey::neuter() const {
  std::array<uint8_t, 32> cc;
  std::memcpy(cc.data(), chain_code_.data(), 32);
  return ExtendedPublicKey(key_.public_key(), cc, depth_, parent_fingerprint_, child_number_);
}

uint32_t ExtendedPrivateKey::fingerprint() const {
  return fingerprint_of(key_.public_key().compressed());
}

SecureBytes ExtendedPrivateKey::serialize(uint32_t version) const {
  SecureBytes b(78);
  put_be32(b.data(), version);
  b[4] = depth_;
  put_be32(b.data() + 5, parent_fingerprint_);
  put_be32(b.data() + 9, child_number_);
  std::memcpy(b.data() + 13, chain_code_.data(), 32);
  b[45] = 0;
  std::memcpy(b.data() + 46, key_.bytes().data(), 32);
  return b;
}

SecureBytes ExtendedPrivateKey::to_base58(uint32_t version) const {
  std::string s = base58check_encode(serialize(version).span());
  SecureBytes out = SecureBytes::from_string(s);
  secure_wipe(s);
  return out;
}

ExtendedPrivateKey ExtendedPrivateKey::parse(ByteSpan b, uint32_t version) {
  Header h = check_header(b, version);
  if (b[45] != 0x00) throw ChainError("extended private key has a bad key prefix");
  return ExtendedPrivateKey(PrivateKey::from_bytes(b.subspan(46, 32)),
                            SecureBytes(b.subspan(13, 32)), h.depth, h.parent_fingerprint,
                            h.child_number);
}

ExtendedPrivateKey ExtendedPrivateKey::from_base58(std::string_view s, uint32_t version) {
  Bytes raw = base58check_decode(s);
  SecureBytes b(raw);
  secure_wipe(raw);
  return parse(b.span(), version);
}

}  // namespace redoubt::chain
