// Address groupings for anonymity mode: union-find over the wallet's
// transactions (common-input-ownership). Addresses spent together, a
// transaction's inputs with its outputs of ours, and a name with every
// address its operations touched end up in one group. Near-linear in the
// number of (transaction, address) links.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/wallet_types.h"

namespace redoubt::broker {

// What one transaction (or a queued firstupdate) links together: every
// address of ours among its inputs and outputs, and the names it operates on.
struct GroupingLink {
  std::vector<AddressId> addresses;
  std::vector<chain::Bytes> names;
};

struct AddressGroup {
  std::vector<AddressId> addresses;  // ascending
  std::vector<chain::Bytes> names;   // sorted
  int64_t balance = 0;               // sum of unspent outputs at these addresses
};

class Groupings {
 public:
  // `addresses`: every wallet address (each starts as its own group);
  // `links`: one per wallet transaction, unconfirmed ones and queued
  // firstupdates included (a queued registration already ties its coins).
  static Groupings compute(const std::vector<AddressId>& addresses,
                           const std::vector<GroupingLink>& links);

  // Group index of an address / a name, or -1 when unknown.
  int group_of(AddressId a) const;
  int group_of_name(const chain::Bytes& name) const;
  const std::vector<AddressGroup>& groups() const { return groups_; }
  // Adds each address's balance into its group (unspent value per address).
  void add_balances(const std::unordered_map<AddressId, int64_t>& balance_by_address);

 private:
  std::vector<AddressGroup> groups_;
  std::unordered_map<AddressId, int> addr_group_;
  std::unordered_map<std::string, int> name_group_;
};

struct GroupingsQuery {
  // Only groups linked to one of these names (a name, or every name sharing
  // a pseudonymous identifier); empty: all groups.
  std::vector<chain::Bytes> linked_to;
  // Include groups without any name when filtering (what a name operation
  // for those names may spend).
  bool include_unlinked = false;
};
std::vector<const AddressGroup*> select_groups(const Groupings& g, const GroupingsQuery& q);

}  // namespace redoubt::broker
