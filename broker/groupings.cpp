#include "broker/groupings.h"

#include <algorithm>
#include <numeric>

namespace redoubt::broker {
namespace {

// Union-find with path halving and union by size: amortised near-constant
// (inverse Ackermann) per operation, so the whole pass is near-linear.
class DisjointSets {
 public:
  explicit DisjointSets(size_t n) : parent_(n), size_(n, 1) {
    std::iota(parent_.begin(), parent_.end(), 0u);
  }
  uint32_t add() {
    parent_.push_back(static_cast<uint32_t>(parent_.size()));
    size_.push_back(1);
    return parent_.back();
  }
  uint32_t find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void unite(uint32_t a, uint32_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return;
    if (size_[a] < size_[b]) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
  }
  size_t size() const { return parent_.size(); }

 private:
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> size_;
};

std::string key(const chain::Bytes& b) {
  return std::string(b.begin(), b.end());
}

}  // namespace

Groupings Groupings::compute(const std::vector<AddressId>& addresses,
                             const std::vector<GroupingLink>& links) {
  std::unordered_map<AddressId, uint32_t> node;
  node.reserve(addresses.size() * 2);
  for (AddressId a : addresses) node.emplace(a, static_cast<uint32_t>(node.size()));
  DisjointSets ds(node.size());
  std::unordered_map<std::string, uint32_t> name_node;
  std::vector<chain::Bytes> node_name;  // name of node (index - addresses)
  const uint32_t first_name = static_cast<uint32_t>(node.size());

  for (const auto& l : links) {
    uint32_t anchor = UINT32_MAX;
    for (AddressId a : l.addresses) {
      auto it = node.find(a);
      if (it == node.end()) continue;  // not (or no longer) ours
      if (anchor == UINT32_MAX)
        anchor = it->second;
      else
        ds.unite(anchor, it->second);
    }
    for (const auto& n : l.names) {
      auto [it, fresh] = name_node.emplace(key(n), 0);
      if (fresh) {
        it->second = ds.add();
        node_name.push_back(n);
      }
      if (anchor == UINT32_MAX)
        anchor = it->second;
      else
        ds.unite(anchor, it->second);
    }
  }

  Groupings g;
  std::vector<int> group_of_root(ds.size(), -1);
  auto group_for = [&](uint32_t n) {
    uint32_t r = ds.find(n);
    if (group_of_root[r] < 0) {
      group_of_root[r] = static_cast<int>(g.groups_.size());
      g.groups_.emplace_back();
    }
    return group_of_root[r];
  };
  g.addr_group_.reserve(node.size());
  for (AddressId a : addresses) {
    int gi = group_for(node.at(a));
    g.groups_[static_cast<size_t>(gi)].addresses.push_back(a);
    g.addr_group_.emplace(a, gi);
  }
  for (uint32_t i = 0; i < node_name.size(); ++i) {
    int gi = group_for(first_name + i);
    g.groups_[static_cast<size_t>(gi)].names.push_back(node_name[i]);
    g.name_group_.emplace(key(node_name[i]), gi);
  }
  for (auto& grp : g.groups_) {
    std::sort(grp.addresses.begin(), grp.addresses.end());
    std::sort(grp.names.begin(), grp.names.end());
  }
  return g;
}

int Groupings::group_of(AddressId a) const {
  auto it = addr_group_.find(a);
  return it == addr_group_.end() ? -1 : it->second;
}

int Groupings::group_of_name(const chain::Bytes& name) const {
  auto it = name_group_.find(key(name));
  return it == name_group_.end() ? -1 : it->second;
}

void Groupings::add_balances(const std::unordered_map<AddressId, int64_t>& by_address) {
  for (const auto& [a, v] : by_address) {
    int gi = group_of(a);
    if (gi >= 0) groups_[static_cast<size_t>(gi)].balance += v;
  }
}

std::vector<const AddressGroup*> select_groups(const Groupings& g, const GroupingsQuery& q) {
  std::vector<const AddressGroup*> out;
  std::vector<bool> want(g.groups().size(), q.linked_to.empty());
  for (const auto& n : q.linked_to) {
    int gi = g.group_of_name(n);
    if (gi >= 0) want[static_cast<size_t>(gi)] = true;
  }
  for (size_t i = 0; i < g.groups().size(); ++i) {
    const auto& grp = g.groups()[i];
    if (want[i] || (q.include_unlinked && grp.names.empty())) out.push_back(&grp);
  }
  return out;
}

}  // namespace redoubt::broker
