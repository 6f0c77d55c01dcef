// keyd's domain without the process: restore to known addresses, unlock and
// timeout, signing that verifies, and every refusal. Weak scrypt for speed.
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <filesystem>

#include "chain/address.h"
#include "chain/bip39.h"
#include "chain/hash.h"
#include "chain/message.h"
#include "chain/names.h"
#include "chain/script.h"
#include "chain/seed.h"
#include "keyd/error.h"
#include "keyd/signer.h"
#include "tests/keyd/wallet_fixture.h"

namespace redoubt::keyd {
namespace {

namespace fs = std::filesystem;
using chain::Bytes;
using chain::KeyPath;
using test::Prev;

constexpr ScryptParams kWeak{6, 8, 1};
// Electrum's test_wallet_vertical seeds and the addresses Electrum publishes
// for them (Bitcoin encodings: we compare the key hashes).
constexpr char kSegwitWords[] =
    "bitter grass shiver impose acquire brush forget axis eager alone wine silver";
constexpr char kSegwitFirst[] = "bc1q3g5tmkmlvxryhh843v4dz026avatc0zzr6h3af";
constexpr char kSegwitZpub[] =
    "zpub6nsHdRuY92FsMKdbn9BfjBCG6X8pyhCibNP6uDvpnw2cyrVhecvHRMa3Ne8kdJZxjxgwnpbHLkcR4bfnhHy6auHPJ"
    "yDTQ3kianeuVLdkCYQ";
constexpr char kStandardWords[] =
    "cycle rocket west magnet parrot shuffle foot correct salt library feed song";
constexpr char kStandardXpub[] =
    "xpub661MyMwAqRbcFWohJWt7PHsFEJfZAvw9ZxwQoDa4SoMgsDDM1T7WK3u9E4edkC4ugRnZ8E4xDZRpk8Rnts3Nbt97d"
    "PwT52CwBdDWroaZf8U";
constexpr char kStandardFirstChange[] = "1KSezYMhAJMWqFbVFB2JshYg69UpmEXR4D";

chain::ByteSpan pw(std::string_view s) {
  return chain::as_span(s);
}

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const KeydError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no KeydError";
  return ErrorKind::kInternal;
}

class SignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keyd-signer-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  std::unique_ptr<Signer> make(chain::Network net, const std::string& sub = "a") {
    fs::create_directories(root_ / sub);  // the data dir; keyd makes DIR/keyd itself
    return std::make_unique<Signer>(root_ / sub / "keyd", net, kWeak);
  }
  // A regtest segwit wallet, unlocked with generous limits.
  std::unique_ptr<Signer> unlocked(SigningLimits limits = {10'000'000, 0}) {
    auto s = make(chain::Network::kRegtest);
    auto accts =
        s->restore(kSegwitWords, "", SeedType::kSegwit, pw("pw"), chain::Network::kRegtest);
    wallet_ = std::make_unique<test::WatchOnly>(test::watch_only(accts.at(0).xpub));
    s->unlock(pw("pw"), std::chrono::seconds(600), limits);
    return s;
  }
  SignRequest request(const chain::Transaction& tx, const std::vector<Prev>& prevs) {
    SignRequest r;
    r.unsigned_tx = tx.serialize();
    for (const auto& p : prevs) r.inputs.push_back({p.value, p.script, p.path, p.prev_tx});
    return r;
  }
  fs::path root_;
  std::unique_ptr<test::WatchOnly> wallet_;
};

TEST_F(SignerTest, RestoreElectrumSegwitGivesKnownAccountAndAddress) {
  auto s = make(chain::Network::kMainnet);
  auto accts = s->restore(kSegwitWords, "", SeedType::kSegwit, pw("pw"), chain::Network::kMainnet);
  ASSERT_EQ(accts.size(), 1u);
  EXPECT_EQ(accts[0].path, "m/0'");
  EXPECT_EQ(accts[0].xpub, kSegwitZpub);
  EXPECT_EQ(accts[0].script, ScriptKind::kP2wpkh);
  s->unlock(pw("pw"), std::chrono::seconds(60), {1000, 0});
  auto sig = s->sign_message({0, 0}, "hello");
  // Same witness program as Electrum's bc1 address, Namecoin's nc1 encoding.
  auto program = chain::segwit_address_decode("bc", kSegwitFirst).program;
  EXPECT_EQ(sig.address, chain::segwit_address_encode("nc", 0, program));
  EXPECT_TRUE(chain::verify_message(sig.address, sig.signature, "hello", chain::mainnet_params()));
  EXPECT_FALSE(chain::verify_message(sig.address, sig.signature, "hellO", chain::mainnet_params()));
}

TEST_F(SignerTest, RestoreElectrumStandardGivesKnownAddress) {
  auto s = make(chain::Network::kMainnet);
  auto accts =
      s->restore(kStandardWords, "", SeedType::kStandard, pw("pw"), chain::Network::kMainnet);
  EXPECT_EQ(accts.at(0).path, "m");
  EXPECT_EQ(accts[0].xpub, kStandardXpub);
  s->unlock(pw("pw"), std::chrono::seconds(60), {1000, 0});
  auto sig = s->sign_message({1, 0}, "m");
  Bytes btc = chain::base58check_decode(kStandardFirstChange);  // 0x00 || hash160
  Bytes nmc = chain::base58check_decode(sig.address);
  ASSERT_EQ(nmc.size(), 21u);
  EXPECT_EQ(nmc[0], chain::mainnet_params().p2pkh_version);
  EXPECT_TRUE(std::equal(btc.begin() + 1, btc.end(), nmc.begin() + 1));
}

TEST_F(SignerTest, RestoreRefusesWrongTypeAndBadChecksum) {
  auto s = make(chain::Network::kRegtest);
  EXPECT_EQ(kind_of([&] {
              s->restore(kStandardWords, "", SeedType::kSegwit, pw("pw"), chain::Network::kRegtest);
            }),
            ErrorKind::kUsage);
  EXPECT_EQ(kind_of([&] {
              s->restore(
                  "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                  "abandon abandon abandon",
                  "", SeedType::kBip39, pw("pw"), chain::Network::kRegtest);
            }),
            ErrorKind::kUsage);
  EXPECT_EQ(kind_of([&] {
              s->restore(kSegwitWords, "", SeedType::kSegwit, pw("pw"), chain::Network::kMainnet);
            }),
            ErrorKind::kUsage);
  EXPECT_FALSE(s->status().has_keystore);
}

TEST_F(SignerTest, CreateThenRestoreSamePhraseGivesSameAccount) {
  auto a = make(chain::Network::kRegtest, "a");
  Created c = a->create(pw("pw"), SeedType::kSegwit, chain::Network::kRegtest);
  EXPECT_EQ(chain::electrum_seed_kind(c.phrase.view()), chain::ElectrumSeedKind::kSegwit);
  EXPECT_FALSE(a->status().unlocked);
  EXPECT_TRUE(a->status().has_keystore);
  auto b = make(chain::Network::kRegtest, "b");
  auto accts =
      b->restore(c.phrase.view(), "", SeedType::kSegwit, pw("other"), chain::Network::kRegtest);
  EXPECT_EQ(accts.at(0).xpub, c.accounts.at(0).xpub);
  EXPECT_EQ(accts[0].xpub.substr(0, 4), "vpub");
  // A second create in the same place is refused, the first keystore kept.
  EXPECT_EQ(kind_of([&] { a->create(pw("x"), SeedType::kSegwit, chain::Network::kRegtest); }),
            ErrorKind::kExists);
  EXPECT_NO_THROW(a->unlock(pw("pw"), std::chrono::seconds(5), {1000, 0}));
  // BIP39 creation gives a valid 12-word mnemonic.
  auto d = make(chain::Network::kRegtest, "d");
  Created m = d->create(pw("pw"), SeedType::kBip39, chain::Network::kRegtest);
  EXPECT_TRUE(chain::bip39_is_valid(m.phrase.view()));
  EXPECT_EQ(m.accounts.at(0).path, "m/84'/7'/0'");
}

TEST_F(SignerTest, LockedUntilUnlockedAndAfterTimeout) {
  auto s = make(chain::Network::kRegtest);
  EXPECT_EQ(kind_of([&] { s->accounts(); }), ErrorKind::kNoKeystore);
  s->restore(kSegwitWords, "", SeedType::kSegwit, pw("pw"), chain::Network::kRegtest);
  EXPECT_EQ(kind_of([&] { s->accounts(); }), ErrorKind::kLocked);
  EXPECT_EQ(kind_of([&] {
              s->unlock(pw("nope"), std::chrono::seconds(5), {1000, 0});
            }),
            ErrorKind::kBadPassword);
  EXPECT_EQ(kind_of([&] {
              s->unlock(pw("pw"), std::chrono::seconds(5), {0, 0});
            }),
            ErrorKind::kUsage);
  auto t0 = Signer::Clock::now();
  s->unlock(pw("pw"), std::chrono::seconds(5), {1000, 0}, t0);
  EXPECT_TRUE(s->status(t0).unlocked);
  EXPECT_EQ(s->status(t0).unlock_seconds_left, 5u);
  EXPECT_NO_THROW(s->name_salt(chain::as_span("d/x"), {0, 0}, t0 + std::chrono::seconds(4)));
  EXPECT_GT(s->cached_keys(), 0u);
  EXPECT_EQ(kind_of([&] {
              s->name_salt(chain::as_span("d/x"), {0, 0}, t0 + std::chrono::seconds(5));
            }),
            ErrorKind::kLocked);
  EXPECT_FALSE(s->status().unlocked);
  EXPECT_EQ(s->cached_keys(), 0u);
  s->unlock(pw("pw"), std::chrono::seconds(5), {1000, 0});
  s->lock();
  EXPECT_FALSE(s->status().unlocked);
}

TEST_F(SignerTest, ChangePassword) {
  auto s = make(chain::Network::kRegtest);
  s->restore(kSegwitWords, "", SeedType::kSegwit, pw("old"), chain::Network::kRegtest);
  EXPECT_EQ(kind_of([&] { s->change_password(pw("wrong"), pw("new")); }), ErrorKind::kBadPassword);
  s->change_password(pw("old"), pw("new"));
  EXPECT_EQ(kind_of([&] {
              s->unlock(pw("old"), std::chrono::seconds(5), {1000, 0});
            }),
            ErrorKind::kBadPassword);
  EXPECT_NO_THROW(s->unlock(pw("new"), std::chrono::seconds(5), {1000, 0}));
}

TEST_F(SignerTest, SignsMultiInputMixedTransactionThatVerifies) {
  auto s = unlocked();
  std::vector<Prev> prevs = {{50'000, wallet_->script({0, 0}), {0, 0}},
                             {70'000, wallet_->script({0, 7}), {0, 7}},
                             {30'000, wallet_->p2pkh({1, 2}), {1, 2}},
                             {20'000, wallet_->script({1, 0}), {1, 0}}};
  Bytes change = wallet_->script({1, 5});
  auto tx = test::unsigned_tx(4, {{100'000, test::foreign_script()}, {69'000, change}});
  test::attach_prev_txs(tx, prevs);
  SignRequest req = request(tx, prevs);
  req.change.push_back({1, {1, 5}});
  // A P2PKH input without its previous transaction, or with one that does
  // not match the amount claimed, is refused: its fee could not be checked.
  SignRequest missing = req;
  missing.inputs[2].prev_tx.clear();
  EXPECT_THROW(s->sign(missing), KeydError);
  SignRequest lying = req;
  lying.inputs[2].value += 1;
  EXPECT_THROW(s->sign(lying), KeydError);
  SignResult r = s->sign(req);
  EXPECT_TRUE(test::verify_signed(r.signed_tx, tx, prevs));
  EXPECT_EQ(r.summary.fee, 1'000);
  EXPECT_EQ(r.summary.change, 69'000);
  ASSERT_EQ(r.summary.foreign_outputs.size(), 1u);
  EXPECT_EQ(r.summary.foreign_outputs[0].index, 0u);
  EXPECT_EQ(r.summary.foreign_outputs[0].value, 100'000);
  EXPECT_EQ(r.summary.vsize, chain::parse_transaction(r.signed_tx).vsize());
  EXPECT_TRUE(r.summary.names.empty());
  // A corrupted signature is caught by the checker (it can fail).
  Bytes bad = r.signed_tx;
  auto parsed = chain::parse_transaction(bad);
  parsed.inputs[1].witness[0][10] ^= 1;
  EXPECT_FALSE(test::verify_signed(parsed.serialize(), tx, prevs));
}

TEST_F(SignerTest, RefusesWhenPathDoesNotMatchScript) {
  auto s = unlocked();
  std::vector<Prev> prevs = {{50'000, wallet_->script({0, 0}), {0, 0}},
                             {50'000, wallet_->script({0, 1}), {0, 2}}};
  auto tx = test::unsigned_tx(2, {{99'000, test::foreign_script()}});
  EXPECT_EQ(kind_of([&] { s->sign(request(tx, prevs)); }), ErrorKind::kRefused);
  // A foreign previous script with any path.
  prevs[1] = {50'000, test::foreign_script(), {0, 1}};
  EXPECT_EQ(kind_of([&] { s->sign(request(tx, prevs)); }), ErrorKind::kRefused);
  // Hardened or over-deep paths are malformed.
  prevs[1] = {50'000, wallet_->script({0, 1}), {0, 1 | chain::kHardened}};
  EXPECT_EQ(kind_of([&] { s->sign(request(tx, prevs)); }), ErrorKind::kUsage);
  prevs[1].path = {0, 1};
  EXPECT_NO_THROW(s->sign(request(tx, prevs)));
}

TEST_F(SignerTest, RefusesChangeThatIsNotOurs) {
  auto s = unlocked();
  std::vector<Prev> prevs = {{50'000, wallet_->script({0, 0}), {0, 0}}};
  auto tx = test::unsigned_tx(
      1, {{10'000, test::foreign_script()}, {39'000, test::foreign_script(0x77)}});
  SignRequest req = request(tx, prevs);
  req.change.push_back({1, {1, 0}});  // claims the second foreign output is change
  EXPECT_EQ(kind_of([&] { s->sign(req); }), ErrorKind::kRefused);
  req.change = {{5, {1, 0}}};
  EXPECT_EQ(kind_of([&] { s->sign(req); }), ErrorKind::kUsage);
  // Without the false claim, both outputs are reported as leaving the wallet.
  req.change.clear();
  SignResult r = s->sign(req);
  EXPECT_EQ(r.summary.foreign_outputs.size(), 2u);
  EXPECT_EQ(r.summary.change, 0);
}

TEST_F(SignerTest, FeeCaps) {
  auto s = unlocked({5'000, 20});  // at most 5,000 sat and 2% of what is sent away
  std::vector<Prev> prevs = {{1'000'000, wallet_->script({0, 0}), {0, 0}}};
  Bytes change = wallet_->script({1, 0});
  auto sign_with = [&](int64_t sent, int64_t fee) {
    auto tx =
        test::unsigned_tx(1, {{sent, test::foreign_script()}, {1'000'000 - sent - fee, change}});
    SignRequest req = request(tx, prevs);
    req.change.push_back({1, {1, 0}});
    return s->sign(req);
  };
  EXPECT_EQ(sign_with(500'000, 5'000).summary.fee, 5'000);
  EXPECT_EQ(kind_of([&] { sign_with(500'000, 5'001); }), ErrorKind::kRefused);  // absolute
  EXPECT_EQ(sign_with(100'000, 2'000).summary.fee, 2'000);                      // exactly 2%
  EXPECT_EQ(kind_of([&] { sign_with(100'000, 2'001); }), ErrorKind::kRefused);  // relative
  // Outputs above inputs.
  auto tx = test::unsigned_tx(1, {{1'000'001, test::foreign_script()}});
  EXPECT_EQ(kind_of([&] { s->sign(request(tx, prevs)); }), ErrorKind::kRefused);
}

TEST_F(SignerTest, NameOutputProtection) {
  auto s = unlocked();
  const Bytes name = {'d', '/', 'r', 'e', 'd', 'o', 'u', 'b', 't'};
  const Bytes value = {'{', '}'};
  Bytes our_addr = wallet_->script({0, 3});
  // The name input: a name_update held at account/0/3.
  std::vector<Prev> prevs = {
      {chain::kNameLockedAmount, chain::name_update_script(name, value, our_addr), {0, 3}},
      {100'000, wallet_->script({0, 4}), {0, 4}}};
  auto build = [&](const Bytes& to) {
    return test::unsigned_tx(
        2,
        {{chain::kNameLockedAmount, chain::name_update_script(name, value, to)},
         {99'000, wallet_->script({1, 1})}},
        chain::kNameTxVersion);
  };
  // Update to ourselves: allowed, not foreign.
  {
    auto tx = build(wallet_->script({1, 9}));
    SignRequest req = request(tx, prevs);
    req.change = {{0, {1, 9}}, {1, {1, 1}}};
    SignResult r = s->sign(req);
    EXPECT_TRUE(test::verify_signed(r.signed_tx, tx, prevs));
    ASSERT_EQ(r.summary.names.size(), 1u);
    EXPECT_EQ(r.summary.names[0].name, name);
    EXPECT_EQ(r.summary.names[0].operation, "name_update");
    EXPECT_FALSE(r.summary.names[0].to_foreign);
    EXPECT_TRUE(r.summary.foreign_outputs.empty());
  }
  // Same address as the name input: ours without a change entry.
  {
    auto tx = build(our_addr);
    SignRequest req = request(tx, prevs);
    req.change = {{1, {1, 1}}};
    EXPECT_FALSE(s->sign(req).summary.names.at(0).to_foreign);
  }
  // To a foreign address: refused unless the name is listed for transfer.
  auto tx = build(test::foreign_script());
  SignRequest req = request(tx, prevs);
  req.change = {{1, {1, 1}}};
  EXPECT_EQ(kind_of([&] { s->sign(req); }), ErrorKind::kRefused);
  req.transfer_names = {Bytes{'d', '/', 'o', 't', 'h', 'e', 'r'}};
  EXPECT_EQ(kind_of([&] { s->sign(req); }), ErrorKind::kRefused);
  req.transfer_names.push_back(name);
  SignResult r = s->sign(req);
  EXPECT_TRUE(test::verify_signed(r.signed_tx, tx, prevs));
  ASSERT_EQ(r.summary.names.size(), 1u);
  EXPECT_TRUE(r.summary.names[0].to_foreign);
  EXPECT_EQ(r.summary.foreign_outputs.size(), 1u);
  // name_new to a foreign address: never.
  chain::Hash160 commitment{};
  auto tx2 = test::unsigned_tx(
      1, {{chain::kNameLockedAmount, chain::name_new_script(commitment, test::foreign_script())}},
      chain::kNameTxVersion);
  SignRequest req2 = request(tx2, {prevs[1]});
  req2.transfer_names = {name};
  EXPECT_EQ(kind_of([&] { s->sign(req2); }), ErrorKind::kRefused);
}

TEST_F(SignerTest, RejectsMalformedRequests) {
  auto s = unlocked();
  std::vector<Prev> prevs = {{50'000, wallet_->script({0, 0}), {0, 0}}};
  auto tx = test::unsigned_tx(1, {{40'000, test::foreign_script()}});
  SignRequest req = request(tx, prevs);
  req.unsigned_tx.pop_back();
  EXPECT_EQ(kind_of([&] { s->sign(req); }), ErrorKind::kUsage);
  req = request(tx, prevs);
  req.inputs.push_back(req.inputs[0]);
  EXPECT_EQ(kind_of([&] { s->sign(req); }), ErrorKind::kUsage);
  req = request(tx, prevs);
  req.inputs[0].value = -1;
  EXPECT_EQ(kind_of([&] { s->sign(req); }), ErrorKind::kUsage);
  // Already signed.
  SignResult r = s->sign(request(tx, prevs));
  req = request(tx, prevs);
  req.unsigned_tx = r.signed_tx;
  EXPECT_EQ(kind_of([&] { s->sign(req); }), ErrorKind::kUsage);
}

// Namecoin Core's construction (wallet getNameSalt), computed here with
// plain HMAC-SHA256 (RFC 5869 extract then one expand block).
Bytes reference_salt(chain::ByteSpan key, chain::ByteSpan name) {
  unsigned char prk[32], okm[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), name.data(), static_cast<int>(name.size()), key.data(), key.size(), prk, &len);
  std::string info = "Namecoin Registration Salt";
  info.push_back('\x01');
  HMAC(EVP_sha256(), prk, 32, reinterpret_cast<const unsigned char*>(info.data()), info.size(), okm,
       &len);
  return Bytes(okm, okm + 20);
}

TEST(NameSaltReference, MatchesRfc5869) {
  // Computed independently (Python hmac/hashlib, RFC 5869 extract+expand):
  // IKM = 32 bytes of 0x11, salt = "d/redoubt", info = "Namecoin Registration Salt".
  EXPECT_EQ(chain::to_hex(reference_salt(Bytes(32, 0x11), chain::as_span("d/redoubt"))),
            "edcdaaeff54147b46962d4b7deab7aa400891381");
}

// Electrum-NMC's and Namecoin Core's construction: the key of the name_new
// output's own address, so a name_new made by either wallet from the same
// seed is found by the other after a restore.
TEST_F(SignerTest, NameSaltIsDeterministicFromTheSeed) {
  auto s = unlocked();
  Bytes a = s->name_salt(chain::as_span("d/redoubt"), {0, 3});
  Bytes b = s->name_salt(chain::as_span("d/other"), {0, 3});
  EXPECT_EQ(a.size(), chain::kNameSaltLength);
  EXPECT_NE(a, b);
  EXPECT_NE(s->name_salt(chain::as_span("d/redoubt"), {0, 4}), a)
      << "another address, another salt";
  // Same seed elsewhere, other password: same salt.
  auto s2 = make(chain::Network::kRegtest, "z");
  s2->restore(kSegwitWords, "", SeedType::kSegwit, pw("x"), chain::Network::kRegtest);
  s2->unlock(pw("x"), std::chrono::seconds(60), {1000, 0});
  EXPECT_EQ(s2->name_salt(chain::as_span("d/redoubt"), {0, 3}), a);
  // The documented construction, from the private key of m/0'/0/3 (the
  // fourth receiving address of Electrum's segwit layout).
  auto master = chain::ExtendedPrivateKey::from_seed(
      chain::electrum_seed_to_bip32_seed(kSegwitWords, "").span());
  auto key = master.derive_path(chain::parse_key_path("m/0'/0/3"));
  EXPECT_EQ(a, reference_salt(key.key().bytes(), chain::as_span("d/redoubt")));
  EXPECT_EQ(kind_of([&] { s->name_salt({}, {0, 3}); }), ErrorKind::kUsage);
  EXPECT_EQ(kind_of([&] { s->name_salt(chain::as_span("d/x"), {}); }), ErrorKind::kUsage);
}

}  // namespace
}  // namespace redoubt::keyd

namespace redoubt::keyd {
namespace {

// The cache returns exactly BIP32's keys, at every depth it accepts.
TEST(AccountKeys, CachedKeysEqualPlainDerivation) {
  auto master = chain::ExtendedPrivateKey::from_seed(
      chain::electrum_seed_to_bip32_seed(kSegwitWords, "").span());
  auto account = master.derive(0 | chain::kHardened);
  AccountKeys keys(account.clone());
  for (const KeyPath& p : {KeyPath{0, 0}, KeyPath{1, 7}, KeyPath{5}, KeyPath{0, 1, 2, 3}}) {
    const DerivedKey& k = keys.key(p);
    auto want = account.derive_path(p);
    EXPECT_TRUE(std::equal(k.key.bytes().begin(), k.key.bytes().end(), want.key().bytes().begin()));
    EXPECT_EQ(k.pubkey, want.public_key().compressed());
    EXPECT_EQ(k.key_hash, want.public_key().key_hash());
    EXPECT_EQ(&keys.key(p), &k);  // cached, same object
  }
  EXPECT_EQ(keys.cached(), 4u);
  EXPECT_THROW(keys.key({}), KeydError);
  EXPECT_THROW(keys.key({0, 1, 2, 3, 4}), KeydError);
  EXPECT_THROW(keys.key({0, chain::kHardened}), KeydError);
  keys.trim();  // far below the cap: nothing dropped
  EXPECT_EQ(keys.cached(), 4u);
}

}  // namespace
}  // namespace redoubt::keyd

namespace redoubt::keyd {
namespace {

TEST_F(SignerTest, RefusesAnOutputSpentTwice) {
  auto s = unlocked();
  std::vector<Prev> prevs = {{50'000, wallet_->script({0, 0}), {0, 0}},
                             {50'000, wallet_->script({0, 0}), {0, 0}}};
  auto tx = test::unsigned_tx(2, {{90'000, test::foreign_script()}});
  tx.inputs[1].prevout = tx.inputs[0].prevout;
  EXPECT_EQ(kind_of([&] { s->sign(request(tx, prevs)); }), ErrorKind::kUsage);
}

}  // namespace
}  // namespace redoubt::keyd
