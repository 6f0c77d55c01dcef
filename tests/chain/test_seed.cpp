// Electrum v2 seeds: Electrum's own test data (tests/test_mnemonic.py and
// tests/test_wallet_vertical.py in spesmilo/electrum) for type detection,
// the PBKDF2 seed, and the first receive/change addresses of each type;
// generation; account layouts.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "chain/address.h"
#include "chain/bip39.h"
#include "chain/error.h"
#include "chain/seed.h"

namespace redoubt::chain {
namespace {

// Bitcoin mainnet encodings, to compare with Electrum's published addresses.
std::string btc_p2pkh(const PublicKey& k) {
  Bytes payload{0x00};
  Hash160 h = k.key_hash();
  payload.insert(payload.end(), h.begin(), h.end());
  return base58check_encode(payload);
}
std::string btc_p2wpkh(const PublicKey& k) {
  return segwit_address_encode("bc", 0, k.key_hash());
}

ExtendedPrivateKey account_key(std::string_view phrase, std::string_view passphrase) {
  ElectrumSeedKind kind = electrum_seed_kind(phrase);
  AccountLayout layout = account_layout(scheme_for(kind));
  SecureBytes seed = electrum_seed_to_bip32_seed(phrase, passphrase);
  return ExtendedPrivateKey::from_seed(seed.span()).derive_path(layout.account);
}

TEST(ElectrumSeed, SeedTypesFromElectrumTests) {
  struct Case {
    const char* words;
    ElectrumSeedKind kind;
  };
  // Test_seeds.mnemonics in electrum/tests/test_mnemonic.py.
  const Case cases[] = {
      {"cell dumb heartbeat north boom tease ship baby bright kingdom rare squeeze",
       ElectrumSeedKind::kOld},
      {"cell dumb heartbeat north boom tease cell dumb heartbeat north boom tease cell dumb "
       "heartbeat north boom tease cell dumb heartbeat north boom tease ",
       ElectrumSeedKind::kOld},
      {"cell dumb heartbeat north boom tease ship baby bright kingdom rare badword",
       ElectrumSeedKind::kNone},
      {"cElL DuMb hEaRtBeAt nOrTh bOoM TeAsE ShIp bAbY BrIgHt kInGdOm rArE SqUeEzE",
       ElectrumSeedKind::kOld},
      {"   cElL  DuMb hEaRtBeAt nOrTh bOoM  TeAsE ShIp    bAbY BrIgHt kInGdOm rArE SqUeEzE   ",
       ElectrumSeedKind::kOld},
      {"hurry idiot prefer sunset mention mist jaw inhale impossible kingdom rare squeeze",
       ElectrumSeedKind::kOld},
      {"cram swing cover prefer miss modify ritual silly deliver chunk behind inform able",
       ElectrumSeedKind::kStandard},
      {"cram swing cover prefer miss modify ritual silly deliver chunk behind inform",
       ElectrumSeedKind::kNone},
      {"ostrich security deer aunt climb inner alpha arm mutual marble solid task",
       ElectrumSeedKind::kStandard},
      {"OSTRICH SECURITY DEER AUNT CLIMB INNER ALPHA ARM MUTUAL MARBLE SOLID TASK",
       ElectrumSeedKind::kStandard},
      {"   oStRiCh sEcUrItY DeEr aUnT ClImB       InNeR AlPhA ArM MuTuAl mArBlE   SoLiD TaSk  ",
       ElectrumSeedKind::kStandard},
      {"science dawn member doll dutch real can brick knife deny drive list",
       ElectrumSeedKind::k2fa},
      {"science dawn member doll dutch real ca brick knife deny drive list",
       ElectrumSeedKind::kNone},
      {" sCience dawn   member doll Dutch rEAl can brick knife deny drive  lisT",
       ElectrumSeedKind::k2fa},
      {"bind clever room kidney crucial sausage spy edit canvas soul liquid ribbon slam open alpha "
       "suffer gate relax voice carpet law hill woman tonight abstract",
       ElectrumSeedKind::k2fa},
      {"sibling leg cable timber patient foot occur plate travel finger chef scale radio citizen "
       "promote immune must chef fluid sea sphere common acid lab",
       ElectrumSeedKind::k2fa},
      {"frost pig brisk excite novel report camera enlist axis nation novel desert",
       ElectrumSeedKind::kSegwit},
      {"  fRoSt pig brisk excIte novel rePort CamEra enlist axis nation nOVeL dEsert ",
       ElectrumSeedKind::kSegwit},
      {"x8", ElectrumSeedKind::kStandard},
      {"9dk", ElectrumSeedKind::kSegwit},
      {"abandon bike", ElectrumSeedKind::kSegwit},
      {"6vs", ElectrumSeedKind::k2faSegwit},
      {"agree install", ElectrumSeedKind::k2faSegwit},
      // test_wallet_vertical.py
      {"powerful random nobody notice nothing important anyway look away hidden message over",
       ElectrumSeedKind::kOld},
      {"kiss live scene rude gate step hip quarter bunker oxygen motor glove",
       ElectrumSeedKind::k2fa},
      {"universe topic remind silver february ranch shine worth innocent cattle enhance wise",
       ElectrumSeedKind::k2faSegwit},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.words);
    EXPECT_EQ(electrum_seed_kind(c.words), c.kind) << to_string(electrum_seed_kind(c.words));
  }
}

TEST(ElectrumSeed, OldSeedDetection) {
  // Test_seeds.test_old_seed.
  std::string like12, like18, like24;
  for (int i = 0; i < 24; ++i) {
    if (i < 12) like12 += "like ";
    if (i < 18) like18 += "like ";
    like24 += "like ";
  }
  EXPECT_TRUE(is_old_electrum_seed(like12));
  EXPECT_FALSE(is_old_electrum_seed(like18));
  EXPECT_TRUE(is_old_electrum_seed(like24));
  EXPECT_FALSE(is_old_electrum_seed("not a seed"));
  EXPECT_TRUE(is_old_electrum_seed("0123456789ABCDEF0123456789ABCDEF"));
  EXPECT_TRUE(
      is_old_electrum_seed("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"));
}

TEST(ElectrumSeed, Bip32SeedFromElectrumTests) {
  // SEED_TEST_CASES 'english' and 'english_with_passphrase', and
  // test_mnemonic_to_seed_basic.
  const char* words =
      "wild father tree among universe such mobile favorite target dynamic credit identify";
  EXPECT_EQ(electrum_seed_kind(words), ElectrumSeedKind::kSegwit);
  EXPECT_EQ(to_hex(electrum_seed_to_bip32_seed(words, "").span()),
            "aac2a6302e48577ab4b46f23dbae0774e2e62c796f797d0a1b5faeb528301e3064342dafb79069e7c4c6b"
            "8c38ae11d7a973bec0d4f70626f8cc5184a8d0b0756");
  EXPECT_EQ(to_hex(electrum_seed_to_bip32_seed(
                       words, "Did you ever hear the tragedy of Darth Plagueis the Wise?")
                       .span()),
            "4aa29f2aeb0127efb55138ab9e7be83b36750358751906f86c662b21a1ea1370f949e6d1a12fa56d3d93c"
            "adda93038c76ac8118597364e46f5156fde6183c82f");
  EXPECT_EQ(to_hex(electrum_seed_to_bip32_seed("foobar", "none").span()),
            "741b72fd15effece6bfe5a26a52184f66811bd2be363190e07a42cca442b1a5bb22b3ad0eb338197287e6"
            "d314866c7fba863ac65d3f156087a5052ebc7157fce");
}

TEST(ElectrumSeed, StandardWalletFromWalletVertical) {
  const char* words = "cycle rocket west magnet parrot shuffle foot correct salt library feed song";
  EXPECT_EQ(electrum_seed_kind(words), ElectrumSeedKind::kStandard);
  ExtendedPrivateKey acct = account_key(words, "");
  EXPECT_EQ(acct.to_base58(kXprvXpub.priv).view(),
            "xprv9s21ZrQH143K32jECVM729vWgGq4mUDJCk1ozqAStTphzQtCTuoFmFafNoG1g55iCnBTXUzz3zWnDb5CVL"
            "GiFvmaZjuazHDL8a81cPQ8KL6");
  ExtendedPublicKey xpub = acct.neuter();
  EXPECT_EQ(xpub.to_base58(kXprvXpub.pub),
            "xpub661MyMwAqRbcFWohJWt7PHsFEJfZAvw9ZxwQoDa4SoMgsDDM1T7WK3u9E4edkC4ugRnZ8E4xDZRpk8Rnts"
            "3Nbt97dPwT52CwBdDWroaZf8U");
  EXPECT_EQ(account_layout(SeedScheme::kElectrumStandard).script, KeyScriptType::kP2pkh);
  EXPECT_EQ(btc_p2pkh(xpub.derive(0).derive_pubkey(0)), "1NNkttn1YvVGdqBW4PR6zvc3Zx3H5owKRf");
  EXPECT_EQ(btc_p2pkh(xpub.derive(1).derive_pubkey(0)), "1KSezYMhAJMWqFbVFB2JshYg69UpmEXR4D");
}

TEST(ElectrumSeed, SegwitWalletFromWalletVertical) {
  const char* words =
      "bitter grass shiver impose acquire brush forget axis eager alone wine silver";
  EXPECT_EQ(electrum_seed_kind(words), ElectrumSeedKind::kSegwit);
  ExtendedPrivateKey acct = account_key(words, "");
  EXPECT_EQ(acct.to_base58(kZprvZpub.priv).view(),
            "zprvAZswDvNeJeha8qZ8g7efN3FXYVJLaEUsE9TW6qXDEbVe74AZ75c2sZFZXPNFzxnhChDQ89oC8C5AjWwHmH"
            "1HeRKE1c4kKBQAmjUDdKDUZw2");
  ExtendedPublicKey xpub = acct.neuter();
  EXPECT_EQ(xpub.to_base58(kZprvZpub.pub),
            "zpub6nsHdRuY92FsMKdbn9BfjBCG6X8pyhCibNP6uDvpnw2cyrVhecvHRMa3Ne8kdJZxjxgwnpbHLkcR4bfnhH"
            "y6auHPJyDTQ3kianeuVLdkCYQ");
  EXPECT_EQ(account_layout(SeedScheme::kElectrumSegwit).script, KeyScriptType::kP2wpkh);
  EXPECT_EQ(format_key_path(account_layout(SeedScheme::kElectrumSegwit).account), "m/0'");
  EXPECT_EQ(btc_p2wpkh(xpub.derive(0).derive_pubkey(0)),
            "bc1q3g5tmkmlvxryhh843v4dz026avatc0zzr6h3af");
  EXPECT_EQ(btc_p2wpkh(xpub.derive(1).derive_pubkey(0)),
            "bc1qdy94n2q5qcp0kg7v9yzwe6wvfkhnvyzje7nx2p");
}

TEST(ElectrumSeed, UnsupportedKindsSayWhy) {
  EXPECT_THROW(scheme_for(ElectrumSeedKind::kOld), ChainError);
  EXPECT_THROW(scheme_for(ElectrumSeedKind::k2fa), ChainError);
  EXPECT_THROW(scheme_for(ElectrumSeedKind::k2faSegwit), ChainError);
  EXPECT_THROW(scheme_for(ElectrumSeedKind::kNone), ChainError);
  try {
    scheme_for(ElectrumSeedKind::k2fa);
  } catch (const ChainError& e) {
    EXPECT_NE(std::string(e.what()).find("2FA"), std::string::npos);
  }
}

TEST(ElectrumSeed, NonAsciiRejected) {
  EXPECT_THROW(electrum_seed_kind("caf\xc3\xa9 seed"), ChainError);
  EXPECT_THROW(electrum_seed_to_bip32_seed("x8", "p\xc3\xa4ss"), ChainError);
  // Oversized input is refused before it is copied.
  EXPECT_THROW(electrum_seed_kind(std::string(kMaxSeedTextLength + 1, 'a')), ChainError);
  EXPECT_THROW(electrum_seed_to_bip32_seed("x8", std::string(kMaxSeedTextLength + 1, 'a')),
               ChainError);
}

TEST(ElectrumSeed, NormalizationMatchesElectrum) {
  EXPECT_EQ(normalize_electrum_text("  Foo\t BAR\n\nbaz  ").view(), "foo bar baz");
  EXPECT_EQ(normalize_electrum_text("").view(), "");
  EXPECT_EQ(normalize_electrum_text(" \t ").view(), "");
}

TEST(ElectrumSeed, GenerationMatchesMakeSeedRules) {
  std::set<std::string> seen;
  for (ElectrumSeedKind kind : {ElectrumSeedKind::kStandard, ElectrumSeedKind::kSegwit}) {
    for (int i = 0; i < 5; ++i) {
      SecureBytes phrase = make_electrum_seed(kind);
      std::string s(phrase.view());
      SCOPED_TRACE(s);
      EXPECT_EQ(electrum_seed_kind(s), kind);
      EXPECT_FALSE(bip39_is_valid(s));
      EXPECT_FALSE(is_old_electrum_seed(s));
      size_t words = std::count(s.begin(), s.end(), ' ') + 1;
      EXPECT_TRUE(words == 12 || words == 13);  // as Electrum's test_random_seeds
      EXPECT_TRUE(seen.insert(s).second);
    }
  }
  EXPECT_THROW(make_electrum_seed(ElectrumSeedKind::k2fa), ChainError);
  EXPECT_THROW(make_electrum_seed(ElectrumSeedKind::kOld), ChainError);
}

TEST(AccountLayoutTest, Bip39Paths) {
  AccountLayout d = account_layout(SeedScheme::kBip39);
  EXPECT_EQ(format_key_path(d.account), "m/84'/7'/0'");
  EXPECT_EQ(d.script, KeyScriptType::kP2wpkh);
  AccountLayout l = account_layout(SeedScheme::kBip39, "m/44'/7'/0'");
  EXPECT_EQ(l.script, KeyScriptType::kP2pkh);
  EXPECT_EQ(format_key_path(account_layout(SeedScheme::kElectrumStandard).account), "m");
}

TEST(AccountLayoutTest, Bip39WalletsFromWalletVertical) {
  // test_bip39_seed_bip44_standard: m/44'/0'/0', P2PKH.
  const char* treat = "treat dwarf wealth gasp brass outside high rent blood crowd make initial";
  ASSERT_TRUE(bip39_is_valid(treat));
  AccountLayout l44 = account_layout(SeedScheme::kBip39, "m/44'/0'/0'");
  ExtendedPrivateKey a44 =
      ExtendedPrivateKey::from_seed(bip39_to_seed(treat, "").span()).derive_path(l44.account);
  EXPECT_EQ(a44.neuter().to_base58(kXprvXpub.pub),
            "xpub6DFh1smUsyqmYD4obDX6ngaxhd53Zx7aeFjoobebm7vbkT6f9awJWFuGzBT9FQJEWFBL7UyhMXtYzRcwDu"
            "Vbcxtv9Ce2W9eMm4KXLdvdbjv");
  EXPECT_EQ(btc_p2pkh(a44.neuter().derive(0).derive_pubkey(0)),
            "16j7Dqk3Z9DdTdBtHcCVLaNQy9MTgywUUo");
  EXPECT_EQ(btc_p2pkh(a44.neuter().derive(1).derive_pubkey(0)),
            "1GG5bVeWgAp5XW7JLCphse14QaC4qiHyWn");
  // test_bip39_seed_bip84_native_segwit (the BIP84 example): m/84'/0'/0'.
  const char* abandon =
      "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
      "about";
  AccountLayout l84 = account_layout(SeedScheme::kBip39, "m/84'/0'/0'");
  EXPECT_EQ(l84.script, KeyScriptType::kP2wpkh);
  ExtendedPrivateKey a84 =
      ExtendedPrivateKey::from_seed(bip39_to_seed(abandon, "").span()).derive_path(l84.account);
  EXPECT_EQ(a84.neuter().to_base58(kZprvZpub.pub),
            "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkg"
            "DKf31mGDtKsAYz2oz2AGutZYs");
  EXPECT_EQ(btc_p2wpkh(a84.neuter().derive(0).derive_pubkey(0)),
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
  EXPECT_EQ(btc_p2wpkh(a84.neuter().derive(1).derive_pubkey(0)),
            "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el");
}

}  // namespace
}  // namespace redoubt::chain
