// ipc/sealed_box: what the broker relays between the ui and keyd opens only
// for the key, purpose and network it was sealed for, and not at all once a
// single byte changed.
#include "ipc/sealed_box.h"

#include <gtest/gtest.h>

#include <string>

namespace redoubt::ipc::sealed {
namespace {

using chain::Network;

chain::ByteSpan text(std::string_view s) {
  return chain::as_span(s);
}

constexpr std::string_view kSecret = "correct horse battery staple";

TEST(SealedBox, RoundTrip) {
  KeyPair keyd = KeyPair::generate();
  chain::Bytes blob = seal(keyd.public_key(), text(kSecret), Purpose::kPassword, Network::kRegtest);
  EXPECT_EQ(blob.size(), kOverhead + kPadBlock);
  EXPECT_EQ(keyd.open(blob, Purpose::kPassword, Network::kRegtest).view(), kSecret);
  // The plaintext does not appear in the blob.
  std::string as_string(blob.begin(), blob.end());
  EXPECT_EQ(as_string.find("horse"), std::string::npos);
}

TEST(SealedBox, EmptySecretRoundTrips) {
  KeyPair keyd = KeyPair::generate();
  chain::Bytes blob = seal(keyd.public_key(), {}, Purpose::kPassphrase, Network::kMainnet);
  EXPECT_TRUE(keyd.open(blob, Purpose::kPassphrase, Network::kMainnet).empty());
}

TEST(SealedBox, LengthIsPaddedToABlock) {
  KeyPair keyd = KeyPair::generate();
  auto size = [&](size_t n) {
    std::string s(n, 'p');
    chain::Bytes blob = seal(keyd.public_key(), text(s), Purpose::kPassword, Network::kRegtest);
    EXPECT_EQ(keyd.open(blob, Purpose::kPassword, Network::kRegtest).view(), s);
    return blob.size();
  };
  EXPECT_EQ(size(0), size(1));
  EXPECT_EQ(size(1), size(62));  // 62 + 2 length bytes fill one block
  EXPECT_EQ(size(63), kOverhead + 2 * kPadBlock);
  EXPECT_EQ(size(200), sealed_size(200));
}

TEST(SealedBox, EachSealUsesAFreshKey) {
  KeyPair keyd = KeyPair::generate();
  chain::Bytes a = seal(keyd.public_key(), text(kSecret), Purpose::kPassword, Network::kRegtest);
  chain::Bytes b = seal(keyd.public_key(), text(kSecret), Purpose::kPassword, Network::kRegtest);
  EXPECT_NE(a, b);
  EXPECT_NE(KeyPair::generate().public_key(), keyd.public_key());
}

TEST(SealedBox, EveryByteFlipIsRejected) {
  KeyPair keyd = KeyPair::generate();
  const chain::Bytes blob =
      seal(keyd.public_key(), text(kSecret), Purpose::kPhrase, Network::kRegtest);
  for (size_t i = 0; i < blob.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80}) {
      chain::Bytes bad = blob;
      bad[i] ^= mask;
      EXPECT_THROW(keyd.open(bad, Purpose::kPhrase, Network::kRegtest), SealError)
          << "byte " << i << " mask " << int(mask);
    }
  }
}

TEST(SealedBox, TruncatedAndExtendedAreRejected) {
  KeyPair keyd = KeyPair::generate();
  const chain::Bytes blob =
      seal(keyd.public_key(), text(kSecret), Purpose::kPassword, Network::kRegtest);
  for (size_t n = 0; n < blob.size(); ++n) {
    chain::Bytes cut(blob.begin(), blob.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_THROW(keyd.open(cut, Purpose::kPassword, Network::kRegtest), SealError) << n;
  }
  chain::Bytes longer = blob;
  longer.push_back(0);
  EXPECT_THROW(keyd.open(longer, Purpose::kPassword, Network::kRegtest), SealError);
}

TEST(SealedBox, WrongPurposeIsRejected) {
  KeyPair keyd = KeyPair::generate();
  const Purpose all[] = {Purpose::kPassword, Purpose::kNewPassword, Purpose::kPhrase,
                         Purpose::kPassphrase, Purpose::kNewPhrase};
  for (Purpose sealed_as : all) {
    chain::Bytes blob = seal(keyd.public_key(), text(kSecret), sealed_as, Network::kRegtest);
    for (Purpose opened_as : all) {
      if (opened_as == sealed_as) {
        EXPECT_EQ(keyd.open(blob, opened_as, Network::kRegtest).view(), kSecret);
      } else {
        EXPECT_THROW(keyd.open(blob, opened_as, Network::kRegtest), SealError)
            << purpose_name(sealed_as) << " opened as " << purpose_name(opened_as);
      }
    }
  }
}

TEST(SealedBox, WrongNetworkIsRejected) {
  KeyPair keyd = KeyPair::generate();
  chain::Bytes blob = seal(keyd.public_key(), text(kSecret), Purpose::kPassword, Network::kTestnet);
  EXPECT_THROW(keyd.open(blob, Purpose::kPassword, Network::kMainnet), SealError);
  EXPECT_THROW(keyd.open(blob, Purpose::kPassword, Network::kRegtest), SealError);
  EXPECT_NO_THROW(keyd.open(blob, Purpose::kPassword, Network::kTestnet));
}

TEST(SealedBox, WrongKeyIsRejected) {
  KeyPair keyd = KeyPair::generate();
  KeyPair restarted = KeyPair::generate();  // keyd after a restart, or a broker's own key
  chain::Bytes blob = seal(keyd.public_key(), text(kSecret), Purpose::kPassword, Network::kRegtest);
  EXPECT_THROW(restarted.open(blob, Purpose::kPassword, Network::kRegtest), SealError);
}

TEST(SealedBox, BadRecipientKeysAndOversizeSecretsAreRefused) {
  EXPECT_THROW(seal(chain::Bytes(31, 9), text(kSecret), Purpose::kPassword, Network::kRegtest),
               SealError);
  // The all-zero point (small order): X25519 yields zero, which is refused.
  EXPECT_THROW(seal(chain::Bytes(32, 0), text(kSecret), Purpose::kPassword, Network::kRegtest),
               SealError);
  KeyPair keyd = KeyPair::generate();
  std::string big(kMaxPlaintext + 1, 'x');
  EXPECT_THROW(seal(keyd.public_key(), text(big), Purpose::kPassword, Network::kRegtest),
               SealError);
  std::string max(kMaxPlaintext, 'x');
  chain::Bytes blob = seal(keyd.public_key(), text(max), Purpose::kPassword, Network::kRegtest);
  EXPECT_EQ(keyd.open(blob, Purpose::kPassword, Network::kRegtest).size(), kMaxPlaintext);
}

}  // namespace
}  // namespace redoubt::ipc::sealed
