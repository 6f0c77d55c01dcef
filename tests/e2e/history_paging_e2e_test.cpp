// History paging end to end through the real process tree: `history --limit
// --offset [--newest-first]` returns exactly the slice of the full history
// (the same transactions, heights and running balances), counted from the
// oldest or from the newest, with the total; bad paging options are a usage
// error. On a 1,000-transaction wallet (tests/support/bulk_wallet.h), the
// interactive history screen pages deep past its first window and shows the
// same transaction there as `history --newest-first --offset`.
#include "tests/e2e/bulk_sync.h"
#include "tests/e2e/e2e_driver.h"
#include "tests/e2e/tui_driver.h"

namespace redoubt::test {
namespace {

constexpr const char* kForeign = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";

class HistoryPaging : public E2E {
 protected:
  Json page(std::vector<std::string> args) {
    args.insert(args.begin(), "history");
    Result h = r(args);
    EXPECT_EQ(h.rc, 0) << h.err;
    return h.json();
  }
  static void expect_same(const Json& got, const Json& want, const std::string& what) {
    EXPECT_EQ(got["txid"], want["txid"]) << what;
    EXPECT_EQ(got["height"], want["height"]) << what;
    EXPECT_EQ(sat(got["value"]), sat(want["value"])) << what;
    EXPECT_EQ(sat(got["balance"]), sat(want["balance"])) << what;
    EXPECT_EQ(got["confirmations_verified"], want["confirmations_verified"]) << what;
  }
};

TEST_F(HistoryPaging, LimitAndOffsetReturnTheRightSliceWithRunningBalances) {
  create();
  // Seven receives over three blocks, a payment confirmed after them, and a
  // receive left in the mempool: nine transactions, one of them negative.
  std::vector<int64_t> funded;
  for (int i = 0; i < 7; ++i) {
    funded.push_back((i + 1) * 10'000'000);
    universe().fund(address(), funded.back(), /*confirm=*/false);
    if (i % 3 == 2) universe().mine(1);
  }
  universe().mine(1);
  Result pay = pw({"payto", kForeign, "0.5"});
  ASSERT_EQ(pay.rc, 0) << pay.err;
  universe().mine(1);
  universe().fund(address(), 3'000'000, /*confirm=*/false);

  const Json all = history();
  ASSERT_EQ(all.size(), 9u) << all.dump();
  // The full list is consistent: each running balance is the previous one
  // plus the transaction's value, and the last is the wallet's balance.
  int64_t running = 0;
  for (const auto& t : all) {
    running += sat(t["value"]);
    EXPECT_EQ(sat(t["balance"]), running) << t.dump();
  }
  Json b = balance();
  EXPECT_EQ(running, sat(b["confirmed"]) + sat(b["unconfirmed"])) << b.dump();
  EXPECT_EQ(all[8]["height"], 0) << "the mempool receive is last";
  EXPECT_LT(sat(all[7]["value"]), -50'000'000) << "the payment, fee included";

  // Oldest first: items 2, 3, 4.
  Json p = page({"--limit", "3", "--offset", "2"});
  EXPECT_EQ(p["total"], 9);
  ASSERT_EQ(p["transactions"].size(), 3u) << p.dump();
  for (size_t i = 0; i < 3; ++i)
    expect_same(p["transactions"][i], all[2 + i], "oldest first #" + std::to_string(i));

  // Newest first: items 8, 7, 6, 5 (the mempool receive, the payment...).
  p = page({"--newest-first", "--limit", "4"});
  ASSERT_EQ(p["transactions"].size(), 4u) << p.dump();
  for (size_t i = 0; i < 4; ++i)
    expect_same(p["transactions"][i], all[8 - i], "newest first #" + std::to_string(i));

  // The end of the list clips the page; past it, nothing (but the total).
  p = page({"--newest-first", "--offset", "7", "--limit", "5"});
  ASSERT_EQ(p["transactions"].size(), 2u) << p.dump();
  expect_same(p["transactions"][0], all[1], "clipped #0");
  expect_same(p["transactions"][1], all[0], "clipped #1");
  p = page({"--offset", "20"});
  EXPECT_TRUE(p["transactions"].empty()) << p.dump();
  EXPECT_EQ(p["total"], 9);
  // --offset alone: from there to the end.
  p = page({"--offset", "6"});
  ASSERT_EQ(p["transactions"].size(), 3u) << p.dump();
  expect_same(p["transactions"][2], all[8], "to the end");

  for (const char* bad : {"x", "-1", "4294967296", ""}) {
    Result u = r({"history", "--limit", bad});
    EXPECT_EQ(u.rc, 2) << "--limit '" << bad << "': " << u.out << u.err;
  }
}

TEST_F(HistoryPaging, TheInteractiveScreenFetchesPagesDeepInALargeHistory) {
  testsupport::BulkWalletSpec spec;
  spec.transactions = 1000;
  spec.addresses = 200;
  spec.txs_per_block = 200;
  auto bulk = testsupport::build_bulk_wallet(
      universe(), testsupport::electrum_segwit_account(kBulkPhrase), spec);
  BulkSync s = bulk_sync(endpoints(), wallet_);
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.transactions, 1000);

  // The whole history, through pages, ends at the wallet's balance.
  const Json all = history();
  ASSERT_EQ(all.size(), 1000u);
  EXPECT_EQ(sat(all[999]["balance"]), bulk.balance);

  PtySession t({bin("redoubt"), "--datadir", wallet_, "--network", "regtest", "--proxy",
                "unix:" + endpoints().socks, "--server", kServer},
               24, 160);
  ASSERT_TRUE(t.wait_text("100%  |")) << t.screen().text();  // synced: keys are read now
  t.type("2");
  ASSERT_TRUE(t.wait_text("1 of 1000")) << t.screen().text();
  EXPECT_TRUE(t.screen().contains(all[999]["txid"].get<std::string>())) << "newest at the top";
  // 40 pages of 16 rows: row 641 from the newest, past the first window (400).
  for (int i = 0; i < 40; ++i) t.type("\x1b[6~");
  ASSERT_TRUE(t.wait_text("641 of 1000")) << t.screen().text();
  const std::string txid = all[999 - 640]["txid"];
  ASSERT_TRUE(t.wait_text(txid)) << t.screen().text();
  // It is the first row of the list (under the title and the column header).
  EXPECT_NE(t.screen().row(4).find(txid), std::string::npos) << t.screen().text();
  Json p = page({"--newest-first", "--offset", "640", "--limit", "1"});
  ASSERT_EQ(p["transactions"].size(), 1u);
  EXPECT_EQ(p["transactions"][0]["txid"], txid);
  t.type("q");
  EXPECT_EQ(t.wait_exit(), 0);
}

}  // namespace
}  // namespace redoubt::test
