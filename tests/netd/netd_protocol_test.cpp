// A scripted server that breaks the JSON-RPC contract after a correct
// server.version: wrong ids, invalid JSON, wrong types. Each drops the server
// with the reason. Reached directly (proxy "none", regtest's only direct mode).
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <functional>
#include <thread>

#include "netd/electrum.h"
#include "netd/session.h"
#include "tests/netd/netd_test_util.h"
#include "tests/support/net.h"

namespace redoubt::netd {
namespace {

using namespace std::chrono_literals;

// Accepts one connection, answers server.version properly, then answers
// every later request line with reply(id).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<std::string(uint64_t)> reply) : reply_(std::move(reply)) {
    auto [fd, port] = testsupport::listen_tcp_loopback(0);
    listen_ = std::move(fd);
    port_ = port;
    th_ = std::thread([this] { run(); });
  }
  ~ScriptedServer() {
    ::shutdown(listen_.get(), SHUT_RDWR);
    if (conn_ >= 0) ::shutdown(conn_, SHUT_RDWR);
    th_.join();
  }
  uint16_t port() const { return port_; }

 private:
  void run() {
    int c = ::accept(listen_.get(), nullptr, nullptr);
    if (c < 0) return;
    conn_ = c;
    testsupport::Fd conn(c);
    std::string line;
    bool first = true;
    while (testsupport::read_line(conn.get(), line, 1 << 20, 10'000)) {
      uint64_t id = Json::parse(line)["id"].get<uint64_t>();
      std::string out =
          first ? Json({{"jsonrpc", "2.0"}, {"id", id}, {"result", {"S 1", "1.4"}}}).dump()
                : reply_(id);
      first = false;
      if (!testsupport::write_all(conn.get(), out + "\n")) return;
    }
  }
  std::function<std::string(uint64_t)> reply_;
  testsupport::Fd listen_;
  uint16_t port_ = 0;
  std::atomic<int> conn_{-1};
  std::thread th_;
};

ElectrumSession::Options direct(uint16_t port) {
  ElectrumSession::Options o;
  o.transport.proxy.kind = ProxyKind::none;
  o.transport.proxy.source = "--proxy";
  o.transport.server = {"127.0.0.1", port, false};
  o.transport.connect_timeout = 5s;
  o.request_timeout = 5s;
  return o;
}

std::string drop_reason(std::function<std::string(uint64_t)> reply, const char* method) {
  ScriptedServer srv(std::move(reply));
  test::WaitingListener l;
  ElectrumSession s(direct(srv.port()), l);
  EXPECT_TRUE(l.wait_open());
  EXPECT_TRUE(l.ready) << l.open_failed.value_or("");
  s.call(1, method, Json::array({std::string(64, '0')}),
         [](const Json& r) -> std::any { return parse_raw_tx(r); });
  EXPECT_TRUE(l.wait([&] { return l.closed.has_value(); }));
  EXPECT_TRUE(l.wait([&] { return l.errors.count(1) > 0; }));
  return l.locked([&] { return l.closed.value_or(""); });
}

TEST(NetdProtocol, WrongIdDrops) {
  auto r = drop_reason(
      [](uint64_t id) {
        return Json({{"id", id + 100}, {"result", "00"}}).dump();
      },
      "blockchain.transaction.get");
  EXPECT_NE(r.find("not outstanding"), std::string::npos) << r;
}

TEST(NetdProtocol, InvalidJsonDrops) {
  auto r = drop_reason([](uint64_t) { return std::string("{\"id\": 2, \"result\": "); },
                       "blockchain.transaction.get");
  EXPECT_NE(r.find("invalid JSON"), std::string::npos) << r;
}

TEST(NetdProtocol, WrongTypesDrop) {
  auto r = drop_reason(
      [](uint64_t id) {
        return Json({{"id", id}, {"result", {{"hex", 5}}}}).dump();
      },
      "blockchain.transaction.get");
  EXPECT_NE(r.find("malformed transaction"), std::string::npos) << r;
  auto r2 = drop_reason(
      [](uint64_t id) {
        return Json({{"id", id}, {"result", "not hex at all!"}}).dump();
      },
      "blockchain.transaction.get");
  EXPECT_NE(r2.find("not hex"), std::string::npos) << r2;
}

TEST(NetdProtocol, OversizeBatchDrops) {
  auto r = drop_reason(
      [](uint64_t id) {
        Json batch = Json::array();
        for (size_t i = 0; i <= kMaxBatch; ++i) batch.push_back({{"id", id}, {"result", "00"}});
        return batch.dump();
      },
      "blockchain.transaction.get");
  EXPECT_NE(r.find("batch"), std::string::npos) << r;
}

TEST(NetdProtocol, TransproxyAndNoneNeverResolveNames) {
  for (ProxyKind kind : {ProxyKind::none, ProxyKind::transproxy}) {
    auto o = direct(1);
    o.transport.proxy.kind = kind;
    o.transport.server.host = "electrum.test";
    test::WaitingListener l;
    ElectrumSession s(o, l);
    ASSERT_TRUE(l.wait_open());
    ASSERT_TRUE(l.open_failed);
    EXPECT_NE(l.open_failed->find("never resolves names"), std::string::npos) << *l.open_failed;
  }
}

}  // namespace
}  // namespace redoubt::netd
