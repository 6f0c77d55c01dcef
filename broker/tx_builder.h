// Builds unsigned payment and name transactions (name_new,
// name_firstupdate, name_update) from a coin selection, and the data keyd
// needs to sign them. SignRequestData mirrors ipc/signer.capnp's SignRequest
// field for field, so the IPC adapter converts it 1:1.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "broker/coin_select.h"
#include "broker/fee.h"
#include "chain/bip32.h"
#include "chain/tx.h"

namespace redoubt::broker {

// signer.capnp InputInfo: one per transaction input, in order.
struct SignInput {
  int64_t value = 0;
  chain::Bytes script_pubkey;  // previous output's script, name prefix included
  chain::KeyPath path;         // full derivation path (account path + change/index)
};
// signer.capnp ChangeInfo: an output paying one of our own keys. Our own
// name outputs are listed too, so keyd sees the name stays in the wallet.
struct SignChange {
  uint32_t output_index = 0;
  chain::KeyPath path;
};
// signer.capnp SignRequest.
struct SignRequestData {
  chain::Bytes unsigned_tx;
  std::vector<SignInput> inputs;
  std::vector<SignChange> change;
  std::vector<chain::Bytes> transfer_names;  // names the user explicitly gives away
};

struct Destination {
  chain::Bytes script;
  int64_t value = 0;
};

// A fresh address of ours (the wallet model picks it).
struct OwnAddress {
  AddressId id = 0;
  chain::Bytes script;  // plain scriptPubKey
  chain::KeyPath path;
  chain::KeyScriptType type = chain::KeyScriptType::kP2wpkh;
};

struct BuildOptions {
  int64_t fee_rate = 1000;  // sat/kvB (effective_fee_rate already applied)
  FeePolicy policy;
  bool rbf = true;  // BIP125 signalling (nSequence 0xfffffffd) by default
  uint32_t locktime = 0;
  std::optional<std::set<std::pair<chain::Hash256, uint32_t>>> from_coins;
  std::optional<std::set<AddressId>> from_addresses;
  bool anonymity = true;
  // The names sharing this operation's pseudonymous identifier (the name
  // itself is always in scope).
  std::vector<chain::Bytes> identifier_names;
};

struct BuiltTx {
  chain::Transaction tx;
  SignRequestData sign;
  int64_t fee = 0;
  size_t vsize = 0;  // exact: keyd's signatures are 71 bytes (fee.h)
  std::optional<uint32_t> change_index;
  std::optional<uint32_t> name_index;
  Selection selection;
};

// BIP125: any input with nSequence below 0xfffffffe signals replaceability.
inline constexpr uint32_t kRbfSequence = 0xfffffffd;
inline constexpr uint32_t kFinalSequence = 0xfffffffe;  // allows nLockTime, no RBF

BuiltTx build_payment(const std::vector<Coin>& coins, const Groupings& groups,
                      const std::vector<Destination>& outputs, const OwnAddress& change,
                      const BuildOptions& opt);

// name_new: commits to hash160(salt || name); `salt` comes from keyd
// (deterministic, 20 bytes). The name output goes to `name_address`.
BuiltTx build_name_new(const std::vector<Coin>& coins, const Groupings& groups,
                       chain::ByteSpan name, chain::ByteSpan salt, const OwnAddress& name_address,
                       const OwnAddress& change, const BuildOptions& opt);

// name_firstupdate spending `name_new_coin` (which must be that name_new's
// output and is checked against name and salt).
BuiltTx build_name_firstupdate(const std::vector<Coin>& coins, const Groupings& groups,
                               const Coin& name_new_coin, chain::ByteSpan name,
                               chain::ByteSpan salt, chain::ByteSpan value,
                               const OwnAddress& name_address, const OwnAddress& change,
                               const BuildOptions& opt);

// name_update spending the name's current output. With `transfer_to` (a
// foreign address script) the name leaves the wallet and is listed in
// transferNames; otherwise it goes to `name_address` (ours).
BuiltTx build_name_update(const std::vector<Coin>& coins, const Groupings& groups,
                          const Coin& name_coin, chain::ByteSpan name, chain::ByteSpan value,
                          const OwnAddress& name_address,
                          const std::optional<chain::Bytes>& transfer_to, const OwnAddress& change,
                          const BuildOptions& opt);

}  // namespace redoubt::broker
