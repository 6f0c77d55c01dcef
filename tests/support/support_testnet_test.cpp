// redoubt-testnet as a program: one JSON ready line with the documented
// keys, a working control socket and Electrum port, a clean exit on SIGTERM.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>

#include "tests/support/control.h"
#include "tests/support/json_client.h"
#include "tests/support/testnet_process.h"
#include "tests/support/universe_fixture.h"

namespace redoubt::testsupport {
namespace {

using nlohmann::json;

TEST(TestnetProgramTest, ReadyLineControlSocketAndCleanStop) {
  std::string dir = make_temp_dir("redoubt-testnet");
  {
    TestnetProcess p(testnet_binary(), dir);
    const json& r = p.ready();
    for (const char* k : {"tcp", "tls", "socks", "control"}) EXPECT_TRUE(r.contains(k)) << k;
    EXPECT_GT(r["tcp"].get<int>(), 0);
    EXPECT_GT(r["tls"].get<int>(), 0);
    EXPECT_TRUE(std::filesystem::exists(r["socks"].get<std::string>()));

    ControlClient ctl(r["control"].get<std::string>());
    json h = json::parse(ctl.command("height"));
    EXPECT_EQ(h["ok"], true);
    const int start = h["height"];
    json m = json::parse(ctl.command("mine 3"));
    EXPECT_EQ(m["height"], start + 3);
    EXPECT_EQ(m["blocks"].size(), 3u);
    json bad = json::parse(ctl.command("mine lots"));
    EXPECT_EQ(bad["ok"], false);
    json f = json::parse(ctl.command("fund ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka 1.25"));
    ASSERT_EQ(f["ok"], true) << f.dump();
    json mp = json::parse(ctl.command("mempool"));
    EXPECT_EQ(mp["txids"], json::array({f["txid"]}));
    json t = json::parse(ctl.command("tx " + f["txid"].get<std::string>()));
    EXPECT_EQ(t["confirmations"], 0);

    JsonClient c = JsonClient::tcp(r["tcp"].get<uint16_t>());
    EXPECT_EQ(c.result("blockchain.headers.subscribe")["height"], start + 3);
    json mis = json::parse(ctl.command("misbehave drop"));
    EXPECT_EQ(mis["ok"], true);
    JsonClient d = JsonClient::tcp(r["tcp"].get<uint16_t>());
    d.send_line(R"({"jsonrpc":"2.0","method":"server.ping","id":1})");
    EXPECT_TRUE(d.closed_by_peer());

    int status = p.stop();
    ASSERT_NE(status, -1) << "did not exit on SIGTERM";
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_FALSE(std::filesystem::exists(r["socks"].get<std::string>()));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace redoubt::testsupport
