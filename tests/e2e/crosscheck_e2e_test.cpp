// The tip cross-check with a second Electrum server, end to end through the
// real process tree: a second universe (its own chain, Electrum server and
// ports) is reached through the first universe's SOCKS proxy under its own
// hostname. On the same chain the servers agree and a send goes out; on a
// fork the wallet says so, refuses to send (exit 8, an actionable message)
// and keeps the chain and balance it verified from its own server; an
// unreachable second server is a notice, never a failed sync.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/e2e_driver.h"
#include "tests/e2e/tui_driver.h"
#include "tests/support/universe_fixture.h"

namespace redoubt::test {
namespace {

constexpr const char* kForeign = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";
constexpr const char* kSecondHost = "second.electrum.test";
constexpr const char* kSecond = "second.electrum.test:50001:t";

class CrossCheckE2E : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    second_dir_ = testsupport::make_temp_dir("redoubt-second");
    testsupport::UniverseOptions o;
    o.datadir = second_dir_;
    o.initial_blocks = 0;  // its chain is copied from the first universe
    second_ = std::make_unique<testsupport::Universe>(o);
    second_->start();
    // The first universe's proxy is the wallet's only way out: it maps the
    // second hostname to the second universe's server on 127.0.0.1.
    universe().socks().add_route({kSecondHost, 50001, second_->endpoints().tcp});
  }
  void TearDown() override {
    if (second_) second_->stop();
    second_.reset();
    std::error_code ec;
    std::filesystem::remove_all(second_dir_, ec);
    E2E::TearDown();
  }
  // A command with `--crosscheck-server server` among the global options.
  Result cc(const std::vector<std::string>& args, const std::string& server = kSecond,
            const std::string& input = "") {
    std::vector<std::string> a = argv(args);
    a.insert(a.begin() + 1, {"--crosscheck-server", server});
    return run(a, input);
  }
  // A funded wallet: 5 NMC confirmed at the first universe's tip.
  void funded_wallet() {
    create();
    universe().fund(address(), 500'000'000, /*confirm=*/true);
  }
  // Syncs (which waits for the cross-check), then reads getinfo's
  // "crosscheck" (this run's, or the one the sync remembered).
  Json checked(const std::string& server = kSecond) {
    Result b = cc({"getbalance"}, server);
    EXPECT_EQ(b.rc, 0) << b.err;
    Result i = cc({"getinfo"}, server);
    EXPECT_EQ(i.rc, 0) << i.err;
    return i.json()["crosscheck"];
  }
  size_t mempool_size() {
    return universe().with_state(
        [](auto&, const testsupport::Mempool& m, auto&) { return m.entries().size(); });
  }
  testsupport::Universe& second() { return *second_; }

 private:
  std::string second_dir_;
  std::unique_ptr<testsupport::Universe> second_;
};

TEST_F(CrossCheckE2E, SameChainAgreesAndSendsGoOut) {
  funded_wallet();
  second().copy_chain_from(universe());
  Result b = cc({"getbalance"});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.json()["confirmed"], "5");
  EXPECT_EQ(b.err.find("disagree"), std::string::npos) << b.err;

  Json c = checked();
  EXPECT_EQ(c["status"], "agree") << c.dump();
  EXPECT_EQ(c["server"], kSecond);
  EXPECT_EQ(c["height"], universe().height());
  EXPECT_EQ(c["server_height"], second().height());

  Result pay = cc({"payto", kForeign, "1"}, kSecond, kPassword);
  ASSERT_EQ(pay.rc, 0) << pay.err;
  EXPECT_TRUE(pay.json()["broadcast"].get<bool>());
  EXPECT_EQ(universe().confirmations(pay.json()["txid"].get<std::string>()), 0)
      << "in the mempool of our server";

  // A second server one block ahead on the same chain still agrees (our
  // tip is an ancestor of its tip, checked header by header).
  second().copy_chain_from(universe());
  second().mine(1);
  c = checked();
  EXPECT_EQ(c["status"], "agree") << c.dump();
  // One behind on the same chain: fine, noted.
  universe().mine(2);
  second().copy_chain_from(universe());
  universe().mine(1);
  c = checked();
  EXPECT_EQ(c["status"], "behind") << c.dump();
}

TEST_F(CrossCheckE2E, ForkIsShownAndSendsAreRefusedWithOurChainKept) {
  funded_wallet();
  universe().mine(2);
  const int our_height = universe().height();
  // The second server: the same genesis and blocks, then its own branch
  // replacing our top 3 blocks (the funding block among them) with 4 others.
  second().copy_chain_from(universe());
  second().reorg(3);
  ASSERT_EQ(second().height(), our_height + 1);

  // The sync completes from our server; the disagreement is a notice.
  Result b = cc({"getbalance"});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.json()["confirmed"], "5") << "still verified from our own server";
  EXPECT_NE(b.err.find("servers disagree about the chain tip"), std::string::npos) << b.err;

  Json c = checked();
  EXPECT_EQ(c["status"], "disagree") << c.dump();
  EXPECT_EQ(c["fork_height"], our_height) << c.dump();
  EXPECT_EQ(c["server_height"], our_height + 1);
  EXPECT_NE(c["detail"].get<std::string>().find("longer chain"), std::string::npos) << c.dump();

  // A send is refused before keyd is asked, with what to do about it.
  Result pay = cc({"payto", kForeign, "1"}, kSecond, kPassword);
  EXPECT_EQ(pay.rc, 8) << pay.err;
  EXPECT_NE(pay.err.find("servers disagree about the chain tip"), std::string::npos) << pay.err;
  EXPECT_NE(pay.err.find("--crosscheck-server none"), std::string::npos) << pay.err;
  EXPECT_EQ(mempool_size(), 0u) << "nothing was broadcast";

  // Our stored chain is the one our server verified, not the second's.
  Result bal = r({"getbalance"});
  ASSERT_EQ(bal.rc, 0) << bal.err;
  EXPECT_EQ(bal.json()["confirmed"], "5");
  EXPECT_FALSE(bal.json().contains("unconfirmed")) << bal.out;
  Json h = history();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0]["height"], our_height - 2);
  EXPECT_TRUE(h[0]["confirmations_verified"].get<bool>());

  // The user's override: no second server for this command; the send goes out.
  Result forced = cc({"payto", kForeign, "1"}, "none", kPassword);
  ASSERT_EQ(forced.rc, 0) << forced.err;
  EXPECT_EQ(universe().confirmations(forced.json()["txid"].get<std::string>()), 0);
}

TEST_F(CrossCheckE2E, UnreachableSecondServerIsANoticeNotAFailure) {
  funded_wallet();
  // No route for this hostname: the proxy refuses the connection.
  const std::string nowhere = "nowhere.electrum.test:50001:t";
  Result b = cc({"getbalance"}, nowhere);
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.json()["confirmed"], "5");
  EXPECT_NE(b.err.find("cross-check server " + nowhere + " unreachable"), std::string::npos)
      << b.err;
  Json c = checked(nowhere);
  EXPECT_EQ(c["status"], "unreachable") << c.dump();
  // Nothing disputes our chain: sending works.
  Result pay = cc({"payto", kForeign, "1"}, nowhere, kPassword);
  ASSERT_EQ(pay.rc, 0) << pay.err;
}

// The interactive mode's status line says what the check found: a
// disagreement is shown there, not only as a notice that scrolls away.
TEST_F(CrossCheckE2E, TheInteractiveModeShowsTheVerdictInItsStatusLine) {
  funded_wallet();
  universe().mine(2);
  second().copy_chain_from(universe());
  second().reorg(3);
  std::vector<std::string> args = argv({});
  args.erase(std::find(args.begin(), args.end(), "--json"));
  args.insert(args.begin() + 1, {"--crosscheck-server", kSecond});
  PtySession s(args, 24, 120);
  ASSERT_TRUE(s.wait_for([](const VtScreen& v) {
    return v.row(22).find("| tip check: DISAGREE, sends refused") != std::string::npos;
  })) << s.screen().text();
  s.type("q");
  EXPECT_EQ(s.wait_exit(), 0);
  // The same wallet with a second server on our chain: "agree".
  second().copy_chain_from(universe());
  PtySession ok(args, 24, 120);
  ASSERT_TRUE(ok.wait_for([](const VtScreen& v) {
    return v.row(22).find("| tip check: agree") != std::string::npos;
  })) << ok.screen().text();
  ok.type("q");
  EXPECT_EQ(ok.wait_exit(), 0);
}

}  // namespace
}  // namespace redoubt::test
