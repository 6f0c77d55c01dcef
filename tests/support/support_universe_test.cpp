// The universe as other tests use it: the control protocol's commands and
// errors, and a wallet-like client reaching the Electrum server only through
// the SOCKS proxy, over TLS, with isolated credentials per stream.
#include <gtest/gtest.h>

#include "chain/address.h"
#include "chain/params.h"
#include "tests/support/control.h"
#include "tests/support/universe_fixture.h"

namespace redoubt::testsupport {
namespace {

using nlohmann::json;

class UniverseTest : public UniverseFixture {
 protected:
  json ctl(const std::string& line) {
    if (!client_) client_ = std::make_unique<ControlClient>(endpoints().control);
    return json::parse(client_->command(line));
  }
  std::unique_ptr<ControlClient> client_;
};

TEST_F(UniverseTest, ControlProtocolDrivesTheChainAndNames) {
  const int h0 = ctl("height")["height"];
  EXPECT_EQ(h0, universe().height());
  json r = ctl("name_register d/control {\"ip\": \"192.0.2.9\"}");
  ASSERT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["height"], h0 + 1 + kMinFirstUpdateDepth);
  json show = ctl("name_show d/control");
  EXPECT_EQ(show["value"], "{\"ip\": \"192.0.2.9\"}");
  EXPECT_EQ(show["expires_in"], kRegtestNameExpiration);
  EXPECT_EQ(show["txid"], r["txid"]);

  // Someone else's name given to "our" address.
  TestWallet ours;
  std::string addr = TestWallet::address(ours.new_script());
  json t = ctl("name_transfer d/control " + addr);
  ASSERT_EQ(t["ok"], true) << t.dump();
  EXPECT_EQ(ctl("name_show d/control")["address"], addr);
  // The universe no longer owns it.
  EXPECT_EQ(ctl("name_update d/control stolen")["ok"], false);

  json mis = ctl("misbehave bad_merkle all");
  EXPECT_EQ(mis["scope"], "all");
  EXPECT_EQ(ctl("misbehave sideways")["ok"], false);
  EXPECT_EQ(ctl("misbehave none all")["ok"], true);
  EXPECT_EQ(ctl("fund " + addr + " 0.000000001")["ok"], false);  // 9 decimals
  EXPECT_EQ(ctl("fund notanaddress 1")["ok"], false);
  EXPECT_EQ(ctl("frobnicate")["ok"], false);
  const int before = universe().height();
  EXPECT_EQ(ctl("reorg 3")["height"], before + 1);
  EXPECT_EQ(ctl("tx " + std::string(64, '0'))["ok"], false);
  EXPECT_EQ(ctl("ping")["ok"], true);
}

TEST_F(UniverseTest, WalletLikeClientThroughSocksOverTlsWithIsolation) {
  for (int i = 0; i < 2; ++i) {
    std::string user = "stream-" + std::to_string(i);
    Fd fd = socks5_connect(endpoints().socks, endpoints().onion, 50002, user, "pw");
    JsonClient c = JsonClient::adopt_tls(std::move(fd), endpoints().onion);
    EXPECT_EQ(c.result("server.version", {"redoubt", "1.4.3"})[1], "1.4.3");
    EXPECT_EQ(c.result("blockchain.headers.subscribe")["height"], universe().height());
  }
  auto recs = universe().socks().records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_NE(recs[0].username, recs[1].username);
  for (const auto& r : recs) {
    EXPECT_EQ(r.host, endpoints().onion);
    EXPECT_EQ(r.atyp, 0x03);
    EXPECT_EQ(r.port, 50002);
  }
  json log = json::parse(ControlClient(endpoints().control).command("socks_log"));
  EXPECT_EQ(log["records"].size(), 2u);
  // An unmapped name is refused with "host unreachable".
  try {
    socks5_connect(endpoints().socks, "elsewhere.test", 50001, "u", "p");
    ADD_FAILURE() << "connected to an unmapped host";
  } catch (const SocksConnectError& e) {
    EXPECT_EQ(e.reply, 0x04);
  }
}

TEST_F(UniverseTest, HonestAndLyingServersAtOnceByHostname) {
  std::string liar = universe().misbehaving_host(Misbehaviour::wrong_headers);
  EXPECT_EQ(liar, "wrong-headers.electrum.test");
  EXPECT_EQ(universe().misbehaving_host(Misbehaviour::wrong_headers), liar);  // idempotent
  json host = ctl("misbehave_host none");
  ASSERT_EQ(host["ok"], true);
  EXPECT_EQ(host["host"], "honest.electrum.test");
  // Even with every ordinary connection stalling, each host keeps its behaviour.
  universe().set_misbehaviour(Misbehaviour::stall, MisbehaviourScope::all_connections);
  JsonClient h =
      JsonClient::adopt(socks5_connect(endpoints().socks, "honest.electrum.test", 50001, "a", "1"));
  JsonClient l =
      JsonClient::adopt_tls(socks5_connect(endpoints().socks, liar, 50002, "b", "2"), liar);
  std::string good = h.result("blockchain.block.header", {3});
  std::string bad = l.result("blockchain.block.header", {3});
  EXPECT_EQ(good.size(), bad.size());
  EXPECT_NE(good, bad);
  JsonClient plain = electrum_tcp();
  plain.send_line(R"({"jsonrpc":"2.0","method":"server.ping","id":1})");
  EXPECT_FALSE(plain.read_line(300));
}

}  // namespace
}  // namespace redoubt::testsupport
