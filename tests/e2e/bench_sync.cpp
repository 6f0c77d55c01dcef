// sync_100k: the initial sync of a wallet with 100,000 transactions over
// 20,000 addresses, built by the test universe, through the real process
// tree (broker, confined netd and keyd, SOCKS over the Unix socket, the
// universe's Electrum server). Prints the setup (chain generation) on its own
// line, the baseline (the same Electrum requests raw: electrum_fetch_only)
// and the sync against it, and fails loudly unless the wallet ends up with
// exactly the balance, transactions and addresses the universe built.
// Optional arguments: TRANSACTIONS ADDRESSES (default 100000 20000).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/e2e/bulk_sync.h"

namespace {

using namespace redoubt;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench: sync FAILED: %s\n", what.c_str());
  std::exit(1);
}

void check(bool ok, const std::string& what, long long got, long long want) {
  if (!ok)
    fail(what + ": got " + std::to_string(got) + ", the universe built " + std::to_string(want));
}

// bench/ sits next to bin/ in the build tree.
void default_bin_dir() {
  if (getenv("REDOUBT_BIN_DIR") != nullptr) return;
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  setenv("REDOUBT_BIN_DIR", (self.parent_path() / ".." / "bin").c_str(), 1);
}

}  // namespace

int main(int argc, char** argv) {
  default_bin_dir();
  testsupport::BulkWalletSpec spec;
  spec.transactions = argc > 1 ? std::atoi(argv[1]) : 100'000;
  spec.addresses = argc > 2 ? std::atoi(argv[2]) : 20'000;
  spec.txs_per_block = 200;
  const std::string name =
      spec.transactions == 100'000 ? "sync_100k" : "sync_" + std::to_string(spec.transactions);

  std::string dir = testsupport::make_temp_dir("redoubt-bench-sync");
  testsupport::UniverseOptions opts;
  opts.datadir = dir + "/universe";
  testsupport::Universe u(opts);
  auto t0 = std::chrono::steady_clock::now();
  u.start();
  testsupport::BulkWallet w;
  try {
    w = testsupport::build_bulk_wallet(u, testsupport::electrum_segwit_account(test::kBulkPhrase),
                                       spec);
    u.index();  // what the server serves, built once
  } catch (const std::exception& e) {
    fail(std::string("building the wallet: ") + e.what());
  }
  double setup = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("bench: %s_setup %.1f s (%d transactions, %d addresses, %d blocks)\n", name.c_str(),
              setup, w.transactions, w.receive_used + w.change_used, w.blocks);
  std::fflush(stdout);

  test::FetchOnly f = test::electrum_fetch_only(u.endpoints(), w);
  check(f.transactions == w.transactions, "raw fetch transactions", f.transactions, w.transactions);
  std::printf("bench: electrum_fetch_only %.1f s (%d requests)\n", f.seconds, f.requests);
  std::fflush(stdout);

  test::BulkSync s = test::bulk_sync(u.endpoints(), dir + "/wallet");
  if (!s.error.empty()) fail(s.error);
  check(s.confirmed == w.balance, "confirmed balance (sat)", s.confirmed, w.balance);
  check(s.unconfirmed == 0, "unconfirmed balance (sat)", s.unconfirmed, 0);
  check(s.transactions == w.transactions, "transactions stored", s.transactions, w.transactions);
  check(s.verified == w.transactions, "transactions verified", s.verified, w.transactions);
  check(s.receive_used == w.receive_used, "receive addresses used", s.receive_used, w.receive_used);
  check(s.change_used == w.change_used, "change addresses used", s.change_used, w.change_used);
  std::printf("bench: %s %.1f s x %.2f vs electrum_fetch_only\n", name.c_str(), s.seconds,
              s.seconds / f.seconds);
  std::printf("bench: %s_rate %.0f tx/s\n", name.c_str(), w.transactions / s.seconds);
  u.stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
