// Coin selection, privacy first: whole address groups are spent together (so
// no new link between addresses is created), name outputs are never spent
// for payments, unconfirmed coins from others are avoided, frozen coins and
// --from-coins/--from-addr restrictions are respected, and in anonymity mode
// a name operation is funded only from groups linked to its name(s) or to no
// name. Fees come from exact vsize accounting; dust change goes to the fee.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/fee.h"
#include "broker/groupings.h"
#include "broker/wallet_error.h"
#include "broker/wallet_types.h"
#include "chain/bip32.h"

namespace redoubt::broker {

// A spendable output of ours, as coin selection and the builder see it.
struct Coin {
  chain::OutPoint outpoint;
  int64_t value = 0;
  chain::Bytes script_pubkey;  // full script (name prefix included for name coins)
  chain::KeyScriptType type = chain::KeyScriptType::kP2wpkh;
  AddressId address = 0;
  chain::KeyPath path;  // full derivation path of the address key
  int32_t height = kUnconfirmedHeight;
  bool is_name = false;
  bool frozen = false;           // the coin or its address is frozen
  bool own_unconfirmed = false;  // unconfirmed, but every input of its tx was ours
};

struct SelectionRequest {
  int64_t amount = 0;  // sum of all non-change outputs
  std::vector<size_t> output_script_sizes;
  // Inputs that must be spent (the name input of firstupdate/update).
  std::vector<Coin> required;
  int64_t fee_rate = 1000;  // sat/kvB, already clamped (effective_fee_rate)
  int64_t max_fee = 10'000'000;
  size_t change_script_size = 22;  // P2WPKH
  int64_t change_dust = 294;       // dust_threshold(change script)
  std::optional<std::set<std::pair<chain::Hash256, uint32_t>>> from_coins;
  std::optional<std::set<AddressId>> from_addresses;
  // Name operation in anonymity mode: the names this operation may be linked
  // to (the name itself, or every name of its pseudonymous identifier).
  // nullopt: an ordinary payment.
  std::optional<std::vector<chain::Bytes>> name_scope;
  bool anonymity = true;
};

struct Selection {
  std::vector<Coin> inputs;  // required inputs first
  int64_t fee = 0;
  std::optional<int64_t> change;  // nullopt: no change output (dust went to the fee)
  size_t vsize = 0;
  std::vector<int> groups;  // the groups spent
};

struct Exclusion {
  chain::OutPoint outpoint;
  int64_t value = 0;
  std::string reason;
};

class SelectionError : public WalletError {
 public:
  enum class Kind { kInsufficientFunds, kFeeTooHigh };
  SelectionError(Kind kind, int64_t missing, std::vector<Exclusion> excluded,
                 const std::string& msg)
      : WalletError(msg), kind_(kind), missing_(missing), excluded_(std::move(excluded)) {}
  Kind kind() const { return kind_; }
  int64_t missing() const { return missing_; }
  const std::vector<Exclusion>& excluded() const { return excluded_; }

 private:
  Kind kind_;
  int64_t missing_;
  std::vector<Exclusion> excluded_;
};

// Selects inputs; throws SelectionError (insufficient funds, saying which
// coins were excluded and why and how much is missing; or fee over the cap).
Selection select_coins(const std::vector<Coin>& coins, const Groupings& groups,
                       const SelectionRequest& req);

}  // namespace redoubt::broker
