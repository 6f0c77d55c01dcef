// listaddressgroupings: the wallet's used addresses and names grouped by
// what the chain links, with balances; filtered to one name or pseudonymous
// identifier (--identifier) and optionally collapsed to one line per group.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/wallet_model.h"

namespace redoubt::broker {

struct GroupedAddress {
  AddressId id = 0;
  std::string address;  // encoded for the network ("" if the script has none)
  int64_t balance = 0;
  std::string label;
};

struct GroupView {
  std::vector<GroupedAddress> addresses;  // empty when collapsed
  size_t address_count = 0;
  std::vector<chain::Bytes> names;
  int64_t balance = 0;
};

struct GroupingsListOptions {
  // A name, or a pseudonymous identifier: the groups linked to that name or
  // to any name stored with that identifier. nullopt: every group.
  std::optional<std::string> identifier;
  bool collapse = false;
};

// The names a name operation for `name_or_identifier` may be linked to: the
// name itself plus every name of ours stored with that identifier.
std::vector<chain::Bytes> names_in_scope(Store& store, const std::string& name_or_identifier);

// Groups that contain at least one used address or a name (Core lists only
// addresses with history), largest balance first.
std::vector<GroupView> list_address_groupings(const WalletModel& w, Store& store,
                                              const chain::NetworkParams& p,
                                              const GroupingsListOptions& opt);

}  // namespace redoubt::broker
