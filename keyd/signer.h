// keyd's domain: the keystore, the unlocked account with its timeout and
// limits, and the operations the broker may ask for. No Cap'n Proto here
// (keyd/rpc_server adapts it); every failure is a KeydError.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/params.h"
#include "chain/secure.h"
#include "keyd/account_keys.h"
#include "keyd/keystore.h"
#include "keyd/tx_signing.h"

namespace redoubt::keyd {

enum class ScriptKind { kP2wpkh, kP2pkh };

// What the broker needs for its watch-only view of an account.
struct Account {
  std::string path;  // "m/0'" (Electrum segwit), "m" (standard), "m/84'/7'/0'" (BIP39)
  std::string xpub;  // zpub/xpub on mainnet, vpub/tpub on testnet and regtest (SLIP-0132)
  ScriptKind script;
};

struct Status {
  bool has_keystore = false;
  bool unlocked = false;
  SeedType seed_type = SeedType::kSegwit;
  uint32_t unlock_seconds_left = 0;
};

struct Created {
  chain::SecureBytes phrase;  // shown once to the user
  std::vector<Account> accounts;
};

struct MessageSignature {
  std::string signature;  // base64, Namecoin message format
  std::string address;
};

// Longest unlock accepted (a day); 0 is refused.
inline constexpr uint32_t kMaxUnlockSeconds = 86'400;

class Signer {
 public:
  using Clock = std::chrono::steady_clock;

  // `keyd_dir` is DIR/keyd; `network` the one keyd was started for. `scrypt`
  // is the cost of keystores this signer writes (tests pass a weak one).
  Signer(std::filesystem::path keyd_dir, chain::Network network,
         ScryptParams scrypt = kDefaultScrypt);
  ~Signer();

  chain::Network network() const { return network_; }
  Status status(Clock::time_point now = Clock::now());

  // A new keystore with a fresh phrase (Electrum v2 segwit/standard, or a
  // 12-word BIP39 mnemonic). Leaves the signer locked.
  Created create(chain::ByteSpan password, SeedType type, chain::Network network);
  // A keystore from an existing phrase: Electrum segwit/standard (the phrase
  // must carry that version prefix) or BIP39 (checksum required), with its
  // optional passphrase / seed extension.
  std::vector<Account> restore(std::string_view phrase, std::string_view passphrase, SeedType type,
                               chain::ByteSpan password, chain::Network network);

  // Decrypts the seed, derives the account key, and keeps it (and only it)
  // until lock(), the timeout, or the broker going away.
  void unlock(chain::ByteSpan password, std::chrono::seconds timeout, const SigningLimits& limits,
              Clock::time_point now = Clock::now());
  void lock();
  // Locks if the deadline has passed; returns whether it is locked now.
  bool expire(Clock::time_point now = Clock::now());
  std::optional<Clock::time_point> deadline() const;

  void change_password(chain::ByteSpan old_password, chain::ByteSpan new_password);
  std::vector<Account> accounts(Clock::time_point now = Clock::now());

  SignResult sign(const SignRequest& request, Clock::time_point now = Clock::now());
  // Signs `message` with the key at `path` below the account (Namecoin
  // message magic, compressed-P2PKH header as Namecoin Core and Electrum-NMC
  // write it) and names the account-type address of that key.
  MessageSignature sign_message(const chain::KeyPath& path, std::string_view message,
                                Clock::time_point now = Clock::now());

  // Deterministic name_new salt, recoverable from the seed alone, as
  // Electrum-NMC and Namecoin Core compute it (so either wallet restored
  // from the seed finds the other's pre-registrations):
  //   salt = first 20 bytes of HKDF-SHA256(IKM = the private key of the
  //          name_new output's address (`path`, below the account),
  //          salt = name, info = "Namecoin Registration Salt")
  // (RFC 5869, L = 32; Namecoin Core's getNameSalt, wallet/rpc/names.cpp;
  // Electrum-NMC's wallet.name_salt).
  chain::Bytes name_salt(chain::ByteSpan name, const chain::KeyPath& path,
                         Clock::time_point now = Clock::now());

  // Loaded account keys, for tests (0 when locked).
  size_t cached_keys() const;

 private:
  struct Unlocked;
  Unlocked& require_unlocked(Clock::time_point now);
  void check_network(chain::Network network) const;
  std::vector<Account> accounts_of(const SeedMaterial& seed) const;

  Keystore keystore_;
  chain::Network network_;
  std::unique_ptr<Unlocked> unlocked_;
};

}  // namespace redoubt::keyd
