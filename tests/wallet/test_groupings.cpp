// Groupings: union-find over transactions links addresses spent together,
// inputs with our outputs, and names with every address they touched;
// checked against a naive closure on random wallets.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <set>

#include "broker/groupings.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;

using wallettest::nm;

TEST(Groupings, EachAddressAloneWithoutLinks) {
  auto g = Groupings::compute({1, 2, 3}, {});
  EXPECT_EQ(g.groups().size(), 3u);
  EXPECT_NE(g.group_of(1), g.group_of(2));
  EXPECT_EQ(g.group_of(99), -1);
}

TEST(Groupings, InputsAndOutputsOfOneTransactionJoin) {
  auto g = Groupings::compute({1, 2, 3, 4}, {{{1, 2}, {}}, {{2, 3}, {}}});
  EXPECT_EQ(g.group_of(1), g.group_of(3));
  EXPECT_NE(g.group_of(1), g.group_of(4));
  EXPECT_EQ(g.groups().size(), 2u);
  const auto& grp = g.groups()[static_cast<size_t>(g.group_of(2))];
  EXPECT_EQ(grp.addresses, (std::vector<AddressId>{1, 2, 3}));
}

TEST(Groupings, NameLinksEveryAddressItsOperationsTouched) {
  // Two separate operations on d/a (new address each time) and one on d/b.
  auto g = Groupings::compute({1, 2, 3, 4, 5},
                              {{{1}, {nm("d/a")}}, {{4}, {nm("d/a")}}, {{2, 5}, {nm("d/b")}}});
  EXPECT_EQ(g.group_of(1), g.group_of(4));
  EXPECT_EQ(g.group_of_name(nm("d/a")), g.group_of(1));
  EXPECT_EQ(g.group_of_name(nm("d/b")), g.group_of(5));
  EXPECT_NE(g.group_of_name(nm("d/a")), g.group_of_name(nm("d/b")));
  EXPECT_EQ(g.group_of_name(nm("d/zzz")), -1);
  const auto& ga = g.groups()[static_cast<size_t>(g.group_of(1))];
  EXPECT_EQ(ga.names, std::vector<Bytes>{nm("d/a")});
}

TEST(Groupings, UnknownAddressesAreIgnoredButNamesStillLink) {
  // Address 77 is not ours (e.g. a removed account): it must not create a group.
  auto g = Groupings::compute({1, 2}, {{{77, 1}, {nm("d/x")}}, {{2}, {}}});
  EXPECT_EQ(g.group_of(77), -1);
  EXPECT_EQ(g.group_of_name(nm("d/x")), g.group_of(1));
}

TEST(Groupings, BalancesAndQueries) {
  auto g = Groupings::compute({1, 2, 3, 4}, {{{1, 2}, {nm("d/a")}}, {{3}, {nm("d/b")}}});
  g.add_balances({{1, 100}, {2, 50}, {3, 7}, {4, 1000}});
  EXPECT_EQ(g.groups()[static_cast<size_t>(g.group_of(1))].balance, 150);
  EXPECT_EQ(g.groups()[static_cast<size_t>(g.group_of(4))].balance, 1000);
  auto only_a = select_groups(g, {{nm("d/a")}, false});
  ASSERT_EQ(only_a.size(), 1u);
  EXPECT_EQ(only_a[0]->balance, 150);
  auto a_or_free = select_groups(g, {{nm("d/a")}, true});
  EXPECT_EQ(a_or_free.size(), 2u);  // d/a's group and address 4's
  EXPECT_EQ(select_groups(g, {}).size(), 3u);
}

// Naive reference: repeat merging overlapping sets until nothing changes.
std::map<AddressId, int> naive(const std::vector<AddressId>& addrs,
                               const std::vector<GroupingLink>& links) {
  std::vector<std::set<std::string>> sets;
  for (AddressId a : addrs) sets.push_back({"a" + std::to_string(a)});
  for (const auto& l : links) {
    std::set<std::string> s;
    for (AddressId a : l.addresses) s.insert("a" + std::to_string(a));
    for (const auto& n : l.names) s.insert("n" + std::string(n.begin(), n.end()));
    sets.push_back(s);
  }
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < sets.size() && !changed; ++i)
      for (size_t j = i + 1; j < sets.size() && !changed; ++j) {
        bool overlap = false;
        for (const auto& x : sets[j]) overlap = overlap || sets[i].count(x);
        if (overlap) {
          sets[i].insert(sets[j].begin(), sets[j].end());
          sets.erase(sets.begin() + static_cast<std::ptrdiff_t>(j));
          changed = true;
        }
      }
  }
  std::map<AddressId, int> out;
  for (size_t i = 0; i < sets.size(); ++i)
    for (AddressId a : addrs)
      if (sets[i].count("a" + std::to_string(a))) out[a] = static_cast<int>(i);
  return out;
}

TEST(Groupings, MatchesNaiveClosureOnRandomWallets) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 30; ++round) {
    std::vector<AddressId> addrs;
    for (AddressId a = 1; a <= 40; ++a) addrs.push_back(a);
    std::vector<GroupingLink> links;
    int n_links = static_cast<int>(rng() % 25);
    for (int i = 0; i < n_links; ++i) {
      GroupingLink l;
      int k = 1 + static_cast<int>(rng() % 3);
      for (int j = 0; j < k; ++j) l.addresses.push_back(1 + static_cast<AddressId>(rng() % 40));
      if (rng() % 4 == 0) l.names.push_back(nm(rng() % 2 ? "d/a" : "d/b"));
      links.push_back(l);
    }
    auto g = Groupings::compute(addrs, links);
    auto ref = naive(addrs, links);
    for (AddressId a : addrs)
      for (AddressId b : addrs)
        ASSERT_EQ(g.group_of(a) == g.group_of(b), ref[a] == ref[b])
            << "round " << round << " addresses " << a << "," << b;
  }
}

}  // namespace
}  // namespace redoubt::broker
