// getconfig / setconfig through the real process tree: each effective value
// with the layer it came from, setconfig writing the user's redoubt.conf
// atomically (comments kept, bad values refused with the file untouched),
// and a saved fee_rate actually used by the next payment.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e/e2e_driver.h"

namespace redoubt::test {
namespace {

constexpr const char* kForeign = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";

class Config : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    xdg_ = datadir() + "/xdg";
    setenv("XDG_CONFIG_HOME", xdg_.c_str(), 1);
    unsetenv("TOR_SOCKS_IPC_PATH");
    file_ = xdg_ + "/redoubt/redoubt.conf";
  }
  void TearDown() override {
    unsetenv("XDG_CONFIG_HOME");
    E2E::TearDown();
  }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string xdg_, file_;
};

TEST_F(Config, AllShowsEachValueWithItsSource) {
  Result all = r({"getconfig", "--all"});
  ASSERT_EQ(all.rc, 0) << all.err;
  Json j = all.json();
  ASSERT_TRUE(j.is_object()) << all.out;
  EXPECT_EQ(j["network"]["value"], "regtest");
  EXPECT_EQ(j["network"]["source"], "command line");
  EXPECT_EQ(j["server"]["value"], kServer);
  EXPECT_EQ(j["server"]["source"], "command line");
  EXPECT_EQ(j["fee_rate"]["value"], "auto");
  EXPECT_EQ(j["fee_rate"]["source"], "default");
  EXPECT_EQ(j["anonymity_mode"]["source"], "default");

  // Human output: one aligned row per key.
  Result human = run({bin("redoubt"), "--datadir", wallet_, "--network", "regtest", "--proxy",
                      "unix:" + endpoints().socks, "getconfig", "--all"},
                     "");
  ASSERT_EQ(human.rc, 0) << human.err;
  EXPECT_NE(human.out.find("KEY"), std::string::npos);
  EXPECT_NE(human.out.find("fee_rate"), std::string::npos);
  EXPECT_NE(human.out.find("command line"), std::string::npos);
}

TEST_F(Config, EnvironmentLayerIsNamed) {
  // No --proxy on the command line: the Tor variable decides, and says so.
  setenv("TOR_SOCKS_IPC_PATH", endpoints().socks.c_str(), 1);
  Result g = run({bin("redoubt"), "--datadir", wallet_, "--network", "regtest", "--server", kServer,
                  "--json", "getconfig", "--all"},
                 "");
  unsetenv("TOR_SOCKS_IPC_PATH");
  ASSERT_EQ(g.rc, 0) << g.err;
  EXPECT_EQ(g.json()["proxy"]["value"], "unix:" + endpoints().socks);
  EXPECT_EQ(g.json()["proxy"]["source"], "environment TOR_SOCKS_IPC_PATH");
}

TEST_F(Config, SetconfigWritesTheUserFileAndKeepsComments) {
  std::filesystem::create_directories(xdg_ + "/redoubt");
  { std::ofstream(file_) << "# my settings\nanonymity_mode = off\n# fees\nfee_rate = 5000\n"; }
  chmod(file_.c_str(), 0600);
  Result s = r({"setconfig", "fee_rate", "250000"});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_EQ(slurp(file_), "# my settings\nanonymity_mode = off\n# fees\nfee_rate = 250000\n");
  struct stat st {};
  ASSERT_EQ(stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Result g = r({"getconfig", "fee_rate"});
  ASSERT_EQ(g.rc, 0) << g.err;
  EXPECT_EQ(g.json(), "250000");
  Result all = r({"getconfig", "--all"});
  ASSERT_EQ(all.rc, 0) << all.err;
  EXPECT_EQ(all.json()["fee_rate"]["source"], file_ + ":4");
  EXPECT_EQ(all.json()["anonymity_mode"]["value"], "off");

  // A new key is appended.
  ASSERT_EQ(r({"setconfig", "anonymity_mode", "on"}).rc, 0);
  ASSERT_EQ(r({"setconfig", "datadir", "/srv/redoubt"}).rc, 0);
  EXPECT_EQ(slurp(file_),
            "# my settings\nanonymity_mode = on\n# fees\nfee_rate = 250000\n"
            "datadir = /srv/redoubt\n");
}

TEST_F(Config, BadKeysAndValuesAreRefusedAndTheFileIsUntouched) {
  ASSERT_EQ(r({"setconfig", "fee_rate", "3000"}).rc, 0);
  const std::string before = slurp(file_);
  Result low = r({"setconfig", "fee_rate", "1"});
  EXPECT_EQ(low.rc, 2) << low.err;
  EXPECT_NE(low.err.find("fee_rate"), std::string::npos) << low.err;
  Result unknown = r({"setconfig", "proxi", "none"});
  EXPECT_EQ(unknown.rc, 2);
  EXPECT_NE(unknown.err.find("proxi"), std::string::npos) << unknown.err;
  Result bad_proxy = r({"setconfig", "proxy", "tor"});
  EXPECT_EQ(bad_proxy.rc, 2);
  EXPECT_NE(bad_proxy.err.find("unix:PATH"), std::string::npos) << bad_proxy.err;
  EXPECT_EQ(slurp(file_), before);
  Result g = r({"getconfig", "nosuchkey"});
  EXPECT_EQ(g.rc, 2);
  EXPECT_NE(g.err.find("known: network"), std::string::npos) << g.err;
  EXPECT_EQ(r({"getconfig"}).rc, 2) << "a key or --all";
}

TEST_F(Config, SavedFeeRateIsUsedByTheNextPayment) {
  create();
  universe().fund(address(), 300'000'000, /*confirm=*/true);
  const int64_t rate = 250'000;  // far from the universe's estimate
  ASSERT_EQ(r({"setconfig", "fee_rate", std::to_string(rate)}).rc, 0);
  Result pay = pw({"payto", kForeign, "0.5"});
  ASSERT_EQ(pay.rc, 0) << pay.err;
  const int64_t fee = sat(pay.json()["summary"]["fee"]);
  const int64_t vsize = pay.json()["summary"]["vsize"].get<int64_t>();
  EXPECT_GE(fee, (vsize * rate + 999) / 1000);
  EXPECT_LE(fee, ((vsize + 1) * rate + 999) / 1000) << "priced at the configured rate";
}

}  // namespace
}  // namespace redoubt::test
