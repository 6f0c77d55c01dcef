// BIP32: the BIP's test vectors 1-3 (every path, xprv and xpub), public vs
// private derivation agreement, serialization checks and path parsing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chain/bip32.h"
#include "chain/error.h"

namespace redoubt::chain {
namespace {

struct Step {
  const char* path;
  const char* xpub;
  const char* xprv;
};
struct Vector {
  const char* seed;
  std::vector<Step> steps;
};

// bitcoin/bips bip-0032.mediawiki, "Test Vectors" 1, 2 and 3.
const std::vector<Vector> kVectors = {
    {"000102030405060708090a0b0c0d0e0f",
     {
         {"m",
          "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsef"
          "D265TMg7usUDFdp6W1EGMcet8",
          "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMR"
          "NNU3TGtRBeJgk33yuGBxrMPHi"},
         {"m/0H",
          "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bg"
          "wQ9xv5ski8PX9rL2dZXvgGDnw",
          "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11"
          "eZG7XnxHrnYeSvkzY7d2bhkJ7"},
         {"m/0H/1",
          "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq52"
          "7Hqck2AxYysAA7xmALppuCkwQ",
          "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8M"
          "SY3H2EU4pWcQDnRnrVA1xe8fs"},
         {"m/0H/1/2H",
          "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7"
          "epu4trkrX7x7DogT5Uv6fcLW5",
          "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiN"
          "MjANTtpgP4mLTj34bhnZX7UiM"},
         {"m/0H/1/2H/2",
          "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR"
          "62cfN7fe5JnJ7dh8zL4fiyLHV",
          "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsun"
          "u5Mm3wDvUAKRHSC34sJ7in334"},
         {"m/0H/1/2H/2/1000000000",
          "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yG"
          "asTvXEYBVPamhGW6cFJodrTHy",
          "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSr"
          "uoUihUZREPSL39UNdE3BBDu76"},
     }},
    {"fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b"
     "7875726f6c696663605d5a5754514e4b484542",
     {
         {"m",
          "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr"
          "8BDzTJY47LJhkJ8UB7WEGuduB",
          "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPq"
          "m55Qn3LqFtT2emdEXVYsCzC2U"},
         {"m/0",
          "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznez"
          "pbZb7ap6r1D3tgFxHmwMkQTPH",
          "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8"
          "G81dwSM1fwqWpWkeS3v86pgKt"},
         {"m/0/2147483647H",
          "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8Ru"
          "JiHjaDMBU4Zn9h8LZNnBC5y4a",
          "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vidYEeEg2mUCTAwCd6vnxVrcjfy2kRgV"
          "sFawNzmjuHc2YmYRmagcEPdU9"},
         {"m/0/2147483647H/1",
          "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89Lo"
          "jfZ537wTfunKau47EL2dhHKon",
          "xprv9zFnWC6h2cLgpmSA46vutJzBcfJ8yaJGg8cX1e5StJh45BBciYTRXSd25UEPVuesF9yog62tGAQtHjXajP"
          "PdbRCHuWS6T8XA2ECKADdw4Ef"},
         {"m/0/2147483647H/1/2147483646H",
          "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2g"
          "rBGRjaDMzQLcgJvLJuZZvRcEL",
          "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFL"
          "J8HFsTjSyQbLYnMpCqE2VbFWc"},
         {"m/0/2147483647H/1/2147483646H/2",
          "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rn"
          "Y5agb9rXpVGyy3bdW6EEgAtqt",
          "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTye"
          "fMLEcBYJUuekgW4BYPJcr9E7j"},
     }},
    // Vector 3: retention of leading zeros (the master key starts with 0x00).
    {"4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4acba45d239319ac14f863b8d5ab5"
     "a0d0c64d2e8a1e7d1457df2e5a3c51c73235be",
     {
         {"m",
          "xpub661MyMwAqRbcEZVB4dScxMAdx6d4nFc9nvyvH3v4gJL378CSRZiYmhRoP7mBy6gSPSCYk6SzXPTf3ND1cZ"
          "AceL7SfJ1Z3GC8vBgp2epUt13",
          "xprv9s21ZrQH143K25QhxbucbDDuQ4naNntJRi4KUfWT7xo4EKsHt2QJDu7KXp1A3u7Bi1j8ph3EGsZ9Xvz9dG"
          "uVrtHHs7pXeTzjuxBrCmmhgC6"},
         {"m/0H",
          "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo"
          "6oDaPPLPxSb7gwQN3ih19Zm4Y",
          "xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCV"
          "VFceUvJFjaPdGZ2y9WACViL4L"},
     }},
};

TEST(Bip32, PublishedVectorsPrivateDerivation) {
  for (const auto& v : kVectors) {
    ExtendedPrivateKey master = ExtendedPrivateKey::from_seed(from_hex(v.seed));
    for (const auto& s : v.steps) {
      SCOPED_TRACE(s.path);
      ExtendedPrivateKey k = master.derive_path(parse_key_path(s.path));
      EXPECT_EQ(k.to_base58(kXprvXpub.priv).view(), s.xprv);
      EXPECT_EQ(k.neuter().to_base58(kXprvXpub.pub), s.xpub);
      // Parsing gives the same key back, field by field.
      ExtendedPrivateKey parsed = ExtendedPrivateKey::from_base58(s.xprv, kXprvXpub.priv);
      EXPECT_EQ(parsed.to_base58(kXprvXpub.priv).view(), s.xprv);
      EXPECT_EQ(parsed.depth(), parse_key_path(s.path).size());
      ExtendedPublicKey pub = ExtendedPublicKey::from_base58(s.xpub, kXprvXpub.pub);
      EXPECT_EQ(pub, k.neuter());
      EXPECT_EQ(pub.to_base58(kXprvXpub.pub), s.xpub);
    }
  }
}

TEST(Bip32, PublishedVectorsPublicDerivation) {
  // Every non-hardened step can be taken from the parent xpub alone.
  for (const auto& v : kVectors) {
    for (size_t i = 1; i < v.steps.size(); ++i) {
      KeyPath path = parse_key_path(v.steps[i].path);
      if (path.back() & kHardened) continue;
      SCOPED_TRACE(v.steps[i].path);
      ExtendedPublicKey parent = ExtendedPublicKey::from_base58(v.steps[i - 1].xpub, kXprvXpub.pub);
      ExtendedPublicKey child = parent.derive(path.back());
      EXPECT_EQ(child.to_base58(kXprvXpub.pub), v.steps[i].xpub);
      EXPECT_EQ(child.parent_fingerprint(), parent.fingerprint());
      EXPECT_EQ(parent.derive_pubkey(path.back()), child.key());
    }
  }
}

TEST(Bip32, FingerprintOfVector1Master) {
  // BIP32 vector 1: m/0H's serialization carries parent fingerprint 3442193e.
  ExtendedPrivateKey m = ExtendedPrivateKey::from_seed(from_hex(kVectors[0].seed));
  EXPECT_EQ(m.fingerprint(), 0x3442193eu);
  EXPECT_EQ(m.derive(kHardened).parent_fingerprint(), 0x3442193eu);
}

TEST(Bip32, HardenedFromPublicRefused) {
  ExtendedPublicKey pub = ExtendedPublicKey::from_base58(kVectors[0].steps[0].xpub, kXprvXpub.pub);
  EXPECT_THROW(pub.derive(kHardened), ChainError);
  EXPECT_THROW(pub.derive_pubkey(kHardened | 5), ChainError);
}

TEST(Bip32, VersionBytesAreChecked) {
  const char* xpub = kVectors[0].steps[0].xpub;
  EXPECT_EQ(ExtendedPublicKey::peek_version(xpub), kXprvXpub.pub);
  EXPECT_THROW(ExtendedPublicKey::from_base58(xpub, kZprvZpub.pub), ChainError);
  EXPECT_THROW(ExtendedPrivateKey::from_base58(xpub, kXprvXpub.priv), ChainError);
  // Re-encoding under other versions gives the SLIP-132 prefixes.
  ExtendedPublicKey k = ExtendedPublicKey::from_base58(xpub, kXprvXpub.pub);
  EXPECT_EQ(k.to_base58(kZprvZpub.pub).substr(0, 4), "zpub");
  EXPECT_EQ(k.to_base58(kTprvTpub.pub).substr(0, 4), "tpub");
  EXPECT_EQ(k.to_base58(kVprvVpub.pub).substr(0, 4), "vpub");
  ExtendedPrivateKey p = ExtendedPrivateKey::from_seed(from_hex(kVectors[0].seed));
  EXPECT_EQ(p.to_base58(kZprvZpub.priv).view().substr(0, 4), "zprv");
  EXPECT_EQ(p.to_base58(kTprvTpub.priv).view().substr(0, 4), "tprv");
  EXPECT_EQ(p.to_base58(kVprvVpub.priv).view().substr(0, 4), "vprv");
  EXPECT_EQ(ExtendedPublicKey::from_base58(k.to_base58(kVprvVpub.pub), kVprvVpub.pub), k);
}

TEST(Bip32, PublishedInvalidKeysVector5) {
  // bitcoin/bips bip-0032.mediawiki "Test vector 5": every one must fail.
  const char* bad_pub[] = {
      // pubkey version / prvkey mismatch
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZafEz7"
      "mnzBBsz4wKY5fTtTQBm",
      // invalid pubkey prefix 04
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG4Mc"
      "vMGcAUjeuwZdduYEvFn",
      // invalid pubkey prefix 01
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJwpz"
      "ZS4HS2fxvyYUA4q2Xe4",
      // zero depth with non-zero parent fingerprint
      "xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewATdCE"
      "ebj6znwMfQkhRYHRLpJ",
      // zero depth with non-zero index
      "xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjNDRmX"
      "zSZe4c7mnTK97pTvGS8",
      // unknown extended key version
      "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHPmHJiEDXkTiJTVV9rHEBUem2mwVbbNf"
      "vT2MTcAqj3nesx8uBf9",
      // invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1xefs"
      "M58PgBMrvdYre8QyULY",
  };
  for (const char* s : bad_pub) {
    SCOPED_TRACE(s);
    EXPECT_THROW(ExtendedPublicKey::from_base58(s, kXprvXpub.pub), ChainError);
  }
  const char* bad_prv[] = {
      // prvkey version / pubkey mismatch
      "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGTQQD3dC4H2D5GBj7vWvSQaaBv5cxi9"
      "gafk7NF3pnBju6dwKvH",
      // invalid prvkey prefix 04
      "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGpWnsj83BHtEy5Zt8CcDr1UiRXuWCmT"
      "QLxEK9vbz5gPstX92JQ",
      // invalid prvkey prefix 01
      "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD9y5gkZ6Eq"
      "3Rjuahrv17fEQ3Qen6J",
      // zero depth with non-zero parent fingerprint
      "xprv9s2SPatNQ9Vc6GTbVMFPFo7jsaZySyzk7L8n2uqKXJen3KUmvQNTuLh3fhZMBoG3G4ZW1N2kZuHEPY53qmbZzCHs"
      "hoQnNf4GvELZfqTUrcv",
      // zero depth with non-zero index
      "xprv9s21ZrQH4r4TsiLvyLXqM9P7k1K3EYhA1kkD6xuquB5i39AU8KF42acDyL3qsDbU9NmZn6MsGSUYZEsuoePmjzsB"
      "3eFKSUEh3Gu1N3cqVUN",
      // unknown extended key version
      "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHGMQzT7ayAmfo4z3gY5KfbrZWZ6St24U"
      "Vf2Qgo6oujFktLHdHY4",
      // private key 0 not in 1..n-1
      "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzF93Y5wvzdUayhgkkFoicQZcP3y52uPPx"
      "FnfoLZB21Teqt1VvEHx",
      // private key n not in 1..n-1
      "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD5SDKr24z3"
      "aiUvKr9bJpdrcLg1y3G",
      // invalid checksum
      "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TG"
      "tRBeJgk33yuGBxrMPHL",
  };
  for (const char* s : bad_prv) {
    SCOPED_TRACE(s);
    EXPECT_THROW(ExtendedPrivateKey::from_base58(s, kXprvXpub.priv), ChainError);
  }
}

TEST(Bip32, MalformedSerializationsRejected) {
  ExtendedPrivateKey m = ExtendedPrivateKey::from_seed(from_hex(kVectors[0].seed));
  auto pub78 = m.neuter().serialize(kXprvXpub.pub);
  // Bad key prefix (0x04 on a 33-byte key).
  auto bad = pub78;
  bad[45] = 0x04;
  EXPECT_THROW(ExtendedPublicKey::parse(bad, kXprvXpub.pub), ChainError);
  // Depth 0 with a parent fingerprint (BIP32 test vector 5).
  bad = pub78;
  bad[5] = 1;
  EXPECT_THROW(ExtendedPublicKey::parse(bad, kXprvXpub.pub), ChainError);
  // Depth 0 with a non-zero index.
  bad = pub78;
  bad[12] = 1;
  EXPECT_THROW(ExtendedPublicKey::parse(bad, kXprvXpub.pub), ChainError);
  // Wrong length.
  EXPECT_THROW(ExtendedPublicKey::parse(ByteSpan(pub78).first(77), kXprvXpub.pub), ChainError);
  // Private: key prefix must be 0x00, key must be in range.
  SecureBytes prv78 = m.serialize(kXprvXpub.priv);
  SecureBytes b = prv78.clone();
  b[45] = 0x01;
  EXPECT_THROW(ExtendedPrivateKey::parse(b.span(), kXprvXpub.priv), ChainError);
  b = prv78.clone();
  for (size_t i = 46; i < 78; ++i) b[i] = 0;  // k = 0
  EXPECT_THROW(ExtendedPrivateKey::parse(b.span(), kXprvXpub.priv), ChainError);
  b = prv78.clone();
  for (size_t i = 46; i < 78; ++i) b[i] = 0xff;  // k >= n
  EXPECT_THROW(ExtendedPrivateKey::parse(b.span(), kXprvXpub.priv), ChainError);
  // Seeds outside 16..64 bytes.
  EXPECT_THROW(ExtendedPrivateKey::from_seed(Bytes(15, 1)), ChainError);
  EXPECT_THROW(ExtendedPrivateKey::from_seed(Bytes(65, 1)), ChainError);
}

TEST(KeyPathTest, ParseAndFormat) {
  EXPECT_EQ(parse_key_path("m"), KeyPath{});
  EXPECT_EQ(parse_key_path("m/0'/5/1h"), (KeyPath{kHardened, 5, kHardened | 1}));
  EXPECT_EQ(parse_key_path("m/84H/7'/0'"), (KeyPath{kHardened | 84, kHardened | 7, kHardened}));
  EXPECT_EQ(parse_key_path("0/1"), (KeyPath{0, 1}));
  EXPECT_EQ(parse_key_path("m/2147483647'"), KeyPath{0xffffffffu});
  EXPECT_EQ(format_key_path(parse_key_path("m/0h/1/2H")), "m/0'/1/2'");
  for (const char* bad : {"m/", "m//1", "m/2147483648", "m/-1", "m/1x", "m/01", "m/1''", "x/1",
                          "m/ 1", "m/99999999999"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_key_path(bad), ChainError);
  }
  std::string deep = "m";
  for (int i = 0; i < 256; ++i) deep += "/0";
  EXPECT_THROW(parse_key_path(deep), ChainError);
}

}  // namespace
}  // namespace redoubt::chain
