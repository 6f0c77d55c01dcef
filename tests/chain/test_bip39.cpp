// BIP39: the English wordlist's integrity, the Trezor reference vectors
// (trezor/python-mnemonic vectors.json, passphrase "TREZOR"), checksum and
// word-count rejection.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "chain/bip32.h"
#include "chain/bip39.h"
#include "chain/error.h"
#include "chain/hash.h"
#include "chain/wordlist_english.h"

namespace redoubt::chain {
namespace {

TEST(Wordlist, MatchesPublishedFile) {
  auto words = bip39_english_words();
  ASSERT_EQ(words.size(), 2048u);
  // The file bitcoin/bips bip-0039/english.txt is the words joined by "\n"
  // with a final newline; its SHA-256 is published widely.
  std::string file;
  for (auto w : words) {
    file += w;
    file += '\n';
  }
  EXPECT_EQ(to_hex(sha256(as_span(file))),
            "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
  EXPECT_EQ(words.front(), "abandon");
  EXPECT_EQ(words.back(), "zoo");
}

TEST(Wordlist, LookupFindsEveryWordAndNothingElse) {
  auto words = bip39_english_words();
  for (size_t i = 0; i < words.size(); ++i) {
    auto idx = bip39_english_index(words[i]);
    ASSERT_TRUE(idx.has_value()) << words[i];
    EXPECT_EQ(*idx, i);
  }
  for (const char* w : {"", "Abandon", "abando", "abandonn", "zzz", "a"}) {
    EXPECT_FALSE(bip39_english_index(w).has_value()) << w;
  }
}

nlohmann::json load_vectors() {
  std::ifstream f(std::string(REDOUBT_TEST_DATA) + "/keys_bip39_vectors.json");
  return nlohmann::json::parse(f);
}

TEST(Bip39, TrezorVectors) {
  auto vectors = load_vectors().at("english");
  ASSERT_EQ(vectors.size(), 24u);  // 8 each of 12, 18 and 24 words
  for (const auto& v : vectors) {
    std::string entropy = v[0], mnemonic = v[1], seed = v[2], xprv = v[3];
    SCOPED_TRACE(mnemonic);
    EXPECT_EQ(bip39_entropy_to_mnemonic(from_hex(entropy)).view(), mnemonic);
    EXPECT_EQ(to_hex(bip39_mnemonic_to_entropy(mnemonic).span()), entropy);
    EXPECT_TRUE(bip39_is_valid(mnemonic));
    SecureBytes s = bip39_to_seed(mnemonic, "TREZOR");
    EXPECT_EQ(to_hex(s.span()), seed);
    EXPECT_EQ(ExtendedPrivateKey::from_seed(s.span()).to_base58(kXprvXpub.priv).view(), xprv);
  }
}

TEST(Bip39, WhitespaceIsCollapsed) {
  const char* m =
      "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
      "about";
  std::string messy =
      "  abandon\tabandon abandon  abandon abandon abandon abandon abandon abandon "
      "abandon abandon\nabout ";
  EXPECT_TRUE(bip39_is_valid(messy));
  EXPECT_TRUE(bip39_to_seed(messy, "TREZOR").equals(bip39_to_seed(m, "TREZOR").span()));
}

TEST(Bip39, InvalidMnemonicsRejectedWithReason) {
  auto reason = [](std::string_view m) {
    try {
      bip39_mnemonic_to_entropy(m);
    } catch (const ChainError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // Checksum: the last word changed from "about" to "abandon".
  EXPECT_NE(
      reason("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
             "abandon abandon")
          .find("checksum"),
      std::string::npos);
  // Unknown word, and upper case (the list is lower case).
  EXPECT_NE(
      reason("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
             "abandon abou")
          .find("word 12"),
      std::string::npos);
  EXPECT_FALSE(
      bip39_is_valid("ABANDON abandon abandon abandon abandon abandon abandon abandon "
                     "abandon abandon abandon about"));
  // Word counts: 11, 13 and 27 words; empty.
  std::string eleven, thirteen, many;
  for (int i = 0; i < 11; ++i) eleven += "abandon ";
  thirteen = eleven + "abandon abandon";
  for (int i = 0; i < 27; ++i) many += "abandon ";
  EXPECT_NE(reason(eleven).find("words"), std::string::npos);
  EXPECT_NE(reason(thirteen).find("words"), std::string::npos);
  EXPECT_NE(reason(many).find("words"), std::string::npos);
  EXPECT_NE(reason("").find("words"), std::string::npos);
  // Non-ASCII input is refused rather than normalized wrongly.
  EXPECT_THROW(bip39_mnemonic_to_entropy("abandon caf\xc3\xa9"), ChainError);
  EXPECT_THROW(bip39_to_seed("abandon", "p\xc3\xa4ss"), ChainError);
  EXPECT_THROW(bip39_mnemonic_to_entropy(std::string(5000, ' ')), ChainError);
  EXPECT_THROW(bip39_to_seed("abandon", std::string(5000, 'x')), ChainError);
  // Entropy sizes.
  EXPECT_THROW(bip39_entropy_to_mnemonic(Bytes(15, 0)), ChainError);
  EXPECT_THROW(bip39_entropy_to_mnemonic(Bytes(17, 0)), ChainError);
  EXPECT_THROW(bip39_entropy_to_mnemonic(Bytes(36, 0)), ChainError);
}

TEST(Bip39, ElectrumChecksumExample) {
  // electrum/tests/test_mnemonic.py Test_BIP39.test_checksum (18 words).
  EXPECT_TRUE(
      bip39_is_valid("gravity machine north sort system female filter attitude volume "
                     "fold club stay feature office ecology stable narrow fog"));
}

}  // namespace
}  // namespace redoubt::chain
