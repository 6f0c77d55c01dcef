// Names end to end through the real process tree: renewal before and after
// 12 confirmations, a transfer to another wallet, expiry after 30 regtest
// blocks; and the property anonymity mode exists for: with three names and a
// seeded random run of name updates and payments, no two names ever share an
// address group — groups recomputed from the chain (the universe's
// transactions), never from the wallet's own bookkeeping.
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "chain/address.h"
#include "chain/names.h"
#include "chain/params.h"
#include "tests/e2e/e2e_driver.h"

namespace redoubt::test {
namespace {

class Names : public E2E {
 protected:
  Json name_list(const std::string& dir = "") {
    Result l = r({"name_list"}, "", dir);
    EXPECT_EQ(l.rc, 0) << l.err;
    return l.json();
  }
  static const Json* find_name(const Json& list, const std::string& name) {
    for (const auto& n : list)
      if (n.value("name", "") == name) return &n;
    return nullptr;
  }
  // name_autoregister, the 12 blocks, the broker's broadcast of the queued
  // firstupdate, one block to mine it.
  void register_names(const std::vector<std::string>& names) {
    for (const auto& n : names) {
      Result a = pw({"name_autoregister", n, "init-" + n});
      ASSERT_EQ(a.rc, 0) << n << ": " << a.err;
    }
    universe().mine(12);
    ASSERT_EQ(r({"getbalance"}).rc, 0);  // the broker broadcasts what is due
    universe().mine(1);
    Json l = name_list();
    for (const auto& n : names) {
      const Json* e = find_name(l, n);
      ASSERT_NE(e, nullptr) << n << " in " << l.dump();
      ASSERT_EQ((*e)["height"], universe().height()) << e->dump();
    }
  }
};

// ---- the rest of the lifecycle ----------------------------------------------

TEST_F(Names, RenewWaitsFor12ConfirmationsTransferLeavesAndExpiryAfter30Blocks) {
  create();
  universe().fund(address(), 300'000'000, /*confirm=*/true);
  register_names({"d/life"});

  // Renewal (no value) re-signs the current value: refused while the last
  // update is shallower than 12 blocks.
  Result early = pw({"name_update", "d/life"});
  EXPECT_EQ(early.rc, 2) << early.out << early.err;
  EXPECT_NE(early.err.find("12 confirmations"), std::string::npos) << early.err;
  universe().mine(10);  // the firstupdate now has 11 confirmations
  early = pw({"name_update", "d/life"});
  EXPECT_EQ(early.rc, 2) << "11 confirmations are not enough: " << early.err;
  universe().mine(1);  // 12
  Result renew = pw({"name_update", "d/life"});
  ASSERT_EQ(renew.rc, 0) << renew.err;
  universe().mine(1);
  Result s = r({"name_show", "d/life"});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_EQ(s.json()["value"], "init-d/life") << "renewed with its current value";
  EXPECT_EQ(s.json()["txid"], renew.json()["txid"]);
  EXPECT_EQ(s.json()["height"], universe().height());
  EXPECT_EQ(s.json()["expires_in"], 30);

  // Transfer to another wallet: it leaves this one and arrives there.
  const std::string other = datadir() + "/other";
  create(other);
  const std::string dest = address(other);
  Result t = pw({"name_update", "d/life", "moved", "--destination", dest});
  ASSERT_EQ(t.rc, 0) << t.err;
  ASSERT_TRUE(t.json()["summary"].contains("names")) << t.out;
  EXPECT_TRUE(t.json()["summary"]["names"][0]["to_foreign"].get<bool>()) << t.out;
  universe().mine(1);
  const int transfer_height = universe().height();
  // The name has left: name_list no longer shows it (a finished autoregister
  // queue entry once brought it back) and no coin carries it.
  const Json after = name_list();
  EXPECT_EQ(find_name(after, "d/life"), nullptr) << after.dump();
  Result coins = r({"listunspent"});
  ASSERT_EQ(coins.rc, 0) << coins.err;
  for (const auto& c : coins.json()) EXPECT_NE(c.value("name", ""), "d/life") << c.dump();
  s = r({"name_show", "d/life"});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_FALSE(s.json()["ismine"].get<bool>()) << s.out;
  EXPECT_EQ(s.json()["address"], dest);
  EXPECT_EQ(s.json()["value"], "moved");
  Result there = r({"name_show", "d/life"}, "", other);
  ASSERT_EQ(there.rc, 0) << there.err;
  EXPECT_TRUE(there.json()["ismine"].get<bool>()) << there.out;
  const Json there_list = name_list(other);
  EXPECT_NE(find_name(there_list, "d/life"), nullptr)
      << "the receiving wallet lists it: " << there_list.dump();
  Result keep = pw({"name_update", "d/life", "stolen?"});
  EXPECT_NE(keep.rc, 0) << "the old owner can no longer update it";

  // Expiry: 30 blocks after the last update (regtest), shown as expired.
  universe().mine(29);
  s = r({"name_show", "d/life"});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_FALSE(s.json()["expired"].get<bool>()) << s.out;
  EXPECT_EQ(s.json()["expires_in"], 1);
  universe().mine(1);
  ASSERT_EQ(universe().height(), transfer_height + 30);
  s = r({"name_show", "d/life"});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_TRUE(s.json()["expired"].get<bool>()) << s.out;
  EXPECT_LE(s.json()["expires_in"].get<int>(), 0) << s.out;
  const Json expired_list = name_list(other);
  const Json* exp = find_name(expired_list, "d/life");
  if (exp != nullptr) {
    EXPECT_TRUE((*exp)["expired"].get<bool>())
        << "never shown as owned once expired: " << exp->dump();
  }
}

// ---- the no-linkage property ------------------------------------------------

// Union-find over string nodes: addresses, and "name:" + name.
class Groups {
 public:
  std::string find(const std::string& x) {
    auto it = parent_.find(x);
    if (it == parent_.end()) {
      parent_[x] = x;
      return x;
    }
    if (it->second == x) return x;
    std::string root = find(it->second);
    parent_[x] = root;
    return root;
  }
  void unite(const std::string& a, const std::string& b) { parent_[find(a)] = find(b); }
  std::vector<std::string> nodes() const {
    std::vector<std::string> v;
    for (const auto& [k, _] : parent_) v.push_back(k);
    return v;
  }

 private:
  std::map<std::string, std::string> parent_;
};

class NamesProperty : public Names {
 protected:
  std::string address_of(const chain::Bytes& script) {
    auto plain = chain::strip_name_prefix(script);
    return chain::script_to_address(plain, chain::regtest_params()).value_or("?");
  }
  // Groups as the chain shows them to anyone watching: for each of the
  // wallet's transactions that spends a coin of the wallet, its input
  // addresses together and with its outputs to the wallet; each name with
  // the address holding it. Returns the groups with the names in each.
  std::map<std::string, std::set<std::string>> chain_groups(std::set<std::string>* names_seen) {
    Result la = r({"listaddresses"});
    EXPECT_EQ(la.rc, 0) << la.err;
    std::set<std::string> mine;
    for (const auto& a : la.json()) mine.insert(a.get<std::string>());
    Groups g;
    for (const auto& h : history()) {
      chain::Transaction tx = chain_tx(h["txid"]);
      std::vector<std::string> ins;
      bool ours = false;
      for (const auto& in : tx.inputs) {
        chain::Transaction prev = chain_tx(chain::to_hex_reversed(in.prevout.txid));
        std::string a = address_of(prev.outputs.at(in.prevout.index).script_pubkey);
        ours = ours || mine.count(a) > 0;
        ins.push_back(a);
      }
      std::vector<std::string> outs;
      for (const auto& o : tx.outputs) {
        std::string a = address_of(o.script_pubkey);
        if (!mine.count(a)) continue;
        g.find(a);
        outs.push_back(a);
        auto ns = chain::decode_name_script(o.script_pubkey);
        if (ns && ns->op.type != chain::NameOpType::kNameNew) {
          std::string n(ns->op.name.begin(), ns->op.name.end());
          names_seen->insert(n);
          g.unite("name:" + n, a);
        }
      }
      if (!ours) continue;  // a payment to us links nothing of ours
      for (const auto& a : ins) g.unite(a, ins.front());
      for (const auto& a : outs) g.unite(a, ins.front());
    }
    std::map<std::string, std::set<std::string>> names_by_group;
    std::map<std::string, size_t> addresses_in;
    for (const auto& node : g.nodes()) {
      auto& s = names_by_group[g.find(node)];
      if (node.rfind("name:", 0) == 0)
        s.insert(node.substr(5));
      else
        addresses_in[g.find(node)]++;
    }
    // The recomputation itself links: each name's operations touched at
    // least two addresses of ours (its firstupdate spent a name_new and a
    // fee coin), so its group cannot be a lone address.
    for (const auto& [root, names] : names_by_group)
      if (!names.empty()) {
        EXPECT_GE(addresses_in[root], 2u) << *names.begin();
      }
    return names_by_group;
  }
  // The property, after one step of the run.
  void expect_no_shared_group(const std::string& step, size_t names_expected) {
    std::set<std::string> seen;
    auto groups = chain_groups(&seen);
    EXPECT_EQ(seen.size(), names_expected) << step;
    for (const auto& [root, names] : groups) {
      if (names.size() <= 1) continue;
      std::string list;
      for (const auto& n : names) list += n + " ";
      ADD_FAILURE() << step << ": the chain links names " << list << "through " << root;
    }
  }
};

TEST_F(NamesProperty, NoTwoNamesEverShareAGroupAcrossASeededRandomRun) {
  create();
  std::vector<std::string> addrs = receiving();
  ASSERT_GE(addrs.size(), 8u);
  // Funds in many patterns: single payments, reused addresses, several per
  // block, some left unconfirmed until the registrations are mined.
  const std::vector<std::pair<size_t, int64_t>> funding = {
      {0, 150'000'000}, {0, 40'000'000},  {1, 120'000'000}, {2, 90'000'000},
      {2, 35'000'000},  {3, 200'000'000}, {4, 60'000'000},  {5, 110'000'000},
      {5, 25'000'000},  {6, 80'000'000},  {7, 130'000'000}};
  for (size_t i = 0; i < funding.size(); ++i) {
    universe().fund(addrs[funding[i].first], funding[i].second, false);
    if (i % 3 == 2) universe().mine(1);
  }
  universe().mine(1);
  const std::vector<std::string> names = {"d/alpha", "d/beta", "id/gamma"};
  register_names(names);
  expect_no_shared_group("after registering three names", 3);

  // A seeded run: name updates and payments, each checked on the chain.
  std::mt19937 rng(20261125);
  int updates = 0, payments = 0, refused = 0;
  for (int step = 0; step < 15; ++step) {
    const std::string where = "step " + std::to_string(step);
    std::string txid;
    if (rng() % 2 == 0) {
      const std::string& n = names[rng() % names.size()];
      Result u = pw({"name_update", n, "v" + std::to_string(step)});
      ASSERT_EQ(u.rc, 0) << where << " name_update " << n << ": " << u.err;
      txid = u.json()["txid"];
      ++updates;
    } else {
      // To a foreign address, or to ourselves (a fresh address of ours).
      std::string to = rng() % 3 == 0 ? address()
                                      : testsupport::TestWallet::address(universe().with_state(
                                            [](auto&, auto&, auto& w) { return w.new_script(); }));
      int64_t amount = 5'000'000 + static_cast<int64_t>(rng() % 40) * 1'000'000;
      std::string amt = std::to_string(amount / 100'000'000) + "." + [&] {
        std::string f = std::to_string(amount % 100'000'000);
        return std::string(8 - f.size(), '0') + f;
      }();
      Result p = pw({"payto", to, amt});
      if (p.rc == 6) {
        // Refusing is allowed (it never links names silently), if it says why.
        EXPECT_NE(p.err.find("excluded"), std::string::npos) << where << ": " << p.err;
        ++refused;
        continue;
      }
      ASSERT_EQ(p.rc, 0) << where << " payto " << amt << ": " << p.err;
      txid = p.json()["txid"];
      ++payments;
    }
    ASSERT_GE(universe().confirmations(txid), 0) << where << ": accepted by the network";
    expect_no_shared_group(where, 3);
    // One block after each step: a name may carry one pending update only.
    universe().mine(1);
  }
  std::cerr << "seeded run: " << updates << " name updates, " << payments << " payments, "
            << refused << " refused\n";
  EXPECT_GE(updates, 4);
  EXPECT_GE(payments, 4);
  EXPECT_LE(refused, 2) << "the wallet was funded well enough to pay";
  expect_no_shared_group("at the end", 3);
}

}  // namespace
}  // namespace redoubt::test
