// The real redoubt-netd process, spawned as the broker spawns it (empty
// environment, socketpair on fd 3) and driven over Cap'n Proto against the
// test universe through its Unix-socket SOCKS proxy: every Session method,
// notifications, stream isolation from the proxy's credential log, fail
// closed without a proxy, misbehaving servers, kill -9, and no resolver
// symbol in the binary.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "chain/hash.h"
#include "chain/tx.h"
#include "ipc/errors.h"
#include "ipc/network.capnp.h"
#include "ipc/peer.h"
#include "sandbox/spawn.h"
#include "tests/netd/netd_test_util.h"
#include "tests/support/universe.h"

namespace redoubt::netd {
namespace {

namespace schema = ipc::schema;
using namespace std::chrono_literals;
using testsupport::Misbehaviour;
using testsupport::MisbehaviourScope;

std::string netd_path() {
  const char* bin = getenv("REDOUBT_BIN_DIR");
  return std::string(bin ? bin : "bin") + "/redoubt-netd";
}

struct Events {
  std::vector<std::pair<uint32_t, Bytes>> headers;
  std::vector<std::pair<Bytes, Bytes>> statuses;
  std::vector<std::string> closed;
};

class EventsImpl final : public schema::SessionEvents::Server {
 public:
  explicit EventsImpl(Events& e) : e_(e) {}
  kj::Promise<void> newHeader(NewHeaderContext c) override {
    auto h = c.getParams().getHeader();
    e_.headers.emplace_back(c.getParams().getHeight(), Bytes(h.begin(), h.end()));
    return kj::READY_NOW;
  }
  kj::Promise<void> scripthashStatus(ScripthashStatusContext c) override {
    auto sh = c.getParams().getScripthash();
    auto st = c.getParams().getStatus();
    e_.statuses.emplace_back(Bytes(sh.begin(), sh.end()), Bytes(st.begin(), st.end()));
    return kj::READY_NOW;
  }
  kj::Promise<void> closed(ClosedContext c) override {
    e_.closed.push_back(c.getParams().getReason());
    return kj::READY_NOW;
  }

 private:
  Events& e_;
};

// A spawned netd and the broker's end of its connection.
struct NetdProcess {
  pid_t pid = -1;
  std::unique_ptr<ipc::Peer> peer;
  schema::Network::Client net{nullptr};

  NetdProcess(kj::AsyncIoContext& io, int request_timeout_ms = 3000,
              const std::string& policy = "netd") {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    sandbox::SpawnSpec spec;
    spec.path = netd_path();
    spec.argv = {"redoubt-netd",
                 "--network",
                 "regtest",
                 "--request-timeout-ms",
                 std::to_string(request_timeout_ms),
                 "--connect-timeout-ms",
                 "5000",
                 "--policy",
                 policy};
    spec.channel_fd = sv[1];
    spec.inherit_stdio = true;  // netd's stderr shows in the test log
    pid = sandbox::spawn(spec);
    ::close(sv[1]);
    peer = std::make_unique<ipc::Peer>(
        *io.lowLevelProvider, sv[0],
        capnp::Capability::Client(capnp::newBrokenCap("the broker offers nothing to netd")),
        ipc::kNetdLimits,
        /*is_broker=*/true);
    net = peer->remote<schema::Network>();
  }
  ~NetdProcess() {
    net = nullptr;
    peer.reset();
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

Bytes p2pkh(uint8_t tag) {
  Bytes s{0x76, 0xa9, 0x14};
  s.insert(s.end(), 20, tag);
  s.push_back(0x88);
  s.push_back(0xac);
  return s;
}

Bytes scripthash_of(const Bytes& script) {
  auto h = chain::sha256(script);
  return Bytes(h.begin(), h.end());
}

capnp::Data::Reader dr(const Bytes& b) {
  return capnp::Data::Reader(b.data(), b.size());
}
Bytes bytes(capnp::Data::Reader d) {
  return Bytes(d.begin(), d.end());
}

class NetdProcessTest : public ::testing::Test {
 protected:
  ~NetdProcessTest() noexcept override {}
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    testsupport::UniverseOptions uo;
    uo.datadir = dir_->path();
    universe_ = new testsupport::Universe(uo);
    universe_->start();
  }
  static void TearDownTestSuite() {
    universe_->stop();
    delete universe_;
    delete dir_;
  }
  void SetUp() override {
    universe_->set_misbehaviour(Misbehaviour::none, MisbehaviourScope::all_connections);
    universe_->socks().clear_records();
  }

  // configure() with the universe's SOCKS socket as TOR_SOCKS_IPC_PATH.
  schema::ProxyInfo::Reader configure(NetdProcess& p, const std::string& ipc_path) {
    auto req = p.net.configureRequest();
    auto cfg = req.initConfig();
    cfg.setTorSocksIpcPath(ipc_path);
    cfg.setNetwork(schema::NetworkId::REGTEST);
    resp_ = kj::heap(req.send().wait(io.waitScope));
    return resp_->getProxy();
  }

  schema::Session::Client open(NetdProcess& p, const std::string& host, uint16_t port, bool tls,
                               const std::string& stream_id = "", Bytes pin = {},
                               Bytes* cert_out = nullptr) {
    auto req = p.net.openSessionRequest();
    req.initServer().setHost(host);
    req.getServer().setPort(port);
    req.getServer().setTls(tls);
    req.setPinnedCertificate(dr(pin));
    req.setStreamId(stream_id);
    req.setEvents(kj::heap<EventsImpl>(events));
    auto resp = req.send().wait(io.waitScope);
    if (cert_out) *cert_out = bytes(resp.getCertificate());
    return resp.getSession();
  }

  template <typename Pred>
  bool pump_until(Pred pred, std::chrono::milliseconds limit = 15s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io.provider->getTimer().afterDelay(20 * kj::MILLISECONDS).wait(io.waitScope);
    }
    return true;
  }

  // The ErrorCode of a failed call, or -1 when it succeeded.
  template <typename P>
  int code_of(P&& promise, std::string* message = nullptr) {
    try {
      promise.wait(io.waitScope);
      return -1;
    } catch (const kj::Exception& e) {
      auto r = ipc::from_exception(e);
      if (message) *message = r.what();
      return static_cast<int>(r.code());
    }
  }

  kj::AsyncIoContext io = kj::setupAsyncIo();
  Events events;
  kj::Own<capnp::Response<schema::Network::ConfigureResults>> resp_;
  static test::TempDir* dir_;
  static testsupport::Universe* universe_;
};

test::TempDir* NetdProcessTest::dir_ = nullptr;
testsupport::Universe* NetdProcessTest::universe_ = nullptr;

TEST_F(NetdProcessTest, HelloAndProxySources) {
  NetdProcess p(io);
  auto hello = p.net.helloRequest().send().wait(io.waitScope);
  EXPECT_EQ(std::string(hello.getInfo().getProcess()), "netd");
  EXPECT_EQ(hello.getInfo().getPid(), p.pid);
  // netd confined itself (sandbox::confine_self("netd")) before serving:
  // every test in this file runs against the seccomp-filtered process.
  EXPECT_TRUE(hello.getInfo().getConfinement().getSeccompApplied());
  EXPECT_EQ(std::string(hello.getInfo().getConfinement().getSeccompPolicy()), "netd");
  auto proxy = configure(p, universe_->endpoints().socks);
  EXPECT_EQ(proxy.getKind(), schema::ProxyKind::UNIX);
  EXPECT_EQ(std::string(proxy.getAddress()), universe_->endpoints().socks);
  EXPECT_EQ(std::string(proxy.getSource()), "TOR_SOCKS_IPC_PATH");
  // Under the Unix-socket-only policy a TCP proxy or transproxy is refused
  // with a clear error (socket(AF_INET) would get netd killed).
  for (bool transproxy : {false, true}) {
    auto req = p.net.configureRequest();
    if (transproxy)
      req.initConfig().setTorTransproxy(true);
    else
      req.initConfig().setTorSocksPort("9150");
    req.getConfig().setNetwork(schema::NetworkId::REGTEST);
    std::string msg;
    EXPECT_EQ(code_of(req.send(), &msg), static_cast<int>(ipc::ErrorCode::kUsage));
    EXPECT_NE(msg.find("netd-transproxy"), std::string::npos) << msg;
  }
  // The TCP-capable policy accepts them.
  NetdProcess tcp(io, 3000, "netd-transproxy");
  {
    auto req = tcp.net.configureRequest();
    req.initConfig().setTorSocksPort("9150");
    req.getConfig().setNetwork(schema::NetworkId::REGTEST);
    auto r = req.send().wait(io.waitScope);
    EXPECT_EQ(r.getProxy().getKind(), schema::ProxyKind::TCP);
    EXPECT_EQ(std::string(r.getProxy().getAddress()), "127.0.0.1:9150");
    EXPECT_EQ(std::string(r.getProxy().getSource()), "TOR_SOCKS_HOST/TOR_SOCKS_PORT");
  }
  {
    auto req = tcp.net.configureRequest();
    req.initConfig().setTorTransproxy(true);
    req.getConfig().setNetwork(schema::NetworkId::REGTEST);
    auto r = req.send().wait(io.waitScope);
    EXPECT_EQ(r.getProxy().getKind(), schema::ProxyKind::TRANSPROXY);
    EXPECT_EQ(std::string(r.getProxy().getSource()), "TOR_TRANSPROXY");
  }
  {
    auto req = p.net.configureRequest();
    req.initConfig().setTorSocksHost("tor.example");  // a name: never resolved, refused
    req.getConfig().setNetwork(schema::NetworkId::REGTEST);
    EXPECT_EQ(code_of(req.send()), static_cast<int>(ipc::ErrorCode::kUsage));
  }
  {
    auto req = p.net.configureRequest();  // differs from --network regtest
    req.initConfig().setNetwork(schema::NetworkId::MAINNET);
    EXPECT_EQ(code_of(req.send()), static_cast<int>(ipc::ErrorCode::kUsage));
  }
}

TEST_F(NetdProcessTest, EverySessionMethodOverTls) {
  NetdProcess p(io);
  configure(p, universe_->endpoints().socks);
  Bytes cert;
  auto s = open(p, "electrum.test", 50002, true, "", {}, &cert);
  EXPECT_EQ(cert, test::cert_der(universe_->endpoints().cert));  // trust on first use

  auto info = s.serverInfoRequest().send().wait(io.waitScope);
  EXPECT_EQ(std::string(info.getProtocol()).substr(0, 3), "1.4");
  EXPECT_EQ(bytes(info.getCertificate()), cert);

  auto tip = s.headersSubscribeRequest().send().wait(io.waitScope);
  EXPECT_EQ(static_cast<int>(tip.getHeight()), universe_->height());
  EXPECT_GE(tip.getHeader().size(), 80u);

  // Merge-mined headers split correctly: each links to the previous one.
  auto hreq = s.getHeadersRequest();
  hreq.setStartHeight(0);
  hreq.setCount(20);
  auto hs = hreq.send().wait(io.waitScope);
  ASSERT_EQ(hs.getHeaders().size(), 20u);
  for (unsigned i = 1; i < 20; ++i) {
    auto prev = hs.getHeaders()[i - 1];
    auto cur = hs.getHeaders()[i];
    ASSERT_GE(cur.size(), 80u);
    auto h = chain::sha256d(chain::ByteSpan(prev.begin(), 80));
    EXPECT_TRUE(std::equal(h.begin(), h.end(), cur.begin() + 4)) << i;
  }
  auto cpreq = s.getHeadersRequest();
  cpreq.setStartHeight(0);
  cpreq.setCount(4);
  cpreq.setCpHeight(static_cast<uint32_t>(universe_->height()));
  auto cp = cpreq.send().wait(io.waitScope);
  EXPECT_EQ(cp.getHeaders().size(), 4u);
  EXPECT_EQ(cp.getRoot().size(), 32u);
  EXPECT_GT(cp.getBranch().size(), 0u);

  // A script with one coinbase output: history, utxos, the tx, its proof.
  Bytes script = p2pkh(0x5a);
  Bytes sh = scripthash_of(script);
  auto sub = s.subscribeScripthashRequest();
  sub.setScripthash(dr(sh));
  EXPECT_EQ(sub.send().wait(io.waitScope).getStatus().size(), 0u);  // no history yet
  universe_->mine_to_script(1, script);
  ASSERT_TRUE(pump_until([&] { return !events.statuses.empty() && !events.headers.empty(); }));
  EXPECT_EQ(events.statuses[0].first, sh);
  EXPECT_EQ(events.statuses[0].second.size(), 32u);
  EXPECT_EQ(static_cast<int>(events.headers.back().first), universe_->height());

  auto hist = s.getHistoryRequest();
  hist.setScripthash(dr(sh));
  auto hr = hist.send().wait(io.waitScope);
  ASSERT_EQ(hr.getEntries().size(), 1u);
  Bytes txid = bytes(hr.getEntries()[0].getTxHash());
  EXPECT_EQ(hr.getEntries()[0].getHeight(), universe_->height());

  auto lu = s.listUnspentRequest();
  lu.setScripthash(dr(sh));
  auto ur = lu.send().wait(io.waitScope);
  ASSERT_EQ(ur.getUtxos().size(), 1u);
  EXPECT_EQ(bytes(ur.getUtxos()[0].getTxHash()), txid);
  EXPECT_GT(ur.getUtxos()[0].getValue(), 0);

  auto mp = s.getMempoolRequest();
  mp.setScripthash(dr(sh));
  EXPECT_EQ(mp.send().wait(io.waitScope).getEntries().size(), 0u);

  auto gt = s.getTransactionRequest();
  gt.setTxHash(dr(txid));
  Bytes raw = bytes(gt.send().wait(io.waitScope).getRaw());
  auto h = chain::parse_transaction(raw).txid();  // the coinbase carries a witness
  EXPECT_EQ(Bytes(h.begin(), h.end()), txid);     // internal byte order both ways

  auto gm = s.getMerkleRequest();
  gm.setTxHash(dr(txid));
  gm.setHeight(static_cast<uint32_t>(universe_->height()));
  auto mr = gm.send().wait(io.waitScope);
  EXPECT_EQ(static_cast<int>(mr.getBlockHeight()), universe_->height());
  EXPECT_EQ(mr.getPos(), 0u);  // the coinbase

  auto ef = s.estimateFeeRequest();
  ef.setBlocks(2);
  // The universe answers its configured NMC/kB; netd turns it into sat/kvB.
  EXPECT_EQ(ef.send().wait(io.waitScope).getSatPerKvB(),
            std::llround(universe_->options().estimatefee_nmc_per_kb * 1e8));
  EXPECT_GT(s.relayFeeRequest().send().wait(io.waitScope).getSatPerKvB(), 0);
  s.pingRequest().send().wait(io.waitScope);

  // A server-side refusal fails the call, not the session.
  auto bc = s.broadcastRequest();
  Bytes junk(40, 0x01);
  bc.setRawTx(dr(junk));
  std::string msg;
  EXPECT_EQ(code_of(bc.send(), &msg), static_cast<int>(ipc::ErrorCode::kNetwork));
  EXPECT_NE(msg.find("refused"), std::string::npos) << msg;
  s.pingRequest().send().wait(io.waitScope);

  auto un = s.unsubscribeScripthashRequest();
  un.setScripthash(dr(sh));
  un.send().wait(io.waitScope);
  // Arguments the broker got wrong are usage errors, caught before the network.
  auto bad = s.getTransactionRequest();
  bad.setTxHash(dr(Bytes(31, 0)));
  EXPECT_EQ(code_of(bad.send()), static_cast<int>(ipc::ErrorCode::kUsage));
  EXPECT_TRUE(events.closed.empty());
}

TEST_F(NetdProcessTest, PinnedCertificateRefusedWhenChanged) {
  NetdProcess p(io);
  configure(p, universe_->endpoints().socks);
  Bytes good = test::cert_der(universe_->endpoints().cert);
  open(p, "electrum.test", 50002, true, "", good);  // matches: fine
  Bytes other = good;
  other[10] ^= 0xff;
  auto req = p.net.openSessionRequest();
  req.initServer().setHost("electrum.test");
  req.getServer().setPort(50002);
  req.getServer().setTls(true);
  req.setPinnedCertificate(dr(other));
  req.setEvents(kj::heap<EventsImpl>(events));
  std::string msg;
  EXPECT_EQ(code_of(req.send(), &msg), static_cast<int>(ipc::ErrorCode::kNetwork));
  EXPECT_NE(msg.find("changed"), std::string::npos) << msg;
}

TEST_F(NetdProcessTest, StreamIsolationFromTheProxyLog) {
  NetdProcess p(io);
  configure(p, universe_->endpoints().socks);
  const std::string onion = universe_->endpoints().onion;
  auto a = open(p, "electrum.test", 50001, false);              // main session
  auto b = open(p, "electrum.test", 50002, true);               // another server (port)
  auto c = open(p, onion, 50001, false);                        // another server (onion)
  auto d = open(p, "electrum.test", 50001, false, "name:d/x");  // a stream id
  auto e = open(p, "electrum.test", 50001, false, "name:d/x");  // the same stream id again
  auto f = open(p, "electrum.test", 50001, false, "broadcast-1");
  auto recs = universe_->socks().records();
  ASSERT_EQ(recs.size(), 6u);
  for (const auto& r : recs) {
    EXPECT_EQ(r.method, 0x02);
    EXPECT_EQ(r.atyp, 0x03);  // hostnames arrive unresolved
    EXPECT_EQ(r.username.size(), 32u);
  }
  EXPECT_EQ(recs[1].host, "electrum.test");
  EXPECT_EQ(recs[2].host, onion);
  std::set<std::string> users;
  for (int i : {0, 1, 2, 3, 5}) users.insert(recs[i].username + ":" + recs[i].password);
  EXPECT_EQ(users.size(), 5u);                    // distinct per server and per stream id
  EXPECT_EQ(recs[3].username, recs[4].username);  // the same within one stream id
  EXPECT_EQ(recs[3].password, recs[4].password);
  EXPECT_TRUE(universe_->socks().violations().empty());
}

TEST_F(NetdProcessTest, NoProxyNoConnection) {
  NetdProcess p(io);
  configure(p, dir_->path() + "/no-tor-here");
  uint64_t before = universe_->electrum().connections_accepted();
  auto req = p.net.openSessionRequest();
  req.initServer().setHost("electrum.test");
  req.getServer().setPort(50001);
  req.setEvents(kj::heap<EventsImpl>(events));
  std::string msg;
  EXPECT_EQ(code_of(req.send(), &msg), static_cast<int>(ipc::ErrorCode::kNetwork));
  EXPECT_NE(msg.find("cannot reach the Tor SOCKS proxy"), std::string::npos) << msg;
  EXPECT_EQ(universe_->electrum().connections_accepted(), before);
  EXPECT_TRUE(universe_->socks().records().empty());
}

TEST_F(NetdProcessTest, EveryMisbehaviourHandledWithoutCrashOrHang) {
  NetdProcess p(io, /*request_timeout_ms=*/1500);
  configure(p, universe_->endpoints().socks);
  for (Misbehaviour m :
       {Misbehaviour::wrong_headers, Misbehaviour::truncated_headers, Misbehaviour::bad_merkle,
        Misbehaviour::wrong_tx, Misbehaviour::withhold_history, Misbehaviour::fake_name_value,
        Misbehaviour::huge_line, Misbehaviour::endless_line, Misbehaviour::stall,
        Misbehaviour::drop}) {
    SCOPED_TRACE(testsupport::to_string(m));
    universe_->set_misbehaviour(Misbehaviour::none, MisbehaviourScope::all_connections);
    events.closed.clear();
    auto s = open(p, "electrum.test", 50001, false);
    universe_->set_misbehaviour(m, MisbehaviourScope::all_connections);
    auto t0 = std::chrono::steady_clock::now();
    auto hreq = s.getHeadersRequest();
    hreq.setStartHeight(0);
    hreq.setCount(10);
    int code = code_of(hreq.send());
    int ping = code_of(s.pingRequest().send());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
    // Content lies pass through for the broker to catch; framing and
    // transport failures drop the server and say why.
    bool transport = m == Misbehaviour::endless_line || m == Misbehaviour::stall ||
                     m == Misbehaviour::drop || m == Misbehaviour::truncated_headers;
    if (transport) {
      EXPECT_EQ(code, static_cast<int>(ipc::ErrorCode::kNetwork));
      EXPECT_EQ(ping, static_cast<int>(ipc::ErrorCode::kNetwork));
      ASSERT_TRUE(pump_until([&] { return !events.closed.empty(); }));
    } else {
      EXPECT_EQ(code, -1);
      EXPECT_EQ(ping, -1);
    }
  }
  universe_->set_misbehaviour(Misbehaviour::none, MisbehaviourScope::all_connections);
  // The process is still alive and serving.
  EXPECT_EQ(p.net.helloRequest().send().wait(io.waitScope).getInfo().getPid(), p.pid);
}

TEST_F(NetdProcessTest, KillNineMidSessionIsSeenAndANewNetdServes) {
  auto p = std::make_unique<NetdProcess>(io, 30'000);
  configure(*p, universe_->endpoints().socks);
  auto s = open(*p, "electrum.test", 50001, false);
  universe_->set_misbehaviour(Misbehaviour::stall, MisbehaviourScope::all_connections);
  auto pending = s.pingRequest().send();
  io.provider->getTimer().afterDelay(200 * kj::MILLISECONDS).wait(io.waitScope);
  ::kill(p->pid, SIGKILL);
  std::string msg;
  EXPECT_EQ(code_of(kj::mv(pending), &msg), static_cast<int>(ipc::ErrorCode::kNetwork));
  EXPECT_NE(msg.find("went away"), std::string::npos) << msg;
  int status = 0;
  ASSERT_EQ(::waitpid(p->pid, &status, 0), p->pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  p->pid = -1;
  p.reset();
  universe_->set_misbehaviour(Misbehaviour::none, MisbehaviourScope::all_connections);
  NetdProcess again(io);  // what the broker's supervisor does
  configure(again, universe_->endpoints().socks);
  auto s2 = open(again, "electrum.test", 50001, false);
  s2.pingRequest().send().wait(io.waitScope);
}

TEST(NetdBinary, ImportsNoResolverFunction) {
  std::string cmd = "nm -D --undefined-only " + netd_path() + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  ASSERT_EQ(pclose(f), 0) << out;
  ASSERT_NE(out.find("socket"), std::string::npos) << out;  // the listing is real
  for (const char* sym :
       {"getaddrinfo", "gethostbyname", "gethostbyname2", "gethostbyname_r", "gethostbyaddr",
        "getnameinfo", "res_query", "res_search", "res_nquery", "__res_init", "res_ninit"}) {
    EXPECT_EQ(out.find(std::string(" ") + sym + "@"), std::string::npos) << sym;
    EXPECT_EQ(out.find(std::string(" ") + sym + "\n"), std::string::npos) << sym;
  }
}

}  // namespace
}  // namespace redoubt::netd
