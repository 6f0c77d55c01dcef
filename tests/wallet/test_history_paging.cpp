// History paging and the maintained balance: HistoryIndex against a sorted
// list, and WalletModel::history_page()/balance() against the full
// computation (history()/compute_balance()) after every step of random
// wallets that receive, spend, confirm, reorg, drop (replaced and
// conflicted), remove, freeze, learn a parent after its child, and reload.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>

#include "broker/history_index.h"
#include "broker/wallet_model.h"
#include "chain/names.h"
#include "chain/script.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using chain::Hash256;

Hash256 h(uint32_t i) {
  Hash256 x{};
  std::memcpy(x.data(), &i, sizeof i);
  x[31] = 0x77;
  return x;
}

TEST(HistoryIndex, RangesAndRunningBalancesMatchASortedList) {
  std::mt19937 rng(1);
  HistoryIndex idx;
  std::map<Hash256, std::pair<HistoryKey, int64_t>> ref;
  for (int step = 0; step < 4000; ++step) {
    const uint32_t id = rng() % 300;
    if (rng() % 4 == 0) {
      idx.erase(h(id));
      ref.erase(h(id));
    } else {
      HistoryKey k{rng() % 5 == 0, static_cast<int32_t>(rng() % 50),
                   static_cast<int32_t>(rng() % 4), static_cast<int64_t>(rng() % 3), h(id)};
      int64_t d = static_cast<int64_t>(rng() % 2001) - 1000;
      idx.set(k, d);
      ref[h(id)] = {k, d};
    }
    std::vector<std::pair<HistoryKey, int64_t>> sorted;
    for (const auto& [_, v] : ref) sorted.push_back(v);
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(idx.size(), sorted.size());
    int64_t total = 0;
    for (const auto& s : sorted) total += s.second;
    ASSERT_EQ(idx.total(), total);
    const size_t from = sorted.empty() ? 0 : rng() % (sorted.size() + 2);
    const size_t count = rng() % 40;
    auto got = idx.range(from, count);
    const size_t end = std::min(sorted.size(), from + count);
    ASSERT_EQ(got.size(), from >= end ? 0 : end - from) << "step " << step;
    int64_t running = 0;
    for (size_t i = 0; i < end; ++i) {
      running += sorted[i].second;
      if (i < from) continue;
      ASSERT_EQ(got[i - from].txid, sorted[i].first.txid) << "step " << step << " rank " << i;
      ASSERT_EQ(got[i - from].delta, sorted[i].second);
      ASSERT_EQ(got[i - from].balance, running);
    }
  }
  idx.clear();
  EXPECT_EQ(idx.size(), 0u);
  EXPECT_TRUE(idx.range(0, 10).empty());
}

constexpr int64_t kCoin = 100'000'000;
const Bytes kForeign = chain::p2wpkh_script(chain::Hash160{0xee});

// A random wallet driven through every kind of change the engine makes.
struct Paging : ::testing::Test {
  wallettest::TempDir dir;
  std::unique_ptr<Store> store = std::make_unique<Store>(Store::open(dir.file("w.db")));
  std::unique_ptr<WalletModel> w = std::make_unique<WalletModel>(*store, chain::regtest_params());
  std::mt19937 rng{7};
  std::map<Hash256, chain::Transaction> txs;  // every transaction made, by txid
  std::vector<chain::Transaction> orphans;    // parents held back (child applied first)
  uint32_t tag = 0;
  int32_t tip = 1;
  int64_t now = 1'700'000'000;

  void SetUp() override {
    auto acc = chain::ExtendedPrivateKey::from_seed(Bytes(32, 0x51))
                   .derive(chain::kHardened)
                   .neuter()
                   .to_base58(chain::kXprvXpub.pub);
    w->add_account("m/0'", acc, chain::KeyScriptType::kP2wpkh);
  }

  const Bytes& our_script(bool change) {
    std::vector<const AddressRecord*> v;
    for (const auto& a : w->addresses())
      if (a.change == change) v.push_back(&a);
    return v[rng() % v.size()]->script;
  }
  chain::TxIn foreign_input() {
    chain::TxIn in;
    ++tag;
    std::memcpy(in.prevout.txid.data(), &tag, sizeof tag);
    in.prevout.txid[31] = 0xf0;
    in.sequence = 0xfffffffd;
    return in;
  }
  void apply(const chain::Transaction& t, bool confirmed) {
    txs[t.txid()] = t;
    ++now;
    if (confirmed) {
      tip += static_cast<int32_t>(rng() % 2);
      w->apply_transaction(t, tip, static_cast<int32_t>(rng() % 5), true, false, now);
    } else {
      w->apply_transaction(t, kUnconfirmedHeight, -1, false, rng() % 2 == 0, now);
    }
  }
  chain::Transaction receive() {
    chain::Transaction t;
    t.inputs.push_back(foreign_input());
    for (uint32_t n = 1 + rng() % 2; n > 0; --n)
      t.outputs.push_back({static_cast<int64_t>(1 + rng() % 50) * kCoin / 10, our_script(false)});
    if (rng() % 8 == 0) {  // a name we hold: locked_in_names
      Bytes name = {'d', '/', static_cast<uint8_t>('a' + rng() % 26)};
      t.version = chain::kNameTxVersion;
      t.outputs.push_back({chain::kNameLockedAmount,
                           chain::name_update_script(name, Bytes{'v'}, our_script(false))});
    }
    return t;
  }
  std::vector<HistoryItem> unconfirmed() {
    std::vector<HistoryItem> v;
    for (const auto& i : w->history())
      if (i.height == kUnconfirmedHeight) v.push_back(i);
    return v;
  }

  void step() {
    switch (rng() % 11) {
      case 0:
      case 1:
        apply(receive(), rng() % 3 != 0);
        break;
      case 2:
      case 3: {  // spend one or two of our coins: a payment and change
        std::vector<Coin> coins;
        for (const auto& c : w->coins())
          if (!c.is_name) coins.push_back(c);
        if (coins.empty()) return apply(receive(), true);
        chain::Transaction t;
        int64_t in = 0;
        for (uint32_t n = 1 + rng() % 2; n > 0 && !coins.empty(); --n) {
          size_t i = rng() % coins.size();
          t.inputs.push_back({coins[i].outpoint, {}, 0xfffffffd, {}});
          in += coins[i].value;
          coins.erase(coins.begin() + static_cast<long>(i));
        }
        const int64_t pay = in / 3, fee = 1000 + rng() % 1000;
        t.outputs.push_back({pay, kForeign});
        if (in - pay - fee > 0) t.outputs.push_back({in - pay - fee, our_script(true)});
        apply(t, rng() % 2 == 0);
        break;
      }
      case 4: {  // an unconfirmed one confirms
        auto u = unconfirmed();
        if (u.empty()) return;
        const auto& t = txs.at(u[rng() % u.size()].txid);
        ++tip;
        w->apply_transaction(t, tip, static_cast<int32_t>(rng() % 5), true, false, now);
        break;
      }
      case 5:  // a reorg
        if (tip > 2) {
          tip -= static_cast<int32_t>(rng() % 3);
          w->rollback_above(tip);
        }
        break;
      case 6: {  // replaced by a fee bump (descendants go too)
        auto u = unconfirmed();
        if (!u.empty()) w->drop_transaction(u[rng() % u.size()].txid, "replaced", std::nullopt);
        break;
      }
      case 7: {  // conflicted: a confirmed spend of one of its coins
        for (const auto& i : unconfirmed()) {
          const auto& t = txs.at(i.txid);
          if (t.inputs.empty()) continue;
          chain::Transaction c;
          c.inputs.push_back(t.inputs[0]);
          c.inputs.push_back(foreign_input());  // differs from t even with one output
          c.outputs.push_back({kCoin / 100, rng() % 2 ? kForeign : our_script(true)});
          return apply(c, true);
        }
        break;
      }
      case 8: {  // a local transaction removed, or a parent arriving after its child
        if (!orphans.empty()) {
          apply(orphans.back(), rng() % 2 == 0);
          orphans.pop_back();
          break;
        }
        auto u = unconfirmed();
        if (!u.empty() && rng() % 2) {
          w->remove_transaction(u[rng() % u.size()].txid);
          break;
        }
        chain::Transaction parent = receive();
        chain::Transaction child;
        child.inputs.push_back({{parent.txid(), 0}, {}, 0xfffffffd, {}});
        child.outputs.push_back({parent.outputs[0].value / 2, kForeign});
        child.outputs.push_back({parent.outputs[0].value / 4, our_script(true)});
        apply(child, rng() % 2 == 0);
        orphans.push_back(parent);
        break;
      }
      case 9: {  // freeze or thaw an address
        const auto& a = w->addresses()[rng() % w->addresses().size()];
        w->set_address_frozen(a.id, !a.frozen);
        break;
      }
      case 10: {  // freeze or thaw a coin
        auto coins = w->coins();
        if (!coins.empty()) {
          const auto& c = coins[rng() % coins.size()];
          w->set_coin_frozen(c.outpoint, !c.frozen);
        }
        break;
      }
    }
  }

  // history_page and balance against the full computation.
  void check(const std::string& where) {
    SCOPED_TRACE(where);
    const Balance b = w->balance(), full = w->compute_balance();
    ASSERT_EQ(b.confirmed, full.confirmed);
    ASSERT_EQ(b.unconfirmed, full.unconfirmed);
    ASSERT_EQ(b.frozen, full.frozen);
    ASSERT_EQ(b.locked_in_names, full.locked_in_names);
    const auto all = w->history();
    ASSERT_EQ(w->history_size(), all.size());
    const size_t n = all.size();
    for (size_t offset : {size_t{0}, size_t{1}, n / 2, n > 0 ? n - 1 : 0, n, n + 3}) {
      for (size_t limit : {size_t{0}, size_t{1}, size_t{7}}) {
        for (bool newest : {false, true}) {
          auto page = w->history_page(offset, limit, newest);
          const size_t want =
              offset >= n ? 0 : (limit == 0 ? n - offset : std::min(limit, n - offset));
          ASSERT_EQ(page.size(), want) << offset << "/" << limit << "/" << newest;
          for (size_t i = 0; i < page.size(); ++i) {
            const auto& e = all[newest ? n - 1 - offset - i : offset + i];
            const auto& g = page[i];
            ASSERT_EQ(g.txid, e.txid) << offset << "/" << limit << "/" << newest << " #" << i;
            ASSERT_EQ(g.delta, e.delta);
            ASSERT_EQ(g.balance, e.balance);
            ASSERT_EQ(g.height, e.height);
            ASSERT_EQ(g.position, e.position);
            ASSERT_EQ(g.verified, e.verified);
            ASSERT_EQ(g.fee, e.fee);
            ASSERT_EQ(g.first_seen, e.first_seen);
          }
        }
      }
    }
    // The last running balance is what the unspent coins add up to (name
    // coins and frozen ones included; coinbase never occurs here).
    if (n > 0) {
      ASSERT_EQ(all.back().balance, b.confirmed + b.unconfirmed + b.frozen + b.locked_in_names);
    }
  }
  void reopen() {
    w.reset();
    store.reset();
    store = std::make_unique<Store>(Store::open(dir.file("w.db")));
    w = std::make_unique<WalletModel>(*store, chain::regtest_params());
  }
};

TEST_F(Paging, PagesAndBalanceMatchTheFullComputationThroughRandomChanges) {
  for (int i = 0; i < 400; ++i) {
    step();
    check("step " + std::to_string(i));
    if (HasFatalFailure()) return;
    if (i % 100 == 99) {
      // Loading from the store builds the same index and balance.
      auto before = w->history_page(0, 0);
      const Balance b = w->balance();
      reopen();
      check("reopened after step " + std::to_string(i));
      if (HasFatalFailure()) return;
      auto after = w->history_page(0, 0);
      ASSERT_EQ(before.size(), after.size());
      for (size_t k = 0; k < before.size(); ++k) {
        ASSERT_EQ(before[k].txid, after[k].txid);
        ASSERT_EQ(before[k].balance, after[k].balance);
      }
      EXPECT_EQ(w->balance().confirmed, b.confirmed);
    }
  }
  EXPECT_GT(w->history_size(), 50u) << "the scenario should build a real history";
}

TEST_F(Paging, AChildSeenBeforeItsParentIsRevaluedWhenTheParentArrives) {
  chain::Transaction parent;
  parent.inputs.push_back(foreign_input());
  parent.outputs.push_back({10 * kCoin, our_script(false)});
  chain::Transaction child;
  child.inputs.push_back({{parent.txid(), 0}, {}, 0xfffffffd, {}});
  child.outputs.push_back({6 * kCoin, kForeign});
  child.outputs.push_back({3 * kCoin, our_script(true)});
  w->apply_transaction(child, 5, 0, true, false, 1);
  auto p = w->history_page(0, 1, true);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].delta, 3 * kCoin);  // its input is not known as ours yet
  w->apply_transaction(parent, 4, 0, true, false, 2);
  p = w->history_page(0, 0);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].txid, parent.txid());
  EXPECT_EQ(p[0].balance, 10 * kCoin);
  EXPECT_EQ(p[1].delta, -7 * kCoin);
  EXPECT_EQ(p[1].balance, 3 * kCoin);
  EXPECT_EQ(w->balance().confirmed, 3 * kCoin);
  // Removing the parent leaves the child's input unknown again.
  w->rollback_above(3);
  w->remove_transaction(parent.txid());
  p = w->history_page(0, 0);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].delta, 3 * kCoin);
  EXPECT_EQ(w->balance().unconfirmed, 3 * kCoin);
  check("after removing the parent");
}

TEST_F(Paging, AReorgMovesTransactionsToTheEndAndRecomputesRunningBalances) {
  chain::Transaction a = receive(), b = receive(), c = receive();
  w->apply_transaction(a, 10, 0, true, false, 1);
  w->apply_transaction(b, 20, 0, true, false, 2);
  w->apply_transaction(c, kUnconfirmedHeight, -1, false, false, 3);
  w->rollback_above(15);  // b becomes unconfirmed, after a and before c (first seen)
  auto p = w->history_page(0, 0);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].txid, b.txid());
  EXPECT_EQ(p[1].height, kUnconfirmedHeight);
  EXPECT_FALSE(p[1].verified);
  // c confirms below where b was: c comes before b now.
  w->apply_transaction(c, 12, 1, true, false, 4);
  p = w->history_page(0, 2, true);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].txid, b.txid());
  EXPECT_EQ(p[1].txid, c.txid());
  check("after the reorg");
}

TEST_F(Paging, AdditionsCountNewTransactionsOnly) {
  chain::Transaction a = receive();
  const uint64_t before = w->additions();
  w->apply_transaction(a, kUnconfirmedHeight, -1, false, false, 1);
  EXPECT_EQ(w->additions(), before + 1);
  w->apply_transaction(a, 7, 0, true, false, 2);  // a confirmation is not an addition
  w->rollback_above(5);
  EXPECT_EQ(w->additions(), before + 1);
  w->apply_transaction(receive(), 8, 0, true, false, 3);
  EXPECT_EQ(w->additions(), before + 2);
}

}  // namespace
}  // namespace redoubt::broker
