// Keystore: round trip, wrong password, every kind of damage rejected with
// the file left as it was, atomic password change. Weak scrypt for speed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "chain/hash.h"
#include "keyd/error.h"
#include "keyd/keystore.h"

namespace redoubt::keyd {
namespace {

namespace fs = std::filesystem;
using chain::Bytes;
using chain::SecureBytes;

constexpr ScryptParams kWeak{6, 8, 1};

Bytes slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}
void spit(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
chain::ByteSpan pw(std::string_view s) {
  return chain::as_span(s);
}

// Rewrites the trailing checksum so a change reaches the parser/AEAD: what
// an attacker who knows the format would do.
void fix_checksum(Bytes& b) {
  auto sum = chain::sha256(chain::ByteSpan(b.data(), b.size() - 32));
  std::copy(sum.begin(), sum.end(), b.end() - 32);
}

class KeystoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keyd-ks-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ / "keyd";
  }
  void TearDown() override { fs::remove_all(root_); }
  SeedMaterial seed() const {
    SeedMaterial s;
    s.type = SeedType::kBip39;
    s.network = chain::Network::kRegtest;
    s.phrase = SecureBytes::from_string(
        "abandon abandon abandon abandon abandon abandon "
        "abandon abandon abandon abandon abandon about");
    s.passphrase = SecureBytes::from_string("TREZOR");
    return s;
  }
  ErrorKind kind_of_open(const Keystore& ks, std::string_view password) {
    try {
      ks.open(pw(password));
    } catch (const KeydError& e) {
      return e.kind();
    }
    ADD_FAILURE() << "open succeeded";
    return ErrorKind::kInternal;
  }
  fs::path root_, dir_;
};

TEST_F(KeystoreTest, RoundTripWithModes) {
  Keystore ks(dir_, kWeak);
  EXPECT_FALSE(ks.exists());
  EXPECT_FALSE(ks.info().has_value());
  ks.create(seed(), pw("correct horse"));
  SeedMaterial got = ks.open(pw("correct horse"));
  EXPECT_EQ(got.type, SeedType::kBip39);
  EXPECT_EQ(got.network, chain::Network::kRegtest);
  EXPECT_TRUE(got.phrase.equals(seed().phrase.span()));
  EXPECT_TRUE(got.passphrase.equals(seed().passphrase.span()));
  auto info = ks.info();
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->type, SeedType::kBip39);
  EXPECT_EQ(info->scrypt.log2_n, kWeak.log2_n);
  struct stat st;
  ASSERT_EQ(stat(ks.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_FALSE(fs::exists(dir_ / "keystore.tmp"));
  // The phrase is not in the file in clear.
  Bytes file = slurp(ks.path());
  std::string text(file.begin(), file.end());
  EXPECT_EQ(text.find("abandon"), std::string::npos);
  EXPECT_EQ(text.find("TREZOR"), std::string::npos);
}

TEST_F(KeystoreTest, NeverOverwrites) {
  Keystore ks(dir_, kWeak);
  ks.create(seed(), pw("a"));
  Bytes before = slurp(ks.path());
  try {
    ks.create(seed(), pw("b"));
    FAIL() << "second create succeeded";
  } catch (const KeydError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kExists);
  }
  EXPECT_EQ(slurp(ks.path()), before);
}

TEST_F(KeystoreTest, MissingIsNoKeystore) {
  Keystore ks(dir_, kWeak);
  EXPECT_EQ(kind_of_open(ks, "x"), ErrorKind::kNoKeystore);
}

TEST_F(KeystoreTest, WrongPasswordLeavesFileUntouched) {
  Keystore ks(dir_, kWeak);
  ks.create(seed(), pw("right"));
  Bytes before = slurp(ks.path());
  EXPECT_EQ(kind_of_open(ks, "wrong"), ErrorKind::kBadPassword);
  EXPECT_EQ(kind_of_open(ks, "Right"), ErrorKind::kBadPassword);
  EXPECT_EQ(slurp(ks.path()), before);
}

TEST_F(KeystoreTest, EveryFlippedByteIsRejected) {
  Keystore ks(dir_, kWeak);
  ks.create(seed(), pw("pw"));
  const Bytes good = slurp(ks.path());
  ASSERT_GT(good.size(), 100u);
  for (size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    spit(ks.path(), bad);
    EXPECT_EQ(kind_of_open(ks, "pw"), ErrorKind::kCorrupt) << "byte " << i;
    EXPECT_EQ(slurp(ks.path()), bad) << "open modified the file at byte " << i;
  }
  spit(ks.path(), good);
  EXPECT_NO_THROW(ks.open(pw("pw")));
}

TEST_F(KeystoreTest, EveryTruncationIsRejected) {
  Keystore ks(dir_, kWeak);
  ks.create(seed(), pw("pw"));
  const Bytes good = slurp(ks.path());
  for (size_t n = 0; n < good.size(); ++n) {
    spit(ks.path(), Bytes(good.begin(), good.begin() + static_cast<long>(n)));
    EXPECT_EQ(kind_of_open(ks, "pw"), ErrorKind::kCorrupt) << "length " << n;
  }
  Bytes longer = good;
  longer.push_back(0);
  spit(ks.path(), longer);
  EXPECT_EQ(kind_of_open(ks, "pw"), ErrorKind::kCorrupt);
}

// With the checksum recomputed, a change to the authenticated header or the
// ciphertext still fails: the AEAD tag is the security boundary.
TEST_F(KeystoreTest, ForgedChecksumStillFailsAuthentication) {
  Keystore ks(dir_, kWeak);
  ks.create(seed(), pw("pw"));
  const Bytes good = slurp(ks.path());
  const size_t header = 79;
  for (size_t i : {size_t{28}, size_t{61}, size_t{74}, header, good.size() - 33}) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    fix_checksum(bad);
    spit(ks.path(), bad);
    ErrorKind k = kind_of_open(ks, "pw");
    EXPECT_TRUE(k == ErrorKind::kBadPassword || k == ErrorKind::kCorrupt) << "byte " << i;
  }
  // The seed type in the header (byte 73) is authenticated too.
  Bytes bad = good;
  bad[73] = static_cast<uint8_t>(SeedType::kSegwit);
  fix_checksum(bad);
  spit(ks.path(), bad);
  EXPECT_EQ(kind_of_open(ks, "pw"), ErrorKind::kBadPassword);
}

// A file asking for a huge scrypt cost is refused before any work is done.
TEST_F(KeystoreTest, HostileScryptCostRefused) {
  Keystore ks(dir_, kWeak);
  ks.create(seed(), pw("pw"));
  Bytes bad = slurp(ks.path());
  bad[19] = 40;  // log2 N
  fix_checksum(bad);
  spit(ks.path(), bad);
  EXPECT_EQ(kind_of_open(ks, "pw"), ErrorKind::kCorrupt);
  bad[19] = kWeak.log2_n;
  bad[20] = 0xff;  // r = 255...
  fix_checksum(bad);
  spit(ks.path(), bad);
  EXPECT_EQ(kind_of_open(ks, "pw"), ErrorKind::kCorrupt);
}

TEST_F(KeystoreTest, ChangePassword) {
  Keystore ks(dir_, kWeak);
  ks.create(seed(), pw("old"));
  Bytes before = slurp(ks.path());
  EXPECT_THROW(ks.change_password(pw("not it"), pw("new")), KeydError);
  EXPECT_EQ(slurp(ks.path()), before);
  ks.change_password(pw("old"), pw("new"));
  Bytes after = slurp(ks.path());
  EXPECT_NE(after, before);
  // Fresh salt and nonce.
  EXPECT_FALSE(std::equal(before.begin() + 28, before.begin() + 60, after.begin() + 28));
  EXPECT_FALSE(std::equal(before.begin() + 61, before.begin() + 73, after.begin() + 61));
  EXPECT_EQ(kind_of_open(ks, "old"), ErrorKind::kBadPassword);
  SeedMaterial got = ks.open(pw("new"));
  EXPECT_TRUE(got.phrase.equals(seed().phrase.span()));
  EXPECT_FALSE(fs::exists(dir_ / "keystore.tmp"));
}

TEST_F(KeystoreTest, EmptyPasswordRefused) {
  Keystore ks(dir_, kWeak);
  EXPECT_THROW(ks.create(seed(), pw("")), KeydError);
  EXPECT_FALSE(ks.exists());
}

TEST_F(KeystoreTest, ProductionCostIsStoredByDefault) {
  Keystore weak(dir_, kWeak);
  Keystore prod(dir_);
  weak.create(seed(), pw("pw"));
  // Reading honours the file's own cost, whatever the reader's default.
  EXPECT_NO_THROW(prod.open(pw("pw")));
  EXPECT_EQ(prod.info()->scrypt.log2_n, kWeak.log2_n);
  EXPECT_EQ(kDefaultScrypt.log2_n, 17);
}

}  // namespace
}  // namespace redoubt::keyd
