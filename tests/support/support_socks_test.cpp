// The SOCKS5 proxy: handshake with and without auth, routing by hostname,
// reply codes, and the log tests rely on for stream isolation.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/support/net.h"
#include "tests/support/onion.h"
#include "tests/support/socks_server.h"

namespace redoubt::testsupport {
namespace {

std::string temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "socks-XXXXXX").string();
  return ::mkdtemp(tmpl.data());
}

// Sends a complete user/pass handshake and a CONNECT; returns the reply code.
uint8_t socks_connect(int fd, const std::string& user, const std::string& pass, uint8_t atyp,
                      const std::string& addr, uint16_t port) {
  std::string hello = {0x05, 0x01, 0x02};
  EXPECT_TRUE(write_all(fd, hello));
  uint8_t sel[2];
  EXPECT_TRUE(read_exact(fd, sel, 2));
  EXPECT_EQ(sel[0], 0x05);
  EXPECT_EQ(sel[1], 0x02);
  std::string auth = {0x01, static_cast<char>(user.size())};
  auth += user;
  auth += static_cast<char>(pass.size());
  auth += pass;
  EXPECT_TRUE(write_all(fd, auth));
  uint8_t ok[2];
  EXPECT_TRUE(read_exact(fd, ok, 2));
  EXPECT_EQ(ok[1], 0x00);
  std::string req = {0x05, 0x01, 0x00, static_cast<char>(atyp)};
  if (atyp == 0x03) req += static_cast<char>(addr.size());
  req += addr;
  req += static_cast<char>(port >> 8);
  req += static_cast<char>(port & 0xff);
  EXPECT_TRUE(write_all(fd, req));
  uint8_t rep[10];
  if (!read_exact(fd, rep, 10)) return 0xff;
  return rep[1];
}

class SocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir();
    auto [fd, port] = listen_tcp_loopback(0);
    echo_listen_ = std::move(fd);
    echo_port_ = port;
    proxy_ = std::make_unique<SocksServer>(SocksServer::Options{dir_ + "/socks.sock"});
    proxy_->add_route({"electrum.test", 50001, echo_port_});
    proxy_->add_route({"*.onion", 0, echo_port_});
    proxy_->add_route({"refused.test", 0, 1});  // nothing listens on port 1
    proxy_->start();
  }
  void TearDown() override {
    proxy_->stop();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  Fd echo_listen_;
  uint16_t echo_port_ = 0;
  std::unique_ptr<SocksServer> proxy_;
};

TEST_F(SocksTest, ConnectsByHostnameAndLogsCredentials) {
  Fd c = connect_unix(proxy_->socket_path());
  ASSERT_EQ(socks_connect(c.get(), "alice", "secret1", 0x03, "electrum.test", 50001), 0x00);
  // The stream reaches the upstream listener: bytes flow both ways.
  int up = ::accept(echo_listen_.get(), nullptr, nullptr);
  ASSERT_GE(up, 0);
  ASSERT_TRUE(write_all(c.get(), "ping\n"));
  char buf[5];
  ASSERT_TRUE(read_exact(up, buf, 5));
  EXPECT_EQ(std::string(buf, 5), "ping\n");
  ASSERT_TRUE(write_all(up, "pong\n"));
  ASSERT_TRUE(read_exact(c.get(), buf, 5));
  EXPECT_EQ(std::string(buf, 5), "pong\n");
  ::close(up);

  auto recs = proxy_->records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].username, "alice");
  EXPECT_EQ(recs[0].password, "secret1");
  EXPECT_EQ(recs[0].host, "electrum.test");
  EXPECT_EQ(recs[0].port, 50001);
  EXPECT_EQ(recs[0].atyp, 0x03);
  EXPECT_EQ(recs[0].method, 0x02);
  EXPECT_FALSE(recs[0].violation);
}

TEST_F(SocksTest, OnionWildcardAndDistinctCredentialsPerStream) {
  Fd a = connect_unix(proxy_->socket_path());
  Fd b = connect_unix(proxy_->socket_path());
  std::string onion(56, 'a');
  onion += ".onion";
  EXPECT_EQ(socks_connect(a.get(), "u1", "p1", 0x03, onion, 50002), 0x00);
  EXPECT_EQ(socks_connect(b.get(), "u2", "p2", 0x03, onion, 50002), 0x00);
  auto recs = proxy_->records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_NE(recs[0].username, recs[1].username);
  EXPECT_EQ(recs[1].host, onion);
}

TEST_F(SocksTest, IpAddressRequestIsRefusedAndRecordedAsViolation) {
  Fd c = connect_unix(proxy_->socket_path());
  std::string ip = {127, 0, 0, 1};
  EXPECT_EQ(socks_connect(c.get(), "u", "p", 0x01, ip, echo_port_), 0x02);
  Fd d = connect_unix(proxy_->socket_path());
  std::string ip6(16, '\0');
  ip6[15] = 1;
  EXPECT_EQ(socks_connect(d.get(), "u", "p", 0x04, ip6, 443), 0x02);
  auto v = proxy_->violations();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].host, "127.0.0.1");
  EXPECT_EQ(v[0].atyp, 0x01);
  EXPECT_EQ(v[1].host, "::1");
  EXPECT_EQ(v[1].atyp, 0x04);
}

TEST_F(SocksTest, UnknownHostAndRefusedConnectionReplyCodes) {
  Fd c = connect_unix(proxy_->socket_path());
  EXPECT_EQ(socks_connect(c.get(), "u", "p", 0x03, "nowhere.test", 50001), 0x04);
  Fd d = connect_unix(proxy_->socket_path());
  EXPECT_EQ(socks_connect(d.get(), "u", "p", 0x03, "refused.test", 50001), 0x05);
  // electrum.test only routes port 50001.
  Fd e = connect_unix(proxy_->socket_path());
  EXPECT_EQ(socks_connect(e.get(), "u", "p", 0x03, "electrum.test", 80), 0x04);
}

TEST_F(SocksTest, NoAuthMethodWhenUserPassNotOffered) {
  Fd c = connect_unix(proxy_->socket_path());
  std::string hello = {0x05, 0x01, 0x00};
  ASSERT_TRUE(write_all(c.get(), hello));
  uint8_t sel[2];
  ASSERT_TRUE(read_exact(c.get(), sel, 2));
  EXPECT_EQ(sel[1], 0x00);
  // Only an unknown method offered: 0xFF, no acceptable methods.
  Fd d = connect_unix(proxy_->socket_path());
  std::string hello2 = {0x05, 0x01, 0x03};
  ASSERT_TRUE(write_all(d.get(), hello2));
  ASSERT_TRUE(read_exact(d.get(), sel, 2));
  EXPECT_EQ(sel[1], 0xff);
}

TEST(OnionNameTest, V3AddressEncoding) {
  // Computed independently (Python: sha3_256 and base32) for the key 00 01 .. 1f.
  std::array<uint8_t, 32> pub{};
  for (size_t i = 0; i < 32; ++i) pub[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(onion_v3_address(pub),
            "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dyp3kead.onion");
  std::string d = default_universe_onion();
  EXPECT_EQ(d.size(), 56u + 6u);
  EXPECT_EQ(d, default_universe_onion());  // stable
  EXPECT_TRUE(d.ends_with("d.onion"));     // version 3 ends the name in 'd'
}

}  // namespace
}  // namespace redoubt::testsupport
