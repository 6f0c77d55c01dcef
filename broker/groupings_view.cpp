#include "broker/groupings_view.h"

#include <algorithm>

#include "chain/address.h"

namespace redoubt::broker {

std::vector<chain::Bytes> names_in_scope(Store& store, const std::string& id) {
  std::vector<chain::Bytes> out = {chain::Bytes(id.begin(), id.end())};
  for (const auto& n : store.names())
    if (n.identifier && *n.identifier == id && n.name != out.front()) out.push_back(n.name);
  return out;
}

std::vector<GroupView> list_address_groupings(const WalletModel& w, Store& store,
                                              const chain::NetworkParams& p,
                                              const GroupingsListOptions& opt) {
  Groupings g = w.groupings();
  GroupingsQuery q;
  if (opt.identifier) q.linked_to = names_in_scope(store, *opt.identifier);
  const auto bal = w.balance_by_address();
  std::vector<GroupView> out;
  for (const AddressGroup* grp : select_groups(g, q)) {
    GroupView v;
    v.names = grp->names;
    v.balance = grp->balance;
    for (AddressId id : grp->addresses) {
      const AddressRecord* a = w.address(id);
      if (!a || !a->used) continue;
      ++v.address_count;
      if (opt.collapse) continue;
      auto it = bal.find(id);
      v.addresses.push_back({id, chain::script_to_address(a->script, p).value_or(""),
                             it == bal.end() ? 0 : it->second, a->label});
    }
    if (v.address_count == 0 && v.names.empty()) continue;
    out.push_back(std::move(v));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const GroupView& a, const GroupView& b) { return a.balance > b.balance; });
  return out;
}

}  // namespace redoubt::broker
