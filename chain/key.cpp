#include "chain/key.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstring>
#include <vector>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/hash.h"

namespace redoubt::chain {
namespace {

const secp256k1_context* ctx() {
  return secp_context();
}

secp256k1_pubkey to_secp(const std::array<uint8_t, 64>& opaque) {
  secp256k1_pubkey pk;
  static_assert(sizeof(pk.data) == 64);
  std::memcpy(pk.data, opaque.data(), 64);
  return pk;
}

void check_tweak(ByteSpan tweak) {
  if (tweak.size() != 32) throw ChainError("key tweak must be 32 bytes");
}

// Strict DER parts: offsets of R and S inside a signature that passed
// is_strict_der().
struct DerParts {
  ByteSpan r;
  ByteSpan s;
};

DerParts der_parts(ByteSpan sig) {
  size_t len_r = sig[3];
  size_t len_s = sig[5 + len_r];
  return {sig.subspan(4, len_r), sig.subspan(6 + len_r, len_s)};
}

// A positive minimal DER integer (at most 33 bytes, with a leading zero only
// before a high bit) into 32 big-endian bytes; false if it cannot fit.
bool int_to_32(ByteSpan in, uint8_t* out) {
  if (in.size() == 33) {
    if (in[0] != 0) return false;
    in = in.subspan(1);
  }
  if (in.size() > 32) return false;
  std::memset(out, 0, 32);
  std::memcpy(out + 32 - in.size(), in.data(), in.size());
  return true;
}

bool all_zero(const uint8_t* p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= p[i];
  return acc == 0;
}

secp256k1_ecdsa_signature parse_compact_sig(const std::array<uint8_t, 64>& rs) {
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx(), &sig, rs.data()) != 1) {
    throw ChainError("signature r or s is not below the curve order");
  }
  return sig;
}

// Multiples of G for fast public tweaks (BIP32 public derivation, the
// wallet's address-scanning hot path): points[j*256 + b] = b * 256^(31-j) * G,
// so t*G for a big-endian scalar t is the sum of one entry per non-zero byte.
// 32*255 points (512 KiB), built once on first use from 32 generator
// multiples and 8160 additions (~20 ms). Entry b = 0 (infinity) is unused.
struct GeneratorTable {
  std::vector<secp256k1_pubkey> points = std::vector<secp256k1_pubkey>(size_t{32} * 256);
};

const GeneratorTable& generator_table() {
  static const GeneratorTable* table = [] {
    auto* t = new GeneratorTable();
    for (size_t j = 0; j < 32; ++j) {
      uint8_t scalar[32] = {};
      scalar[j] = 1;
      if (secp256k1_ec_pubkey_create(ctx(), &t->points[j * 256 + 1], scalar) != 1) {
        throw ChainError("cannot build the generator table");
      }
      for (size_t b = 2; b < 256; ++b) {
        const secp256k1_pubkey* in[2] = {&t->points[j * 256 + b - 1], &t->points[j * 256 + 1]};
        if (secp256k1_ec_pubkey_combine(ctx(), &t->points[j * 256 + b], in, 2) != 1) {
          throw ChainError("cannot build the generator table");
        }
      }
    }
    return t;
  }();
  return *table;
}

}  // namespace

// ---- PrivateKey ----

bool PrivateKey::is_valid(ByteSpan bytes) {
  return bytes.size() == kSize && secp256k1_ec_seckey_verify(ctx(), bytes.data()) == 1;
}

PrivateKey PrivateKey::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kSize) throw ChainError("private key must be 32 bytes");
  if (!is_valid(bytes)) throw ChainError("private key is zero or not below the curve order");
  return PrivateKey(SecureBytes(bytes));
}

PrivateKey PrivateKey::generate() {
  SecureBytes k(kSize);
  // A random 32-byte value is >= n with probability ~2^-128; retry anyway.
  for (int tries = 0; tries < 64; ++tries) {
    if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) {
      throw ChainError("RAND_bytes failed");
    }
    if (is_valid(k.span())) return PrivateKey(std::move(k));
  }
  throw ChainError("cannot generate a valid private key");
}

PublicKey PrivateKey::public_key() const {
  secp256k1_pubkey pk;
  if (secp256k1_ec_pubkey_create(ctx(), &pk, key_.data()) != 1) {
    throw ChainError("invalid private key");
  }
  PublicKey out;
  std::memcpy(out.opaque_.data(), pk.data, 64);
  return out;
}

namespace {
// RFC6979 signature, with `extra` (32 bytes) mixed into the nonce when given.
// nullptr noncefp = secp256k1_nonce_function_rfc6979; the result is already
// lower-S.
std::array<uint8_t, 64> sign_rfc6979(const Hash256& digest, const uint8_t* key,
                                     const uint8_t* extra) {
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_sign(ctx(), &sig, digest.data(), key, nullptr, extra) != 1) {
    throw ChainError("ECDSA signing failed");
  }
  std::array<uint8_t, 64> rs;
  secp256k1_ecdsa_signature_serialize_compact(ctx(), rs.data(), &sig);
  return rs;
}
}  // namespace

std::array<uint8_t, 64> PrivateKey::sign_compact(const Hash256& digest) const {
  return sign_rfc6979(digest, key_.data(), nullptr);
}

Bytes PrivateKey::sign_der_ground(const Hash256& digest) const {
  // r < 0x80.. (no DER padding byte) and r, s without a leading zero byte
  // (not shortened): half of the attempts fit, so the loop ends after ~2.
  auto fits = [](const std::array<uint8_t, 64>& rs) {
    return rs[0] != 0 && rs[0] < 0x80 && rs[32] != 0;
  };
  std::array<uint8_t, 64> rs = sign_rfc6979(digest, key_.data(), nullptr);
  std::array<uint8_t, 32> extra{};
  for (uint32_t counter = 1; !fits(rs); ++counter) {
    if (counter == 0) throw ChainError("ECDSA signature grinding did not end");
    for (size_t i = 0; i < 4; ++i) extra[i] = static_cast<uint8_t>(counter >> (8 * i));
    rs = sign_rfc6979(digest, key_.data(), extra.data());
  }
  Bytes der = compact_to_der(rs);
  if (der.size() != kGroundDerSize) throw ChainError("ground signature has an unexpected size");
  return der;
}

Bytes PrivateKey::sign_der(const Hash256& digest) const {
  return compact_to_der(sign_compact(digest));
}

RecoverableSignature PrivateKey::sign_recoverable(const Hash256& digest) const {
  secp256k1_ecdsa_recoverable_signature sig;
  if (secp256k1_ecdsa_sign_recoverable(ctx(), &sig, digest.data(), key_.data(), nullptr, nullptr) !=
      1) {
    throw ChainError("ECDSA signing failed");
  }
  RecoverableSignature out;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx(), out.rs.data(), &out.recid, &sig);
  return out;
}

PrivateKey PrivateKey::tweak_add(ByteSpan tweak32) const {
  check_tweak(tweak32);
  SecureBytes k = key_.clone();
  if (secp256k1_ec_seckey_tweak_add(ctx(), k.data(), tweak32.data()) != 1) {
    throw ChainError("private key tweak out of range or result zero");
  }
  return PrivateKey(std::move(k));
}

// ---- PublicKey ----

PublicKey PublicKey::parse(ByteSpan bytes) {
  bool ok_form = (bytes.size() == kCompressedSize && (bytes[0] == 0x02 || bytes[0] == 0x03)) ||
                 (bytes.size() == kUncompressedSize && bytes[0] == 0x04);
  if (!ok_form) throw ChainError("public key must be 33 bytes (02/03) or 65 bytes (04)");
  secp256k1_pubkey pk;
  if (secp256k1_ec_pubkey_parse(ctx(), &pk, bytes.data(), bytes.size()) != 1) {
    throw ChainError("public key is not a point on secp256k1");
  }
  PublicKey out;
  std::memcpy(out.opaque_.data(), pk.data, 64);
  return out;
}

std::array<uint8_t, PublicKey::kCompressedSize> PublicKey::compressed() const {
  secp256k1_pubkey pk = to_secp(opaque_);
  std::array<uint8_t, kCompressedSize> out;
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(ctx(), out.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
  return out;
}

std::array<uint8_t, PublicKey::kUncompressedSize> PublicKey::uncompressed() const {
  secp256k1_pubkey pk = to_secp(opaque_);
  std::array<uint8_t, kUncompressedSize> out;
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(ctx(), out.data(), &len, &pk, SECP256K1_EC_UNCOMPRESSED);
  return out;
}

Bytes PublicKey::serialize(bool compressed_form) const {
  if (compressed_form) {
    auto c = compressed();
    return Bytes(c.begin(), c.end());
  }
  auto u = uncompressed();
  return Bytes(u.begin(), u.end());
}

Hash160 PublicKey::key_hash(bool compressed_form) const {
  if (compressed_form) return hash160(compressed());
  return hash160(uncompressed());
}

bool PublicKey::verify_compact(const Hash256& digest, const std::array<uint8_t, 64>& rs,
                               bool allow_high_s) const {
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx(), &sig, rs.data()) != 1) return false;
  if (allow_high_s) secp256k1_ecdsa_signature_normalize(ctx(), &sig, &sig);
  secp256k1_pubkey pk = to_secp(opaque_);
  return secp256k1_ecdsa_verify(ctx(), &sig, digest.data(), &pk) == 1;
}

bool PublicKey::verify_der(const Hash256& digest, ByteSpan der, bool allow_high_s) const {
  std::array<uint8_t, 64> rs;
  try {
    rs = der_to_compact(der);
  } catch (const ChainError&) {
    return false;
  }
  return verify_compact(digest, rs, allow_high_s);
}

std::optional<PublicKey> PublicKey::recover(const Hash256& digest,
                                            const RecoverableSignature& sig) {
  if (sig.recid < 0 || sig.recid > 3) return std::nullopt;
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx(), &rsig, sig.rs.data(), sig.recid) !=
      1) {
    return std::nullopt;
  }
  secp256k1_pubkey pk;
  if (secp256k1_ecdsa_recover(ctx(), &pk, &rsig, digest.data()) != 1) return std::nullopt;
  PublicKey out;
  std::memcpy(out.opaque_.data(), pk.data, 64);
  return out;
}

PublicKey PublicKey::tweak_add(ByteSpan tweak32) const {
  check_tweak(tweak32);
  if (all_zero(tweak32.data(), 32)) return *this;  // P + 0*G
  if (secp256k1_ec_seckey_verify(ctx(), tweak32.data()) != 1) {
    throw ChainError("public key tweak out of range");
  }
  // P + sum_j table[j][t_j]: at most 33 mixed additions and one inversion
  // in secp256k1_ec_pubkey_combine, against ~128 doublings in
  // secp256k1_ec_pubkey_tweak_add. Both are variable-time in the tweak,
  // which here is public data (derived from an xpub).
  const GeneratorTable& table = generator_table();
  secp256k1_pubkey self = to_secp(opaque_);
  const secp256k1_pubkey* terms[33];
  size_t n = 0;
  terms[n++] = &self;
  for (size_t j = 0; j < 32; ++j) {
    if (tweak32[j] != 0) terms[n++] = &table.points[j * 256 + tweak32[j]];
  }
  secp256k1_pubkey sum;
  if (secp256k1_ec_pubkey_combine(ctx(), &sum, terms, n) != 1) {
    throw ChainError("public key tweak gives the point at infinity");
  }
  PublicKey out;
  std::memcpy(out.opaque_.data(), sum.data, 64);
  return out;
}

bool PublicKey::operator==(const PublicKey& other) const {
  return compressed() == other.compressed();
}

// ---- DER (BIP66) ----

bool is_strict_der(ByteSpan sig) {
  // Format: 0x30 [total] 0x02 [len R] [R] 0x02 [len S] [S]; see BIP66.
  if (sig.size() < 8 || sig.size() > 72) return false;
  if (sig[0] != 0x30) return false;
  if (sig[1] != sig.size() - 2) return false;
  size_t len_r = sig[3];
  if (5 + len_r >= sig.size()) return false;
  size_t len_s = sig[5 + len_r];
  if (len_r + len_s + 6 != sig.size()) return false;
  if (sig[2] != 0x02 || len_r == 0) return false;
  if (sig[4] & 0x80) return false;                                    // negative R
  if (len_r > 1 && sig[4] == 0x00 && !(sig[5] & 0x80)) return false;  // non-minimal R
  if (sig[len_r + 4] != 0x02 || len_s == 0) return false;
  if (sig[len_r + 6] & 0x80) return false;  // negative S
  if (len_s > 1 && sig[len_r + 6] == 0x00 && !(sig[len_r + 7] & 0x80)) return false;
  return true;
}

std::array<uint8_t, 64> der_to_compact(ByteSpan der) {
  if (!is_strict_der(der)) throw ChainError("signature is not strict DER (BIP66)");
  DerParts p = der_parts(der);
  std::array<uint8_t, 64> rs;
  if (!int_to_32(p.r, rs.data()) || !int_to_32(p.s, rs.data() + 32)) {
    throw ChainError("signature r or s longer than 32 bytes");
  }
  if (all_zero(rs.data(), 32) || all_zero(rs.data() + 32, 32)) {
    throw ChainError("signature r or s is zero");
  }
  parse_compact_sig(rs);  // range check against n
  return rs;
}

Bytes compact_to_der(const std::array<uint8_t, 64>& rs) {
  secp256k1_ecdsa_signature sig = parse_compact_sig(rs);
  uint8_t out[72];
  size_t len = sizeof(out);
  if (secp256k1_ecdsa_signature_serialize_der(ctx(), out, &len, &sig) != 1) {
    throw ChainError("DER serialization failed");
  }
  return Bytes(out, out + len);
}

bool is_low_s(ByteSpan der) {
  secp256k1_ecdsa_signature sig = parse_compact_sig(der_to_compact(der));
  // normalize returns 1 exactly when s was high.
  return secp256k1_ecdsa_signature_normalize(ctx(), nullptr, &sig) == 0;
}

// ---- WIF ----

std::string wif_encode(const PrivateKey& key, bool compressed, uint8_t version) {
  SecureBytes payload(compressed ? 34 : 33);
  payload[0] = version;
  std::memcpy(payload.data() + 1, key.bytes().data(), 32);
  if (compressed) payload[33] = 0x01;
  return base58check_encode(payload.span());
}

WifKey wif_decode(std::string_view wif, std::optional<uint8_t> expected_version) {
  Bytes raw = base58check_decode(wif);
  SecureBytes payload(raw);
  secure_wipe(raw);
  bool compressed;
  if (payload.size() == 34 && payload[33] == 0x01) {
    compressed = true;
  } else if (payload.size() == 33) {
    compressed = false;
  } else {
    throw ChainError("WIF payload must be 33 bytes, or 34 ending in 0x01");
  }
  if (expected_version && payload[0] != *expected_version) {
    throw ChainError("WIF key is for another network (version byte " + std::to_string(payload[0]) +
                     ")");
  }
  return WifKey{PrivateKey::from_bytes(payload.span().subspan(1, 32)), compressed, payload[0]};
}

}  // namespace redoubt::chain
