// ElectrumSession end to end over real sockets: through the test SOCKS proxy
// (credentials, hostnames unresolved), TLS trust-on-first-use and pinning,
// notifications, fail-closed without a proxy, and every transport-level
// misbehaviour of the test server handled by dropping it, never by hanging.
#include <gtest/gtest.h>

#include <thread>

#include "netd/electrum.h"
#include "netd/session.h"
#include "tests/netd/netd_test_util.h"
#include "tests/support/net.h"
#include "tests/support/socks_server.h"

namespace redoubt::netd {
namespace {

using namespace std::chrono_literals;
using testsupport::Misbehaviour;
using testsupport::MisbehaviourScope;

class NetdSession : public ::testing::Test {
 protected:
  void SetUp() override {
    testsupport::ElectrumServer::Options eo;
    eo.cert_path = dir.path() + "/cert.pem";
    // Past netd's limit, so huge_line really is too long for it.
    eo.huge_line_bytes = kMaxLineBytes + 4096;
    server = std::make_unique<testsupport::ElectrumServer>(eo, handler);
    server->start();
    testsupport::SocksServer::Options so;
    so.socket_path = dir.path() + "/socks";
    socks = std::make_unique<testsupport::SocksServer>(so);
    for (std::string host : {"electrum.test", "*.onion"}) {
      socks->add_route({host, 50001, server->tcp_port()});
      socks->add_route({host, 50002, server->tls_port()});
    }
    socks->start();
  }
  void TearDown() override {
    socks->stop();
    server->stop();
  }

  ElectrumSession::Options opts(const std::string& host, uint16_t port, bool tls,
                                ByteVec pin = {}) {
    ElectrumSession::Options o;
    o.transport.proxy.kind = ProxyKind::unix_socket;
    o.transport.proxy.address = socks->socket_path();
    o.transport.proxy.source = "test";
    o.transport.server = {host, port, tls};
    o.transport.credentials = random_credentials();
    o.transport.pinned_certificate = std::move(pin);
    o.transport.connect_timeout = 5s;
    o.request_timeout = 2s;
    return o;
  }

  static ElectrumSession::Parser raw_tx() {
    return [](const Json& r) -> std::any { return parse_raw_tx(r); };
  }
  static ElectrumSession::Parser null_reply() {
    return [](const Json& r) -> std::any {
      if (!r.is_null()) throw ProtocolError("expected null");
      return true;
    };
  }

  test::TempDir dir;
  test::TinyHandler handler;
  std::unique_ptr<testsupport::ElectrumServer> server;
  std::unique_ptr<testsupport::SocksServer> socks;
};

TEST_F(NetdSession, PlainThroughSocksWithCredentialsAndHostname) {
  auto o = opts("electrum.test", 50001, false);
  SocksCredentials creds = o.transport.credentials;
  test::WaitingListener l;
  ElectrumSession s(o, l);
  ASSERT_TRUE(l.wait_open());
  ASSERT_TRUE(l.ready) << l.open_failed.value_or("");
  EXPECT_EQ(l.ready->software, "TinyElectrum 1.0");
  EXPECT_EQ(l.ready->protocol, "1.4.2");
  EXPECT_TRUE(l.certificate.empty());
  ASSERT_TRUE(s.call(1, "blockchain.transaction.get", Json::array({"00"}), raw_tx()));
  ASSERT_TRUE(l.wait([&] { return l.results.count(1) > 0; }));
  EXPECT_EQ(l.locked([&] { return std::any_cast<Bytes>(l.results[1]).size(); }), 64u);

  auto records = socks->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].method, 0x02);
  EXPECT_EQ(records[0].username, creds.username);
  EXPECT_EQ(records[0].password, creds.password);
  EXPECT_EQ(records[0].atyp, 0x03);  // a domain name, unresolved
  EXPECT_EQ(records[0].host, "electrum.test");
  EXPECT_TRUE(socks->violations().empty());
}

TEST_F(NetdSession, OnionGoesToTheProxyByName) {
  const std::string onion = "h6qrnwxtwiaahsw4qhk2nbutswwb54vnqso6jrxeuk6nwtfbos7jkoqd.onion";
  test::WaitingListener l;
  ElectrumSession s(opts(onion, 50001, false), l);
  ASSERT_TRUE(l.wait_open());
  ASSERT_TRUE(l.ready) << l.open_failed.value_or("");
  auto records = socks->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].atyp, 0x03);
  EXPECT_EQ(records[0].host, onion);
}

TEST_F(NetdSession, TlsTrustOnFirstUseThenPinned) {
  ByteVec served = test::cert_der(server->cert_path());
  ASSERT_FALSE(served.empty());
  ByteVec seen;
  {
    test::WaitingListener l;
    ElectrumSession s(opts("electrum.test", 50002, true), l);
    ASSERT_TRUE(l.wait_open());
    ASSERT_TRUE(l.ready) << l.open_failed.value_or("");
    seen = l.certificate;
    EXPECT_EQ(seen, served);  // what the broker stores on first use
  }
  {
    test::WaitingListener l;
    ElectrumSession s(opts("electrum.test", 50002, true, seen), l);
    ASSERT_TRUE(l.wait_open());
    EXPECT_TRUE(l.ready) << l.open_failed.value_or("");
  }
  {
    ByteVec other = seen;
    other[other.size() / 2] ^= 1;
    test::WaitingListener l;
    ElectrumSession s(opts("electrum.test", 50002, true, other), l);
    ASSERT_TRUE(l.wait_open());
    ASSERT_TRUE(l.open_failed);
    EXPECT_NE(l.open_failed->find("certificate"), std::string::npos) << *l.open_failed;
    EXPECT_NE(l.open_failed->find("changed"), std::string::npos) << *l.open_failed;
  }
}

TEST_F(NetdSession, HeaderNotificationsArrive) {
  test::WaitingListener l;
  ElectrumSession s(opts("electrum.test", 50001, false), l);
  ASSERT_TRUE(l.wait_open());
  ASSERT_TRUE(l.ready);
  s.call(1, "blockchain.headers.subscribe", Json::array(),
         [](const Json& r) -> std::any { return parse_header_tip(r); });
  ASSERT_TRUE(l.wait([&] { return l.results.count(1) > 0; }));
  EXPECT_EQ(l.locked([&] { return std::any_cast<HeaderTip>(l.results[1]).height; }), 100u);
  handler.height = 101;
  server->notify_changed();
  ASSERT_TRUE(l.wait([&] { return !l.headers.empty(); }));
  EXPECT_EQ(l.locked([&] { return l.headers[0].height; }), 101u);
  EXPECT_EQ(l.locked([&] { return l.headers[0].header.size(); }), 80u);
}

TEST_F(NetdSession, ServerErrorFailsTheCallOnly) {
  test::WaitingListener l;
  ElectrumSession s(opts("electrum.test", 50001, false), l);
  ASSERT_TRUE(l.wait_open());
  s.call(1, "no.such.method", Json::array(), null_reply());
  ASSERT_TRUE(l.wait([&] { return l.errors.count(1) > 0; }));
  EXPECT_NE(l.locked([&] { return l.errors[1]; }).find("unknown method"), std::string::npos);
  s.call(2, "server.ping", Json::array(), null_reply());
  ASSERT_TRUE(l.wait([&] { return l.results.count(2) > 0; }));
  EXPECT_FALSE(l.locked([&] { return l.closed.has_value(); }));
}

TEST_F(NetdSession, NoProxyMeansNoConnection) {
  auto o = opts("electrum.test", 50001, false);
  o.transport.proxy.address = dir.path() + "/no-such-socket";
  o.transport.proxy.source = "TOR_SOCKS_IPC_PATH";
  test::WaitingListener l;
  ElectrumSession s(o, l);
  ASSERT_TRUE(l.wait_open());
  ASSERT_TRUE(l.open_failed);
  EXPECT_NE(l.open_failed->find("cannot reach the Tor SOCKS proxy"), std::string::npos);
  EXPECT_NE(l.open_failed->find("TOR_SOCKS_IPC_PATH"), std::string::npos);
  EXPECT_FALSE(s.call(1, "server.ping", Json::array(), null_reply()));
  // A TCP proxy that is not listening: the same, and still nothing else is tried.
  auto [closed_fd, closed_port] = testsupport::listen_tcp_loopback(0);
  closed_fd.reset();
  auto t = opts("electrum.test", 50001, false);
  t.transport.proxy.kind = ProxyKind::tcp;
  t.transport.proxy.host = "127.0.0.1";
  t.transport.proxy.port = closed_port;
  t.transport.proxy.address = "127.0.0.1:" + std::to_string(closed_port);
  test::WaitingListener l2;
  ElectrumSession s2(t, l2);
  ASSERT_TRUE(l2.wait_open());
  ASSERT_TRUE(l2.open_failed);
  EXPECT_NE(l2.open_failed->find("Connection refused"), std::string::npos);
  EXPECT_EQ(server->connections_accepted(), 0u);  // never a direct fallback
  EXPECT_TRUE(socks->records().empty());
}

TEST_F(NetdSession, MisbehaviourAtOpenIsRefusedInBoundedTime) {
  const std::pair<Misbehaviour, const char*> modes[] = {
      {Misbehaviour::stall, "did not answer server.version"},
      {Misbehaviour::drop, "closed the connection"},
      {Misbehaviour::huge_line, "longer than"},
      {Misbehaviour::endless_line, "longer than"},
  };
  for (const auto& [mode, expect] : modes) {
    SCOPED_TRACE(testsupport::to_string(mode));
    server->set_misbehaviour(mode, MisbehaviourScope::next_connection);
    auto t0 = std::chrono::steady_clock::now();
    test::WaitingListener l;
    ElectrumSession s(opts("electrum.test", 50001, false), l);
    ASSERT_TRUE(l.wait_open());
    ASSERT_TRUE(l.open_failed);
    EXPECT_NE(l.open_failed->find(expect), std::string::npos) << *l.open_failed;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  }
}

TEST_F(NetdSession, MisbehaviourMidSessionDropsTheServerAndSaysWhy) {
  const std::pair<Misbehaviour, const char*> modes[] = {
      {Misbehaviour::stall, "did not answer server.ping"},
      {Misbehaviour::drop, "closed the connection"},
      {Misbehaviour::huge_line, "longer than"},
  };
  for (const auto& [mode, expect] : modes) {
    SCOPED_TRACE(testsupport::to_string(mode));
    server->set_misbehaviour(Misbehaviour::none, MisbehaviourScope::all_connections);
    test::WaitingListener l;
    ElectrumSession s(opts("electrum.test", 50002, true), l);
    ASSERT_TRUE(l.wait_open());
    ASSERT_TRUE(l.ready) << l.open_failed.value_or("");
    server->set_misbehaviour(mode, MisbehaviourScope::all_connections);
    s.call(7, "server.ping", Json::array(), null_reply());
    ASSERT_TRUE(l.wait([&] { return l.closed.has_value(); }));
    EXPECT_NE(l.locked([&] { return *l.closed; }).find(expect), std::string::npos) << *l.closed;
    EXPECT_NE(l.locked([&] { return *l.closed; }).find("electrum.test:50002:s"), std::string::npos);
    ASSERT_TRUE(l.wait([&] { return l.errors.count(7) > 0; }));
    EXPECT_FALSE(s.call(8, "server.ping", Json::array(), null_reply()));
  }
  server->set_misbehaviour(Misbehaviour::none, MisbehaviourScope::all_connections);
}

TEST_F(NetdSession, OutstandingRequestsAreBounded) {
  test::WaitingListener l;
  auto o = opts("electrum.test", 50001, false);
  o.request_timeout = 30s;
  ElectrumSession s(o, l);
  ASSERT_TRUE(l.wait_open());
  ASSERT_TRUE(l.ready);
  server->set_misbehaviour(Misbehaviour::stall, MisbehaviourScope::all_connections);
  for (uint64_t i = 1; i <= kMaxOutstanding + 1; ++i) {
    ASSERT_TRUE(s.call(i, "server.ping", Json::array(), null_reply()));
  }
  ASSERT_TRUE(l.wait([&] { return l.errors.count(kMaxOutstanding + 1) > 0; }));
  EXPECT_NE(l.locked([&] { return l.errors[kMaxOutstanding + 1]; }).find("too many requests"),
            std::string::npos);
  EXPECT_EQ(l.locked([&] { return l.errors.size(); }), 1u);  // the rest still wait
  EXPECT_FALSE(l.locked([&] { return l.closed.has_value(); }));
  server->set_misbehaviour(Misbehaviour::none, MisbehaviourScope::all_connections);
}

TEST_F(NetdSession, DestructorCancelsAConnectInProgress) {
  server->set_misbehaviour(Misbehaviour::stall, MisbehaviourScope::next_connection);
  auto o = opts("electrum.test", 50001, false);
  o.request_timeout = 60s;
  test::WaitingListener l;
  auto t0 = std::chrono::steady_clock::now();
  {
    ElectrumSession s(o, l);
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(l.open_failed.has_value());  // no callback after the destructor
}

}  // namespace
}  // namespace redoubt::netd
