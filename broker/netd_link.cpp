#include "broker/netd_link.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "broker/options.h"
#include "ipc/errors.h"

namespace redoubt::broker {
namespace {

chain::Bytes to_bytes(capnp::Data::Reader d) {
  return chain::Bytes(d.begin(), d.end());
}

capnp::Data::Reader as_data(const chain::Bytes& b) {
  return capnp::Data::Reader(b.data(), b.size());
}

capnp::Data::Reader as_data(const chain::Hash256& h) {
  return capnp::Data::Reader(h.data(), h.size());
}

// netd promises 32-byte hashes; anything else is a lie we refuse to carry on.
chain::Hash256 to_hash(capnp::Data::Reader d) {
  if (d.size() != 32) {
    ipc::fail(ipc::ErrorCode::kVerification, "netd returned a hash that is not 32 bytes");
  }
  chain::Hash256 h;
  std::copy(d.begin(), d.end(), h.begin());
  return h;
}

class Events final : public ipc::schema::SessionEvents::Server {
 public:
  explicit Events(std::shared_ptr<SessionListener> l) : l_(std::move(l)) {}

 protected:
  kj::Promise<void> newHeader(NewHeaderContext c) override {
    if (l_->on_header)
      l_->on_header(c.getParams().getHeight(), to_bytes(c.getParams().getHeader()));
    return kj::READY_NOW;
  }
  kj::Promise<void> scripthashStatus(ScripthashStatusContext c) override {
    if (l_->on_status)
      l_->on_status(to_bytes(c.getParams().getScripthash()), to_bytes(c.getParams().getStatus()));
    return kj::READY_NOW;
  }
  kj::Promise<void> closed(ClosedContext c) override {
    if (l_->on_closed) l_->on_closed(c.getParams().getReason());
    return kj::READY_NOW;
  }

 private:
  std::shared_ptr<SessionListener> l_;
};

}  // namespace

ipc::schema::NetworkId schema_network(Network n) {
  switch (n) {
    case Network::kMainnet:
      return ipc::schema::NetworkId::MAINNET;
    case Network::kTestnet:
      return ipc::schema::NetworkId::TESTNET;
    case Network::kRegtest:
      return ipc::schema::NetworkId::REGTEST;
  }
  return ipc::schema::NetworkId::MAINNET;
}

std::string ServerAddress::display() const {
  return host + ":" + std::to_string(port) + (tls ? ":s" : ":t");
}

ServerAddress parse_server(const std::string& s) {
  auto last = s.rfind(':');
  if (last == std::string::npos || last + 2 != s.size() ||
      (s[last + 1] != 's' && s[last + 1] != 't')) {
    throw UsageError("server '" + s + "' must look like HOST:PORT:s (TLS) or HOST:PORT:t (TCP)");
  }
  auto mid = s.rfind(':', last - 1);
  if (mid == std::string::npos || mid == 0) throw UsageError("server '" + s + "' has no port");
  ServerAddress a;
  a.host = s.substr(0, mid);
  std::string port = s.substr(mid + 1, last - mid - 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoul(port) == 0 || std::stoul(port) > 65535) {
    throw UsageError("server '" + s + "' has an invalid port");
  }
  a.port = static_cast<uint16_t>(std::stoul(port));
  a.tls = s[last + 1] == 's';
  return a;
}

kj::Promise<std::pair<uint32_t, chain::Bytes>> ServerSession::subscribe_headers() {
  return session_.headersSubscribeRequest().send().then(
      [](auto&& r) { return std::make_pair(r.getHeight(), to_bytes(r.getHeader())); });
}

kj::Promise<std::vector<chain::Bytes>> ServerSession::get_headers(uint32_t start, uint32_t count) {
  auto req = session_.getHeadersRequest();
  req.setStartHeight(start);
  req.setCount(count);
  return req.send().then([count](auto&& r) {
    std::vector<chain::Bytes> out;
    auto hs = r.getHeaders();
    if (hs.size() > count) {
      ipc::fail(ipc::ErrorCode::kVerification, "the server sent more headers than asked for");
    }
    out.reserve(hs.size());
    for (auto h : hs) out.push_back(to_bytes(h));
    return out;
  });
}

kj::Promise<chain::Bytes> ServerSession::subscribe_scripthash(const chain::Bytes& sh) {
  auto req = session_.subscribeScripthashRequest();
  req.setScripthash(as_data(sh));
  return req.send().then([](auto&& r) { return to_bytes(r.getStatus()); });
}

kj::Promise<std::vector<UnverifiedHistoryEntry>> ServerSession::get_history(
    const chain::Bytes& sh) {
  auto req = session_.getHistoryRequest();
  req.setScripthash(as_data(sh));
  return req.send().then([](auto&& r) {
    std::vector<UnverifiedHistoryEntry> out;
    for (auto e : r.getEntries()) out.push_back({to_hash(e.getTxHash()), e.getHeight()});
    return out;
  });
}

kj::Promise<chain::Bytes> ServerSession::get_transaction(const chain::Hash256& txid) {
  auto req = session_.getTransactionRequest();
  req.setTxHash(as_data(txid));
  return req.send().then([](auto&& r) { return to_bytes(r.getRaw()); });
}

kj::Promise<UnverifiedMerkle> ServerSession::get_merkle(const chain::Hash256& txid,
                                                        uint32_t height) {
  auto req = session_.getMerkleRequest();
  req.setTxHash(as_data(txid));
  req.setHeight(height);
  return req.send().then([](auto&& r) {
    UnverifiedMerkle m;
    m.block_height = r.getBlockHeight();
    m.pos = r.getPos();
    for (auto b : r.getBranch()) m.branch.push_back(to_hash(b));
    return m;
  });
}

kj::Promise<chain::Hash256> ServerSession::broadcast(const chain::Bytes& raw) {
  auto req = session_.broadcastRequest();
  req.setRawTx(as_data(raw));
  return req.send().then([](auto&& r) { return to_hash(r.getTxHash()); });
}

kj::Promise<int64_t> ServerSession::estimate_fee(uint32_t blocks) {
  auto req = session_.estimateFeeRequest();
  req.setBlocks(blocks);
  return req.send().then([](auto&& r) { return r.getSatPerKvB(); });
}

kj::Promise<int64_t> ServerSession::relay_fee() {
  return session_.relayFeeRequest().send().then([](auto&& r) { return r.getSatPerKvB(); });
}

kj::Promise<void> ServerSession::close() {
  return session_.closeRequest().send().ignoreResult();
}

NetdConfig netd_config_from_env(const std::string& explicit_proxy, ipc::schema::NetworkId net) {
  auto env = [](const char* k) -> std::string {
    const char* v = getenv(k);
    return v != nullptr ? v : "";
  };
  NetdConfig c;
  c.proxy = explicit_proxy;
  c.tor_socks_ipc_path = env("TOR_SOCKS_IPC_PATH");
  c.tor_socks_host = env("TOR_SOCKS_HOST");
  c.tor_socks_port = env("TOR_SOCKS_PORT");
  c.tor_transproxy = getenv("TOR_TRANSPROXY") != nullptr;
  c.network = net;
  return c;
}

kj::Promise<ProxyReport> configure_netd(ipc::schema::Network::Client netd, const NetdConfig& c) {
  auto req = netd.configureRequest();
  auto cfg = req.initConfig();
  cfg.setProxy(c.proxy);
  cfg.setTorSocksIpcPath(c.tor_socks_ipc_path);
  cfg.setTorSocksHost(c.tor_socks_host);
  cfg.setTorSocksPort(c.tor_socks_port);
  cfg.setTorTransproxy(c.tor_transproxy);
  cfg.setNetwork(c.network);
  return req.send().then([](auto&& r) {
    auto p = r.getProxy();
    ProxyReport rep;
    switch (p.getKind()) {
      case ipc::schema::ProxyKind::UNIX:
        rep.kind = "unix";
        break;
      case ipc::schema::ProxyKind::TCP:
        rep.kind = "tcp";
        break;
      case ipc::schema::ProxyKind::TRANSPROXY:
        rep.kind = "transproxy";
        break;
      case ipc::schema::ProxyKind::NONE:
        rep.kind = "none";
        break;
    }
    rep.address = p.getAddress();
    rep.source = p.getSource();
    return rep;
  });
}

kj::Promise<OpenedSession> open_session(ipc::schema::Network::Client netd,
                                        const ServerAddress& server, const chain::Bytes& pinned,
                                        const std::string& stream_id,
                                        std::shared_ptr<SessionListener> listener) {
  auto req = netd.openSessionRequest();
  auto s = req.initServer();
  s.setHost(server.host);
  s.setPort(server.port);
  s.setTls(server.tls);
  req.setPinnedCertificate(as_data(pinned));
  req.setStreamId(stream_id);
  req.setEvents(kj::heap<Events>(std::move(listener)));
  return req.send().then([](auto&& r) {
    OpenedSession o;
    o.session = std::make_unique<ServerSession>(r.getSession());
    o.certificate = to_bytes(r.getCertificate());
    return o;
  });
}

}  // namespace redoubt::broker
