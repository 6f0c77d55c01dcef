// Wallet engine benchmarks: header_sync_100k (merge-mined regtest headers
// verified and stored), coin_select_50k, name_op_build_10k and
// groupings_100k (100,000 transactions over 20,000 addresses; goal < 0.3 s).
// Prints `bench: NAME VALUE UNIT [x RATIO vs BASELINE]`.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include "broker/coin_select.h"
#include "broker/groupings.h"
#include "broker/header_chain.h"
#include "broker/tx_builder.h"
#include "broker/wallet_model.h"
#include "chain/bip32.h"
#include "chain/header.h"
#include "chain/names.h"
#include "chain/script.h"
#include "tests/wallet/wallet_fixtures.h"

using namespace redoubt;
using namespace redoubt::broker;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void header_sync_100k() {
  constexpr size_t kN = 100'000;
  const auto& p = chain::regtest_params();
  auto headers = wallettest::mine_regtest_chain(p.genesis_hash(), 1296688602 + 60, kN);
  // Baseline: the stateless PoW/AuxPoW check alone (parse + check_header_pow).
  auto t0 = Clock::now();
  size_t ok = 0;
  for (size_t i = 0; i < kN; ++i)
    ok += chain::check_header_pow(chain::parse_block_header(headers[i]), p,
                                  static_cast<int32_t>(i + 1))
              .ok;
  const double base = seconds_since(t0);
  if (ok != kN) std::fprintf(stderr, "baseline rejected headers\n");

  wallettest::TempDir dir;
  Store store = Store::open(dir.file("headers.db"));
  HeaderChain chain(store, p);
  t0 = Clock::now();
  for (size_t i = 0; i < kN; i += HeaderChain::kMaxChunk) {
    size_t end = std::min(kN, i + HeaderChain::kMaxChunk);
    auto r = chain.connect(static_cast<int32_t>(i + 1), {headers.begin() + static_cast<long>(i),
                                                         headers.begin() + static_cast<long>(end)});
    if (r.status != ConnectResult::Status::kExtended) {
      std::fprintf(stderr, "header_sync failed: %s\n", r.reason.c_str());
      return;
    }
  }
  const double t = seconds_since(t0);
  std::printf("bench: header_sync_100k %.0f headers/s x %.2f vs pow_check_only\n", kN / t,
              (kN / t) / (kN / base));
}

Coin make_coin(uint32_t i, AddressId addr, int64_t value) {
  Coin c;
  c.outpoint.txid[0] = static_cast<uint8_t>(i);
  c.outpoint.txid[1] = static_cast<uint8_t>(i >> 8);
  c.outpoint.txid[2] = static_cast<uint8_t>(i >> 16);
  c.outpoint.index = i % 3;
  c.value = value;
  c.address = addr;
  c.script_pubkey = chain::p2wpkh_script(chain::Hash160{static_cast<uint8_t>(addr)});
  c.height = 100;
  c.path = {chain::kHardened, 0, static_cast<uint32_t>(addr)};
  return c;
}

// A wallet of `n_coins` coins on `n_addr` addresses, addresses linked by
// random spends, some linked to one of 50 names.
struct SyntheticWallet {
  std::vector<Coin> coins;
  Groupings groups;
};

SyntheticWallet synthetic(size_t n_coins, size_t n_addr, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<AddressId> addrs;
  for (size_t a = 1; a <= n_addr; ++a) addrs.push_back(static_cast<AddressId>(a));
  std::vector<GroupingLink> links;
  for (size_t i = 0; i < n_addr / 3; ++i) {
    GroupingLink l{
        {static_cast<AddressId>(1 + rng() % n_addr), static_cast<AddressId>(1 + rng() % n_addr)},
        {}};
    if (rng() % 20 == 0) {
      std::string n = "d/name" + std::to_string(rng() % 50);
      l.names.emplace_back(n.begin(), n.end());
    }
    links.push_back(std::move(l));
  }
  SyntheticWallet w{{}, Groupings::compute(addrs, links)};
  for (size_t i = 0; i < n_coins; ++i)
    w.coins.push_back(make_coin(static_cast<uint32_t>(i),
                                static_cast<AddressId>(1 + rng() % n_addr),
                                10'000 + static_cast<int64_t>(rng() % 10'000'000)));
  return w;
}

void coin_select_50k() {
  auto w = synthetic(50'000, 10'000, 7);
  SelectionRequest r;
  r.amount = 50'000'000;  // needs several groups' worth of typical coins
  r.output_script_sizes = {22};
  constexpr int kRuns = 10;
  auto t0 = Clock::now();
  size_t inputs = 0;
  for (int i = 0; i < kRuns; ++i) inputs += select_coins(w.coins, w.groups, r).inputs.size();
  const double ms = seconds_since(t0) * 1000 / kRuns;
  std::printf("bench: coin_select_50k %.2f ms\n", ms);
  if (inputs == 0) std::fprintf(stderr, "coin_select selected nothing\n");
}

void name_op_build_10k() {
  auto w = synthetic(10'000, 2'000, 11);
  chain::Bytes name = {'d', '/', 'b', 'e', 'n', 'c', 'h'};
  Coin nc = make_coin(999'999, 1, chain::kNameLockedAmount);
  nc.is_name = true;
  nc.script_pubkey =
      chain::name_update_script(name, chain::Bytes{'v'}, chain::p2wpkh_script(chain::Hash160{1}));
  w.coins.push_back(nc);
  OwnAddress name_addr{1,
                       chain::p2wpkh_script(chain::Hash160{1}),
                       {chain::kHardened, 0, 1},
                       chain::KeyScriptType::kP2wpkh};
  OwnAddress change{2,
                    chain::p2wpkh_script(chain::Hash160{2}),
                    {chain::kHardened, 1, 2},
                    chain::KeyScriptType::kP2wpkh};
  constexpr int kRuns = 10;
  auto t0 = Clock::now();
  size_t bytes = 0;
  for (int i = 0; i < kRuns; ++i)
    bytes += build_name_update(w.coins, w.groups, nc, name, chain::Bytes{'x'}, name_addr,
                               std::nullopt, change, {})
                 .sign.unsigned_tx.size();
  std::printf("bench: name_op_build_10k %.2f ms\n", seconds_since(t0) * 1000 / kRuns);
  if (bytes == 0) std::fprintf(stderr, "name_op_build built nothing\n");
}

void groupings_100k() {
  constexpr size_t kTx = 100'000, kAddr = 20'000;
  std::mt19937_64 rng(42);
  std::vector<AddressId> addrs;
  for (size_t a = 1; a <= kAddr; ++a) addrs.push_back(static_cast<AddressId>(a));
  std::vector<GroupingLink> links(kTx);
  std::unordered_map<AddressId, int64_t> balances;
  for (auto& l : links) {
    // Mostly receives (one address), some spends linking 2..4 addresses
    // near each other (a spend and its change: wallets link locally, which
    // keeps many separate groups instead of one giant component).
    size_t k = rng() % 4 == 0 ? 2 + rng() % 3 : 1;
    const AddressId base_addr = static_cast<AddressId>(1 + rng() % kAddr);
    for (size_t j = 0; j < k; ++j)
      l.addresses.push_back(
          std::min<AddressId>(kAddr, base_addr + static_cast<AddressId>(j == 0 ? 0 : rng() % 6)));
    if (rng() % 200 == 0) {
      std::string n = "d/n" + std::to_string(rng() % 300);
      l.names.emplace_back(n.begin(), n.end());
    }
  }
  for (AddressId a : addrs) balances[a] = static_cast<int64_t>(rng() % 100'000);
  // Baseline: one plain pass over the same links (count per address through
  // the same kind of hash map the groupings use), warmed up once.
  std::unordered_map<AddressId, uint32_t> seen;
  double base = 0;
  for (int run = 0; run < 2; ++run) {
    seen.clear();
    auto t = Clock::now();
    for (const auto& l : links)
      for (AddressId a : l.addresses) seen[a]++;
    base = seconds_since(t);
  }
  auto t0 = Clock::now();
  t0 = Clock::now();
  Groupings g = Groupings::compute(addrs, links);
  g.add_balances(balances);
  auto all = select_groups(g, {});
  const double t = seconds_since(t0);
  std::printf("bench: groupings_100k %.4f s x %.1f vs plain_pass\n", t,
              t / (base > 0 ? base : 1e-9));
  std::fflush(stdout);
  std::fprintf(stderr, "groupings_100k: %zu groups over %zu addresses\n", all.size(), seen.size());
}

// The same figure through the real wallet model: 100,000 transactions
// applied to a store (one batch), 20,000 derived addresses, then
// WalletModel::groupings() (links built from outputs and spends, union-find,
// balances); also balance and history latency on that wallet.
void wallet_model_100k() {
  constexpr uint32_t kAddr = 20'000, kTx = 100'000;
  wallettest::TempDir dir;
  Store store = Store::open(dir.file("w.db"));
  WalletModel w(store, chain::regtest_params());
  chain::Bytes seed(32, 0x42);
  auto acc = chain::ExtendedPrivateKey::from_seed(seed).derive(chain::kHardened).neuter();
  auto t0 = Clock::now();
  const std::clock_t cpu0 = std::clock();  // less noisy than wall time on a shared machine
  // Gap limit 20: each receive uses the first fresh address, so the wallet
  // ends with kAddr used receive addresses (+ the gap) as a real one would.
  w.add_account("m/0'", acc.to_base58(chain::kXprvXpub.pub), chain::KeyScriptType::kP2wpkh);
  std::vector<chain::Bytes> scripts;
  std::mt19937_64 rng(5);
  std::vector<chain::OutPoint> ours;  // our output of tx i
  {
    Store::Batch b(store);
    for (uint32_t i = 0; i < kTx; ++i) {
      chain::Transaction t;
      chain::TxIn in;
      if (i < kAddr) {
        in.prevout.txid[0] = 0xf0;  // foreign funding
        std::memcpy(in.prevout.txid.data() + 1, &i, sizeof i);
        t.outputs.push_back({100'000'000, w.fresh_address(false).script});
      } else {
        if (scripts.empty())
          for (const auto& a : w.addresses())
            if (!a.change && a.index < kAddr) scripts.push_back(a.script);
        in.prevout = ours[i - kAddr];  // spend an earlier coin of ours
        uint32_t near = static_cast<uint32_t>((i - kAddr + rng() % 4) % scripts.size());
        t.outputs.push_back({50'000'000, scripts[near]});
        t.outputs.push_back({40'000'000, chain::p2wpkh_script(chain::Hash160{0xee})});
      }
      t.inputs.push_back(in);
      ours.push_back({t.txid(), 0});
      w.apply_transaction(t, static_cast<int32_t>(1 + i / 100), static_cast<int32_t>(i % 100),
                          true);
    }
    b.commit();
  }
  // What maintaining the history index and the balance costs shows here:
  // transactions applied (and written) per second.
  const double built = seconds_since(t0);
  const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  std::printf("bench: apply_tx_100k %.0f tx/s (%.0f tx per CPU second)\n", kTx / built, kTx / cpu);
  t0 = Clock::now();
  Groupings g = w.groupings();
  std::printf("bench: groupings_100k_model %.3f s\n", seconds_since(t0));
  t0 = Clock::now();
  Balance bal = w.balance();
  std::printf("bench: balance_query %.3g ms\n", seconds_since(t0) * 1000);
  // Steady state, averaged: the maintained balance, the same computed over
  // every coin, the whole history with running balances, and one page of 50
  // as the Wallet server answers it, newest first: the top of the list and
  // one deep in it (offset 50,000).
  constexpr int kRuns = 20;
  int64_t sink = 0;
  t0 = Clock::now();
  for (int i = 0; i < kRuns; ++i) sink += w.compute_balance().confirmed;
  const double full_balance = seconds_since(t0) * 1000 / kRuns;
  t0 = Clock::now();
  constexpr int kBalanceRuns = 100'000;
  for (int i = 0; i < kBalanceRuns; ++i) {
    asm volatile("" : : "r"(&w) : "memory");  // the model may have changed: read it again
    sink += w.balance().confirmed;
  }
  const double balance = seconds_since(t0) * 1000 / kBalanceRuns;
  std::printf("bench: balance_query_avg %.3g ms x %.3g vs balance_full_scan (%.2f ms)\n", balance,
              balance / full_balance, full_balance);
  std::vector<HistoryItem> h;
  t0 = Clock::now();
  for (int i = 0; i < kRuns; ++i) h = w.history();
  const double full = seconds_since(t0) * 1000 / kRuns;
  std::printf("bench: history_full_100k %.2f ms\n", full);
  constexpr int kPageRuns = 2'000;
  for (size_t offset : {size_t{0}, size_t{50'000}}) {
    t0 = Clock::now();
    for (int i = 0; i < kPageRuns; ++i) {
      auto page = w.history_page(offset, 50, true);
      sink += page.empty() ? 0 : page.back().balance;
    }
    const double ms = seconds_since(t0) * 1000 / kPageRuns;
    std::printf("bench: %s %.3g ms x %.3g vs history_full_100k\n",
                offset == 0 ? "history_page" : "history_page_deep", ms, ms / full);
  }
  std::fprintf(stderr, "(checksum %lld)\n", static_cast<long long>(sink));
  std::fflush(stdout);
  // Opening the wallet: every transaction read and parsed, the history index
  // and the balance rebuilt from the store.
  t0 = Clock::now();
  WalletModel reopened(store, chain::regtest_params());
  std::printf("bench: wallet_load_100k %.3f s\n", seconds_since(t0));
  if (reopened.history_size() != h.size() || reopened.balance().confirmed != bal.confirmed)
    std::fprintf(stderr, "wallet_load_100k: the reopened wallet differs\n");
  size_t linked = 0;
  for (const auto& grp : g.groups()) linked += grp.addresses.size() > 1;
  std::fprintf(stderr,
               "wallet_model_100k: %zu addresses, %zu groups (%zu with several addresses), "
               "balance %lld, %zu history items\n",
               w.addresses().size(), g.groups().size(), linked,
               static_cast<long long>(bal.confirmed), h.size());
}

}  // namespace

int main() {
  header_sync_100k();
  coin_select_50k();
  name_op_build_10k();
  groupings_100k();
  wallet_model_100k();
  return 0;
}
