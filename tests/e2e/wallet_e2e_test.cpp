// The wallet end to end: the real broker, keyd, netd and ui (confined as
// shipped) against the local regtest universe through its SOCKS5 proxy.
// Every assertion reads what the user would read (JSON output, exit codes).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/e2e/e2e_driver.h"
#include "tests/support/universe_fixture.h"

namespace redoubt::test {
namespace {

using testsupport::Misbehaviour;

class WalletE2E : public testsupport::UniverseFixture {
 protected:
  void SetUp() override {
    UniverseFixture::SetUp();
    wallet_ = datadir() + "/wallet";
  }
  Result r(std::vector<std::string> args, const std::string& input = "",
           const std::string& server = "electrum.test:50001:t", const std::string& dir = "") {
    std::vector<std::string> argv = {
        bin("redoubt"), "--datadir", dir.empty() ? wallet_ : dir, "--network",
        "regtest",      "--proxy",   "unix:" + endpoints().socks, "--server",
        server,         "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, input);
  }
  std::string create() {
    Result c = r({"create"}, "pw-e2e\n");
    EXPECT_EQ(c.rc, 0) << c.err;
    return c.json().value("seed", "");
  }
  std::string address() {
    Result a = r({"getunusedaddress"});
    EXPECT_EQ(a.rc, 0) << a.err;
    return a.json().get<std::string>();
  }
  std::string wallet_;
};

TEST_F(WalletE2E, ReceiveIsConfirmedOnlyAfterVerificationAndPaymentsAreExact) {
  std::string seed = create();
  EXPECT_EQ(std::count(seed.begin(), seed.end(), ' '), 11) << "a 12-word Electrum seed";
  std::string addr = address();
  ASSERT_EQ(addr.rfind("ncrt1q", 0), 0u) << addr;

  universe().fund(addr, 500'000'000, /*confirm=*/false);
  Result b = r({"getbalance"});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.json()["confirmed"], "0");
  EXPECT_EQ(b.json()["unconfirmed"], "5") << "seen in the mempool, not yet confirmed";

  universe().mine(1);
  b = r({"getbalance"});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.json()["confirmed"], "5");
  Result h = r({"history"});
  ASSERT_EQ(h.rc, 0) << h.err;
  ASSERT_EQ(h.json()["transactions"].size(), 1u);
  EXPECT_TRUE(h.json()["transactions"][0]["confirmations_verified"].get<bool>())
      << "confirmed only with a merkle proof checked against our headers";

  // A wrong password: refused by keyd, nothing spent.
  Result bad = r({"payto", "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka", "1"}, "nope\n");
  EXPECT_EQ(bad.rc, 5) << bad.err;
  EXPECT_NE(bad.err.find("wrong password"), std::string::npos) << bad.err;
  EXPECT_EQ(r({"getbalance"}).json()["confirmed"], "5");

  Result pay = r({"payto", "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka", "1.25"}, "pw-e2e\n");
  ASSERT_EQ(pay.rc, 0) << pay.err;
  Json p = pay.json();
  EXPECT_TRUE(p["broadcast"].get<bool>());
  std::string fee = p["summary"]["fee"];
  universe().mine(1);
  EXPECT_EQ(universe().confirmations(p["txid"].get<std::string>()), 1);
  b = r({"getbalance"});
  // 5 - 1.25 - fee, to the satoshi (amounts are strings of exact decimals).
  int64_t fee_sat = std::llround(std::stod(fee) * 1e8);
  int64_t expect = 500'000'000 - 125'000'000 - fee_sat;
  int64_t got = std::llround(std::stod(b.json()["confirmed"].get<std::string>()) * 1e8);
  EXPECT_EQ(got, expect) << b.out;
}

// `payto --no-broadcast` signs and keeps the transaction as the wallet's own
// (its coins stay spent, so the next payment cannot take them) until the user
// broadcasts it: unlike the interactive mode's unanswered confirmation, the
// end of the command does not forget it.
TEST_F(WalletE2E, NoBroadcastKeepsTheSignedTransactionForALaterBroadcast) {
  create();
  universe().fund(address(), 300'000'000, /*confirm=*/true);
  Result pay = r({"payto", "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka", "1", "--no-broadcast"},
                 "pw-e2e\n");
  ASSERT_EQ(pay.rc, 0) << pay.err;
  EXPECT_FALSE(pay.json()["broadcast"].get<bool>());
  std::string txid = pay.json()["txid"];
  EXPECT_FALSE(universe().raw_tx(txid)) << "not broadcast";
  EXPECT_EQ(r({"history"}).json()["transactions"].size(), 2u) << "kept after the command ended";
  Result b = r({"broadcast", pay.json()["hex"].get<std::string>()});
  ASSERT_EQ(b.rc, 0) << b.err;
  universe().mine(1);
  EXPECT_EQ(universe().confirmations(txid), 1);
}

TEST_F(WalletE2E, OfflineFlowUnsignedThenSignThenBroadcast) {
  create();
  universe().fund(address(), 300'000'000, /*confirm=*/true);
  Result u = r({"payto", "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka", "1", "--unsigned"});
  ASSERT_EQ(u.rc, 0) << u.err;
  EXPECT_FALSE(u.json()["broadcast"].get<bool>());
  std::string unsigned_hex = u.json()["hex"];
  Result d = r({"deserialize", unsigned_hex});
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_EQ(d.json()["inputs"].size(), 1u);
  Result s = r({"signtransaction", unsigned_hex}, "pw-e2e\n");
  ASSERT_EQ(s.rc, 0) << s.err;
  std::string signed_hex = s.json()["hex"];
  EXPECT_NE(signed_hex, unsigned_hex);
  EXPECT_EQ(s.json()["summary"]["outputs"][0]["value"], "1") << "keyd's summary of what leaves";
  Result b = r({"broadcast", signed_hex});
  ASSERT_EQ(b.rc, 0) << b.err;
  universe().mine(1);
  EXPECT_EQ(universe().confirmations(b.json().get<std::string>()), 1);
  EXPECT_EQ(r({"validateaddress", "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka"}).json(), true);
  EXPECT_EQ(r({"validateaddress", "nc1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka"}).json(), false);
}

TEST_F(WalletE2E, RestoreFindsTheSameWalletAndItsHistory) {
  std::string seed = create();
  std::string addr = address();
  universe().fund(addr, 100'000'000, /*confirm=*/true);
  std::string other = datadir() + "/restored";
  Result rs = r({"restore"}, seed + "\npw-2\n", "electrum.test:50001:t", other);
  ASSERT_EQ(rs.rc, 0) << rs.err;
  Result b = r({"getbalance"}, "", "electrum.test:50001:t", other);
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.json()["confirmed"], "1");
}

// Each lie is refused and nothing it said is stored.
class LyingServer : public WalletE2E, public ::testing::WithParamInterface<Misbehaviour> {};

TEST_P(LyingServer, IsDroppedAndNothingIsBelieved) {
  create();
  std::string addr = address();
  universe().fund(addr, 200'000'000, /*confirm=*/true);
  std::string host = universe().misbehaving_host(GetParam());
  Result b = r({"getbalance"}, "", host + ":50001:t");
  EXPECT_NE(b.rc, 0) << "a lying server must not produce a balance: " << b.out;
  EXPECT_TRUE(b.rc == 8 || b.rc == 7) << b.rc << " " << b.err;
  // The honest server then shows the truth: the lie left nothing behind.
  Result ok = r({"getbalance"});
  ASSERT_EQ(ok.rc, 0) << ok.err;
  EXPECT_EQ(ok.json()["confirmed"], "2");
  Result h = r({"history"});
  EXPECT_EQ(h.json()["transactions"].size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, LyingServer,
                         ::testing::Values(Misbehaviour::wrong_headers,
                                           Misbehaviour::truncated_headers,
                                           Misbehaviour::bad_merkle, Misbehaviour::wrong_tx),
                         [](const auto& i) { return std::to_string(static_cast<int>(i.param)); });

TEST_F(WalletE2E, NameLifecycleWithAutoregisterAndVerifiedShow) {
  create();
  universe().fund(address(), 300'000'000, /*confirm=*/true);
  Result n = r({"name_autoregister", "d/e2e", "first"}, "pw-e2e\n");
  ASSERT_EQ(n.rc, 0) << n.err;
  // 11 blocks: the queued firstupdate must wait.
  universe().mine(11);
  Result l = r({"name_list"});
  ASSERT_EQ(l.rc, 0) << l.err;
  ASSERT_EQ(l.json().size(), 1u);
  EXPECT_NE(l.json()[0]["pending"].get<std::string>().find("queued"), std::string::npos) << l.out;
  Result early = r({"name_show", "d/e2e"});
  EXPECT_NE(early.rc, 0) << "not registered yet";
  universe().mine(1);
  ASSERT_EQ(r({"getbalance"}).rc, 0);  // the broker sees 12 confirmations and broadcasts
  universe().mine(1);
  Result s = r({"name_show", "d/e2e"});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_EQ(s.json()["value"], "first");
  EXPECT_TRUE(s.json()["verified"].get<bool>());
  EXPECT_TRUE(s.json()["ismine"].get<bool>());
  EXPECT_EQ(s.json()["expires_in"], 30);

  // Update, then a lying server's fake value is not believed.
  Result u = r({"name_update", "d/e2e", "second"}, "pw-e2e\n");
  ASSERT_EQ(u.rc, 0) << u.err;
  universe().mine(1);
  s = r({"name_show", "d/e2e"});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_EQ(s.json()["value"], "second");
  std::string liar = universe().misbehaving_host(Misbehaviour::fake_name_value);
  Result fake = r({"name_show", "d/e2e"}, "", liar + ":50001:t");
  if (fake.rc == 0) {
    EXPECT_EQ(fake.json()["value"], "second") << "a rewritten value must never be shown";
  } else {
    EXPECT_EQ(fake.rc, 8) << fake.err;
  }
}

TEST_F(WalletE2E, FirstupdateBefore12ConfirmationsIsRefusedWithBlocksRemaining) {
  create();
  universe().fund(address(), 300'000'000, /*confirm=*/true);
  ASSERT_EQ(r({"name_new", "d/early"}, "pw-e2e\n").rc, 0);
  universe().mine(5);
  Result fu = r({"name_firstupdate", "d/early", "v"}, "pw-e2e\n");
  EXPECT_EQ(fu.rc, 2) << fu.err;
  EXPECT_NE(fu.err.find("7 more blocks"), std::string::npos) << fu.err;
}

}  // namespace
}  // namespace redoubt::test
