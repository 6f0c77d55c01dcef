// Keys and ECDSA: RFC6979 secp256k1 vectors, low-S, strict DER, WIF, invalid
// keys, recovery, tweaks, and SecureBytes behaviour.
#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <secp256k1.h>

#include <string>

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/key.h"
#include "chain/secure.h"

namespace redoubt::chain {
namespace {

Hash256 digest_of(std::string_view msg) {
  return sha256(as_span(msg));
}

PrivateKey key_hex(std::string_view hex) {
  return PrivateKey::from_bytes(from_hex(hex));
}

// Deterministic ECDSA (RFC6979, HMAC-SHA256) over secp256k1 with SHA-256 of
// the message. Published by the community (bitcointalk topic 285142; the
// same table appears in python-ecdsa, trezor-crypto, bitcoinj): r, and s
// after low-S normalization (BIP62), which libsecp256k1 always produces.
struct Rfc6979Vector {
  const char* key;
  const char* msg;
  const char* r;
  const char* s;
};
constexpr Rfc6979Vector kRfc6979[] = {
    {"0000000000000000000000000000000000000000000000000000000000000001", "Satoshi Nakamoto",
     "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8",
     "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"},
    {"0000000000000000000000000000000000000000000000000000000000000001",
     "All those moments will be lost in time, like tears in rain. Time to die...",
     "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b",
     "547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21"},
    {"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", "Satoshi Nakamoto",
     "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0",
     "6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5"},
    {"f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181", "Alan Turing",
     "7063ae83e7f62bbb171798131b4a0564b956930092b33b07b395615d9ec7e15c",
     "58dfcc1e00a35e1572f366ffe34ba0fc47db1e7189759b9fb233c5b05ab388ea"},
    {"e91671c46231f833a6406ccbea0e3e392c76c167bac1cb013f6f1013980455c2",
     "There is a computer disease that anybody who works with computers knows about. It's a very "
     "serious disease and it interferes completely with the work. The trouble with computers is "
     "that you 'play' with them!",
     "b552edd27580141f3b2a5463048cb7cd3e047b97c9f98076c32dbdf85a68718b",
     "279fa72dd19bfae05577e06c7c0c1900c371fcd5893f7e1d56a37d30174671f6"},
};

TEST(Rfc6979, PublishedSecp256k1Vectors) {
  for (const auto& v : kRfc6979) {
    SCOPED_TRACE(v.msg);
    PrivateKey k = key_hex(v.key);
    auto rs = k.sign_compact(digest_of(v.msg));
    EXPECT_EQ(to_hex(ByteSpan(rs).first(32)), v.r);
    EXPECT_EQ(to_hex(ByteSpan(rs).last(32)), v.s);
    EXPECT_TRUE(k.public_key().verify_compact(digest_of(v.msg), rs));
    // The DER form carries the same r and s and verifies.
    Bytes der = k.sign_der(digest_of(v.msg));
    EXPECT_EQ(der_to_compact(der), rs);
    EXPECT_TRUE(k.public_key().verify_der(digest_of(v.msg), der));
    EXPECT_TRUE(is_low_s(der));
  }
}

TEST(Rfc6979, DerVectorOverDoubleSha256) {
  // bitcoinex (Elixir) ecdsa_test: d = 123414253234542345423623, "hello
  // world" hashed with SHA-256d, signed with RFC6979, DER-serialized.
  PrivateKey k = key_hex(
      "00000000000000000000000000000000000000000000"
      "1a224cd1a01427f38b07");
  Bytes der = k.sign_der(sha256d(as_span("hello world")));
  EXPECT_EQ(to_hex(der),
            "3044022071223e8822fafbc0b09336d3f2a92fd7970a354d40185d69a297e0500e6c91e602202697b97c"
            "52da81a9328fd65a0ad883545f162cc3e5e2c70ea226c0d1cd4ae392");
}

// Low-R grinding (Bitcoin Core's CKey::Sign with grind=true, plus full-length
// r and s): every signature is exactly 70 bytes of DER, verifies, is low-S,
// is deterministic, and is the plain RFC6979 signature whenever that one
// already has the size. Over 300 digests some first attempts must have been
// too large (a high R is a coin flip), so the grinding path really ran.
TEST(Rfc6979, GroundSignaturesAreAlways70BytesAndValid) {
  PrivateKey k = key_hex(kRfc6979[1].key);
  int ground = 0;
  for (int i = 0; i < 300; ++i) {
    Hash256 d = digest_of("grind " + std::to_string(i));
    Bytes plain = k.sign_der(d);
    Bytes der = k.sign_der_ground(d);
    ASSERT_EQ(der.size(), kGroundDerSize);
    EXPECT_LT(der[4], 0x80) << "R is low: no DER padding byte";
    EXPECT_TRUE(is_strict_der(der));
    EXPECT_TRUE(is_low_s(der));
    EXPECT_TRUE(k.public_key().verify_der(d, der));
    EXPECT_EQ(der, k.sign_der_ground(d)) << "deterministic";
    // The plain signature is kept when the grinder would accept it: 70
    // bytes with r and s both full length (a 31-byte r with a high first
    // byte is also 70 bytes of DER, but not what the grinder keeps).
    const bool plain_fits = plain.size() == kGroundDerSize && plain[4] != 0 && plain[38] != 0;
    if (plain_fits) {
      EXPECT_EQ(der, plain) << "the first RFC6979 attempt is kept when it fits";
    } else {
      EXPECT_NE(der, plain);
      ++ground;
    }
  }
  EXPECT_GT(ground, 100) << "about half the plain signatures have a high R";
}

TEST(Ecdsa, HighSIsRejectedUnlessAllowed) {
  PrivateKey k = key_hex(kRfc6979[0].key);
  Hash256 d = digest_of(kRfc6979[0].msg);
  // The published high-S form of vector 1: s' = n - s.
  std::array<uint8_t, 64> high;
  Bytes r = from_hex(kRfc6979[0].r);
  Bytes s = from_hex("dbbd3162d46e9f9bef7feb87c16dc13b4f6568a87f4e83f728e2443ba586675c");
  std::copy(r.begin(), r.end(), high.begin());
  std::copy(s.begin(), s.end(), high.begin() + 32);
  Bytes der = compact_to_der(high);
  EXPECT_TRUE(is_strict_der(der));
  EXPECT_FALSE(is_low_s(der));
  EXPECT_FALSE(k.public_key().verify_der(d, der));
  EXPECT_TRUE(k.public_key().verify_der(d, der, /*allow_high_s=*/true));
}

TEST(Ecdsa, WrongMessageOrKeyFails) {
  PrivateKey k = key_hex(kRfc6979[3].key);
  Bytes der = k.sign_der(digest_of("a"));
  EXPECT_FALSE(k.public_key().verify_der(digest_of("b"), der));
  EXPECT_FALSE(key_hex(kRfc6979[0].key).public_key().verify_der(digest_of("a"), der));
}

TEST(Der, StrictRulesOfBip66) {
  PrivateKey k = PrivateKey::generate();
  Bytes good = k.sign_der(digest_of("der"));
  ASSERT_TRUE(is_strict_der(good));
  EXPECT_EQ(compact_to_der(der_to_compact(good)), good);  // round trip

  auto mutated = [&](auto f) {
    Bytes b = good;
    f(b);
    return b;
  };
  // Wrong sequence tag, wrong total length, trailing byte.
  EXPECT_FALSE(is_strict_der(mutated([](Bytes& b) { b[0] = 0x31; })));
  EXPECT_FALSE(is_strict_der(mutated([](Bytes& b) { b[1]++; })));
  EXPECT_FALSE(is_strict_der(mutated([](Bytes& b) { b.push_back(0); })));
  // Integer tag of R.
  EXPECT_FALSE(is_strict_der(mutated([](Bytes& b) { b[2] = 0x03; })));
  // Negative R: the high bit of its first byte set (with a minimal length).
  EXPECT_FALSE(is_strict_der(from_hex("3006020180020101")));
  // Non-minimal R (leading zero before a low byte).
  EXPECT_FALSE(is_strict_der(from_hex("300702020001020101")));
  // Zero-length S.
  EXPECT_FALSE(is_strict_der(from_hex("3006020101020001")));
  // Minimal valid form parses as DER but r = s = 1 is a legal signature value.
  EXPECT_TRUE(is_strict_der(from_hex("3006020101020101")));
  // Zero r is rejected by der_to_compact.
  EXPECT_THROW(der_to_compact(from_hex("3006020100020101")), ChainError);
  // Too short, too long, empty.
  EXPECT_FALSE(is_strict_der(Bytes{}));
  EXPECT_FALSE(is_strict_der(Bytes(73, 0x30)));
  EXPECT_THROW(der_to_compact(Bytes{0x30}), ChainError);
  // r = n is out of range even though the encoding is fine.
  Bytes r_is_n =
      from_hex("3026022100fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141020101");
  EXPECT_TRUE(is_strict_der(r_is_n));
  EXPECT_THROW(der_to_compact(r_is_n), ChainError);
  EXPECT_FALSE(k.public_key().verify_der(digest_of("der"), r_is_n));
}

TEST(PrivateKeyTest, InvalidKeysRejected) {
  EXPECT_THROW(key_hex("0000000000000000000000000000000000000000000000000000000000000000"),
               ChainError);
  // n itself and n+1, and the all-ones value.
  EXPECT_THROW(key_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"),
               ChainError);
  EXPECT_THROW(key_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142"),
               ChainError);
  EXPECT_THROW(key_hex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
               ChainError);
  EXPECT_THROW(PrivateKey::from_bytes(Bytes(31, 1)), ChainError);
  EXPECT_THROW(PrivateKey::from_bytes(Bytes(33, 1)), ChainError);
  // n-1 is the largest valid key.
  EXPECT_NO_THROW(key_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"));
}

TEST(PublicKeyTest, GeneratorAndEncodings) {
  // 1*G: the secp256k1 generator (SEC 2).
  PublicKey g =
      key_hex("0000000000000000000000000000000000000000000000000000000000000001").public_key();
  EXPECT_EQ(to_hex(g.compressed()),
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  EXPECT_EQ(to_hex(g.uncompressed()),
            "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  EXPECT_EQ(PublicKey::parse(g.uncompressed()), g);
  EXPECT_EQ(PublicKey::parse(g.compressed()), g);
  // HASH160 of G compressed is the well-known 751e76e8... (BIP173 example).
  EXPECT_EQ(to_hex(g.key_hash()), "751e76e8199196d454941c45d1b3a323f1433bd6");
}

TEST(PublicKeyTest, BadEncodingsRejected) {
  Bytes g = from_hex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  Bytes bad = g;
  bad[0] = 0x04;  // uncompressed tag on 33 bytes
  EXPECT_THROW(PublicKey::parse(bad), ChainError);
  // Hybrid (06/07) form is valid for libsecp256k1 but not for us.
  PublicKey gk = PublicKey::parse(g);
  auto u = gk.uncompressed();
  u[0] = 0x06;
  EXPECT_THROW(PublicKey::parse(u), ChainError);
  // x not on the curve: x = 5 has no y on secp256k1.
  Bytes off = from_hex("020000000000000000000000000000000000000000000000000000000000000005");
  EXPECT_THROW(PublicKey::parse(off), ChainError);
  EXPECT_THROW(PublicKey::parse(Bytes{}), ChainError);
}

TEST(Recoverable, RecoversSigner) {
  PrivateKey k = PrivateKey::generate();
  Hash256 d = digest_of("recover me");
  RecoverableSignature sig = k.sign_recoverable(d);
  auto pk = PublicKey::recover(d, sig);
  ASSERT_TRUE(pk.has_value());
  EXPECT_EQ(*pk, k.public_key());
  // Same r||s as the plain signature (both RFC6979, low-S).
  EXPECT_EQ(sig.rs, k.sign_compact(d));
  RecoverableSignature wrong = sig;
  wrong.recid ^= 1;
  auto other = PublicKey::recover(d, wrong);
  EXPECT_TRUE(!other.has_value() || !(*other == k.public_key()));
  wrong.recid = 4;
  EXPECT_FALSE(PublicKey::recover(d, wrong).has_value());
}

TEST(Tweak, PrivateAndPublicAgree) {
  PrivateKey k = PrivateKey::generate();
  Bytes t = from_hex("00000000000000000000000000000000000000000000000000000000000000ff");
  EXPECT_EQ(k.tweak_add(t).public_key(), k.public_key().tweak_add(t));
  // 1 + (n-1) = 0: invalid result.
  PrivateKey one = key_hex("0000000000000000000000000000000000000000000000000000000000000001");
  Bytes n_minus_1 = from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140");
  EXPECT_THROW(one.tweak_add(n_minus_1), ChainError);
  EXPECT_THROW(one.public_key().tweak_add(n_minus_1), ChainError);
  // A tweak >= n is rejected.
  Bytes n = from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  EXPECT_THROW(one.tweak_add(n), ChainError);
  EXPECT_THROW(one.tweak_add(Bytes(31, 0)), ChainError);
}

TEST(Tweak, FastPublicTweakMatchesLibsecp256k1) {
  // PublicKey::tweak_add uses a precomputed table of multiples of G; check
  // it against libsecp256k1's own secp256k1_ec_pubkey_tweak_add.
  auto raw = [](const PublicKey& p, const Bytes& t) {
    auto c = p.compressed();
    secp256k1_pubkey pk;
    EXPECT_EQ(secp256k1_ec_pubkey_parse(secp_context(), &pk, c.data(), c.size()), 1);
    EXPECT_EQ(secp256k1_ec_pubkey_tweak_add(secp_context(), &pk, t.data()), 1);
    std::array<uint8_t, 33> out;
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(secp_context(), out.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
    return out;
  };
  PublicKey base = PrivateKey::generate().public_key();
  std::vector<Bytes> tweaks = {
      from_hex("0000000000000000000000000000000000000000000000000000000000000001"),
      from_hex("ff00000000000000000000000000000000000000000000000000000000000000"),
      from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"),
      from_hex("0101010101010101010101010101010101010101010101010101010101010101"),
      from_hex("0000000000000000000000000000000000000000000000000000000000000000")};
  for (int i = 0; i < 200; ++i) {
    Bytes t(32);
    ASSERT_EQ(RAND_bytes(t.data(), 32), 1);
    if (i % 3 == 0) t[i % 32] = 0;  // exercise skipped zero bytes
    tweaks.push_back(t);
  }
  for (const Bytes& t : tweaks) {
    SCOPED_TRACE(to_hex(t));
    if (!PrivateKey::is_valid(t) && t != Bytes(32, 0)) continue;  // random >= n: ~2^-128
    EXPECT_EQ(base.tweak_add(t).compressed(), raw(base, t));
  }
  EXPECT_EQ(base.tweak_add(Bytes(32, 0)), base);
}

TEST(Wif, BitcoinWikiVector) {
  // en.bitcoin.it/wiki/Wallet_import_format: the worked example (version
  // 0x80, uncompressed).
  PrivateKey k = key_hex("0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d");
  EXPECT_EQ(wif_encode(k, false, 0x80), "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ");
  WifKey back = wif_decode("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ", 0x80);
  EXPECT_FALSE(back.compressed);
  EXPECT_EQ(to_hex(back.key.bytes()), to_hex(k.bytes()));
}

TEST(Wif, CompressedAndNetworkVersion) {
  // Private key 1, compressed, Bitcoin mainnet: the well-known
  // KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn.
  PrivateKey one = key_hex("0000000000000000000000000000000000000000000000000000000000000001");
  EXPECT_EQ(wif_encode(one, true, 0x80), "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn");
  // Namecoin versions round-trip (mainnet 180, regtest 239) and a wrong
  // expected version is refused.
  for (uint8_t v : {uint8_t{180}, uint8_t{239}}) {
    std::string w = wif_encode(one, true, v);
    WifKey d = wif_decode(w, v);
    EXPECT_TRUE(d.compressed);
    EXPECT_EQ(d.version, v);
    EXPECT_EQ(d.key.public_key(), one.public_key());
    EXPECT_THROW(wif_decode(w, static_cast<uint8_t>(v == 180 ? 239 : 180)), ChainError);
  }
  // Corrupted checksum.
  std::string w = wif_encode(one, true, 0x80);
  w[10] = w[10] == 'a' ? 'b' : 'a';
  EXPECT_THROW(wif_decode(w), ChainError);
}

TEST(SecureBytesTest, LockedWipedAndMoveOnly) {
  static_assert(!std::is_copy_constructible_v<SecureBytes>);
  static_assert(!std::is_copy_assignable_v<SecureBytes>);
  SecureBytes a(from_hex("0102030405"));
  EXPECT_EQ(a.size(), 5u);
  EXPECT_TRUE(a.equals(from_hex("0102030405")));
  EXPECT_FALSE(a.equals(from_hex("0102030406")));
  SecureBytes b = a.clone();
  SecureBytes c = std::move(a);
  EXPECT_TRUE(a.empty());
  EXPECT_TRUE(c.equals(b.span()));
  c.resize(7);
  EXPECT_EQ(to_hex(c.span()), "01020304050000");
  c.resize(2);
  EXPECT_EQ(to_hex(c.span()), "0102");
  c.append(c.span());  // self-append must not read freed memory
  EXPECT_EQ(to_hex(c.span()), "01020102");
  SecureBytes big(10000);
  EXPECT_EQ(big.size(), 10000u);
  SecureMemoryStats st = secure_memory_stats();
  EXPECT_GE(st.live_buffers, 3u);
  // Under the default RLIMIT_MEMLOCK (8 MiB on Debian) this much locks.
  if (st.lock_failures == 0) {
    EXPECT_TRUE(c.locked());
    EXPECT_TRUE(big.locked());
    EXPECT_GT(st.locked_bytes, 0u);
  }
}

TEST(SecureBytesTest, ManySmallSecretsShareLockedPages) {
  // A wallet holds thousands of keys; one page per key would exhaust
  // RLIMIT_MEMLOCK. 5000 keys of 32 bytes fit in ~40 pages.
  size_t before = secure_memory_stats().locked_bytes;
  std::vector<SecureBytes> keys;
  for (int i = 0; i < 5000; ++i) keys.emplace_back(32);
  size_t grown = secure_memory_stats().locked_bytes - before;
  EXPECT_LE(grown, 5000u * 32 + 4096 * 2);
}

TEST(SecpContext, IsSharedAndUsable) {
  EXPECT_NE(secp_context(), nullptr);
  EXPECT_EQ(secp_context(), secp_context());
}

}  // namespace
}  // namespace redoubt::chain
