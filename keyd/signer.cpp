#include "keyd/signer.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "chain/address.h"
#include "chain/bip39.h"
#include "chain/error.h"
#include "chain/message.h"
#include "chain/names.h"
#include "chain/script.h"
#include "chain/seed.h"
#include "keyd/error.h"

namespace redoubt::keyd {
namespace {

using chain::ByteSpan;
using chain::SecureBytes;

// The account key of a seed and the script its addresses use.
struct AccountKey {
  chain::ExtendedPrivateKey xprv;
  chain::AccountLayout layout;
};

AccountKey account_key(const SeedMaterial& seed) {
  try {
    chain::SeedScheme scheme = seed.type == SeedType::kBip39 ? chain::SeedScheme::kBip39
                               : seed.type == SeedType::kStandard
                                   ? chain::SeedScheme::kElectrumStandard
                                   : chain::SeedScheme::kElectrumSegwit;
    chain::AccountLayout layout = chain::account_layout(scheme);
    SecureBytes bip32_seed =
        seed.type == SeedType::kBip39
            ? chain::bip39_to_seed(seed.phrase.view(), seed.passphrase.view())
            : chain::electrum_seed_to_bip32_seed(seed.phrase.view(), seed.passphrase.view());
    auto master = chain::ExtendedPrivateKey::from_seed(bip32_seed.span());
    return AccountKey{master.derive_path(layout.account), layout};
  } catch (const chain::ChainError& e) {
    throw KeydError(ErrorKind::kUsage, std::string("cannot use this seed: ") + e.what());
  }
}

ScriptKind kind_of(chain::KeyScriptType t) {
  return t == chain::KeyScriptType::kP2wpkh ? ScriptKind::kP2wpkh : ScriptKind::kP2pkh;
}

uint32_t xpub_version(chain::Network net, ScriptKind kind) {
  const bool main = net == chain::Network::kMainnet;
  if (kind == ScriptKind::kP2wpkh) return main ? chain::kZprvZpub.pub : chain::kVprvVpub.pub;
  return main ? chain::kXprvXpub.pub : chain::kTprvTpub.pub;
}

std::string address_of(const DerivedKey& k, ScriptKind kind, chain::Network net) {
  chain::Bytes spk = kind == ScriptKind::kP2wpkh ? chain::p2wpkh_script(k.key_hash)
                                                 : chain::p2pkh_script(k.key_hash);
  auto a = chain::script_to_address(spk, chain::params_for(net));
  if (!a) throw KeydError(ErrorKind::kInternal, "no address for a key script");
  return *a;
}

// RFC 5869 HKDF-SHA256 through OpenSSL's EVP_KDF.
std::array<uint8_t, 32> hkdf_sha256(ByteSpan ikm, ByteSpan salt, std::string_view info) {
  std::array<uint8_t, 32> out{};
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
                         OSSL_PARAM_construct_end()};
  bool ok = ctx && EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) throw KeydError(ErrorKind::kInternal, "HKDF-SHA256 failed");
  return out;
}

}  // namespace

struct Signer::Unlocked {
  AccountKeys keys;
  chain::AccountLayout layout;
  SeedType type;
  SigningLimits limits;
  Clock::time_point deadline;
};

Signer::Signer(std::filesystem::path keyd_dir, chain::Network network, ScryptParams scrypt)
    : keystore_(std::move(keyd_dir), scrypt), network_(network) {}

Signer::~Signer() = default;

void Signer::check_network(chain::Network network) const {
  if (network != network_)
    throw KeydError(ErrorKind::kUsage, std::string("keyd runs for ") +
                                           chain::params_for(network_).name + ", not " +
                                           chain::params_for(network).name);
}

Status Signer::status(Clock::time_point now) {
  expire(now);
  Status s;
  s.has_keystore = keystore_.exists();
  if (s.has_keystore) {
    try {
      if (auto info = keystore_.info()) s.seed_type = info->type;
    } catch (const KeydError&) {
      // A damaged file still "exists"; unlock reports the damage.
    }
  }
  if (unlocked_) {
    s.unlocked = true;
    s.seed_type = unlocked_->type;
    auto left = std::chrono::ceil<std::chrono::seconds>(unlocked_->deadline - now).count();
    s.unlock_seconds_left = static_cast<uint32_t>(std::max<int64_t>(left, 1));
  }
  return s;
}

std::vector<Account> Signer::accounts_of(const SeedMaterial& seed) const {
  AccountKey a = account_key(seed);
  ScriptKind kind = kind_of(a.layout.script);
  return {Account{chain::format_key_path(a.layout.account),
                  a.xprv.neuter().to_base58(xpub_version(network_, kind)), kind}};
}

Created Signer::create(ByteSpan password, SeedType type, chain::Network network) {
  check_network(network);
  SeedMaterial seed;
  seed.type = type;
  seed.network = network;
  if (type == SeedType::kBip39) {
    SecureBytes entropy(16);  // 128 bits: 12 words, as Electrum offers
    if (RAND_bytes(entropy.data(), static_cast<int>(entropy.size())) != 1)
      throw KeydError(ErrorKind::kInternal, "no randomness from OpenSSL");
    seed.phrase = chain::bip39_entropy_to_mnemonic(entropy.span());
  } else {
    seed.phrase =
        chain::make_electrum_seed(type == SeedType::kSegwit ? chain::ElectrumSeedKind::kSegwit
                                                            : chain::ElectrumSeedKind::kStandard);
  }
  std::vector<Account> accounts = accounts_of(seed);
  keystore_.create(seed, password);
  lock();
  return Created{std::move(seed.phrase), std::move(accounts)};
}

std::vector<Account> Signer::restore(std::string_view phrase, std::string_view passphrase,
                                     SeedType type, ByteSpan password, chain::Network network) {
  check_network(network);
  if (phrase.size() > chain::kMaxSeedTextLength || passphrase.size() > chain::kMaxSeedTextLength)
    throw KeydError(ErrorKind::kUsage, "seed phrase or passphrase too long");
  try {
    if (type == SeedType::kBip39) {
      if (!chain::bip39_is_valid(phrase))
        throw KeydError(ErrorKind::kUsage,
                        "not a valid BIP39 mnemonic (unknown word, word count or checksum)");
    } else {
      auto want = type == SeedType::kSegwit ? chain::ElectrumSeedKind::kSegwit
                                            : chain::ElectrumSeedKind::kStandard;
      auto got = chain::electrum_seed_kind(phrase);
      if (got != want)
        throw KeydError(ErrorKind::kUsage,
                        std::string("this phrase is not an Electrum ") +
                            std::string(chain::to_string(want)) +
                            " seed (it looks like: " + std::string(chain::to_string(got)) + ")");
    }
  } catch (const chain::ChainError& e) {
    throw KeydError(ErrorKind::kUsage, std::string("cannot read the phrase: ") + e.what());
  }
  SeedMaterial seed;
  seed.type = type;
  seed.network = network;
  seed.phrase = SecureBytes::from_string(phrase);
  seed.passphrase = SecureBytes::from_string(passphrase);
  std::vector<Account> accounts = accounts_of(seed);
  keystore_.create(seed, password);
  lock();
  return accounts;
}

void Signer::unlock(ByteSpan password, std::chrono::seconds timeout, const SigningLimits& limits,
                    Clock::time_point now) {
  if (timeout.count() <= 0 || timeout.count() > kMaxUnlockSeconds)
    throw KeydError(ErrorKind::kUsage, "the unlock timeout must be 1 to " +
                                           std::to_string(kMaxUnlockSeconds) + " seconds");
  if (limits.max_fee_sat <= 0 || limits.max_fee_sat > kMaxMoney)
    throw KeydError(ErrorKind::kUsage, "set an absolute fee cap (1 sat or more) to unlock");
  lock();
  SeedMaterial seed = keystore_.open(password);
  if (seed.network != network_)
    throw KeydError(ErrorKind::kUsage, std::string("this keystore is for ") +
                                           chain::params_for(seed.network).name +
                                           "; keyd runs for " + chain::params_for(network_).name);
  AccountKey a = account_key(seed);
  unlocked_ = std::make_unique<Unlocked>(
      Unlocked{AccountKeys(std::move(a.xprv)), a.layout, seed.type, limits, now + timeout});
}

void Signer::lock() {
  unlocked_.reset();
}  // destructors wipe every key (SecureBytes)

bool Signer::expire(Clock::time_point now) {
  if (unlocked_ && now >= unlocked_->deadline) lock();
  return !unlocked_;
}

std::optional<Signer::Clock::time_point> Signer::deadline() const {
  if (!unlocked_) return std::nullopt;
  return unlocked_->deadline;
}

Signer::Unlocked& Signer::require_unlocked(Clock::time_point now) {
  if (expire(now)) {
    if (!keystore_.exists())
      throw KeydError(ErrorKind::kNoKeystore,
                      "there is no keystore yet: create or restore a wallet");
    throw KeydError(ErrorKind::kLocked, "the wallet is locked: unlock it first");
  }
  return *unlocked_;
}

void Signer::change_password(ByteSpan old_password, ByteSpan new_password) {
  keystore_.change_password(old_password, new_password);
}

std::vector<Account> Signer::accounts(Clock::time_point now) {
  Unlocked& u = require_unlocked(now);
  ScriptKind kind = kind_of(u.layout.script);
  return {Account{chain::format_key_path(u.layout.account),
                  u.keys.account().neuter().to_base58(xpub_version(network_, kind)), kind}};
}

SignResult Signer::sign(const SignRequest& request, Clock::time_point now) {
  Unlocked& u = require_unlocked(now);
  u.keys.trim();
  return sign_transaction(request, u.keys, u.limits);
}

MessageSignature Signer::sign_message(const chain::KeyPath& path, std::string_view message,
                                      Clock::time_point now) {
  Unlocked& u = require_unlocked(now);
  if (message.size() > size_t{64} * 1024) throw KeydError(ErrorKind::kUsage, "message too long");
  u.keys.trim();
  const DerivedKey& k = u.keys.key(path);
  return MessageSignature{chain::sign_message(k.key, message),
                          address_of(k, kind_of(u.layout.script), network_)};
}

chain::Bytes Signer::name_salt(ByteSpan name, const chain::KeyPath& path, Clock::time_point now) {
  Unlocked& u = require_unlocked(now);
  if (name.empty() || name.size() > chain::kMaxNameLength)
    throw KeydError(ErrorKind::kUsage, "a name is 1 to 255 bytes");
  u.keys.trim();
  const DerivedKey& k = u.keys.key(path);
  auto okm = hkdf_sha256(k.key.bytes(), name, "Namecoin Registration Salt");
  chain::Bytes salt(okm.begin(), okm.begin() + chain::kNameSaltLength);
  chain::secure_wipe(okm);
  return salt;
}

size_t Signer::cached_keys() const {
  return unlocked_ ? unlocked_->keys.cached() : 0;
}

}  // namespace redoubt::keyd
