// The broker's view of one Electrum server session through netd: plain C++
// types in and out, Cap'n Proto kept inside this unit. Nothing returned here
// is verified yet: the wallet engine verifies before it believes.
#pragma once

#include <kj/async.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/options.h"
#include "chain/bytes.h"
#include "ipc/network.capnp.h"

namespace redoubt::broker {

// The schema's name for a network (for every broker<->child message).
ipc::schema::NetworkId schema_network(Network n);

struct ServerAddress {
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  std::string display() const;  // host:port:s|t
};

// Parses "HOST:PORT:s|t" (the Electrum server string). Throws UsageError.
ServerAddress parse_server(const std::string& s);

struct ProxyReport {
  std::string kind;     // unix | tcp | transproxy | none
  std::string address;  // path or host:port
  std::string source;   // where the choice came from
};

struct UnverifiedHistoryEntry {
  chain::Hash256 txid;  // internal byte order
  int32_t height = 0;   // 0 / -1: mempool
};

struct UnverifiedMerkle {
  uint32_t block_height = 0;
  uint32_t pos = 0;
  std::vector<chain::Hash256> branch;
};

// Callbacks from the server (through netd). Called on the event loop.
struct SessionListener {
  std::function<void(uint32_t height, chain::Bytes header)> on_header;
  std::function<void(chain::Bytes scripthash, chain::Bytes status)> on_status;
  std::function<void(std::string reason)> on_closed;
};

class ServerSession {
 public:
  explicit ServerSession(ipc::schema::Session::Client session) : session_(kj::mv(session)) {}

  kj::Promise<std::pair<uint32_t, chain::Bytes>> subscribe_headers();
  kj::Promise<std::vector<chain::Bytes>> get_headers(uint32_t start, uint32_t count);
  kj::Promise<chain::Bytes> subscribe_scripthash(const chain::Bytes& scripthash);
  kj::Promise<std::vector<UnverifiedHistoryEntry>> get_history(const chain::Bytes& scripthash);
  kj::Promise<chain::Bytes> get_transaction(const chain::Hash256& txid);
  kj::Promise<UnverifiedMerkle> get_merkle(const chain::Hash256& txid, uint32_t height);
  kj::Promise<chain::Hash256> broadcast(const chain::Bytes& raw);
  kj::Promise<int64_t> estimate_fee(uint32_t blocks);  // sat/kvB, -1 unknown
  kj::Promise<int64_t> relay_fee();
  kj::Promise<void> close();

 private:
  ipc::schema::Session::Client session_;
};

struct NetdConfig {
  std::string proxy;  // --proxy, "" = automatic
  std::string tor_socks_ipc_path, tor_socks_host, tor_socks_port;
  bool tor_transproxy = false;
  ipc::schema::NetworkId network = ipc::schema::NetworkId::MAINNET;
};

// Reads the Tor variables from the broker's environment (netd has none).
NetdConfig netd_config_from_env(const std::string& explicit_proxy, ipc::schema::NetworkId net);

kj::Promise<ProxyReport> configure_netd(ipc::schema::Network::Client netd, const NetdConfig& c);

struct OpenedSession {
  std::unique_ptr<ServerSession> session;
  chain::Bytes certificate;  // DER of the server's leaf certificate (TLS), else empty
};

// Opens a session; `stream_id` "" is the main session, anything else gets its
// own connection and SOCKS credentials. `pinned` is the stored certificate
// (empty on first use). `listener` must outlive the session.
kj::Promise<OpenedSession> open_session(ipc::schema::Network::Client netd,
                                        const ServerAddress& server, const chain::Bytes& pinned,
                                        const std::string& stream_id,
                                        std::shared_ptr<SessionListener> listener);

}  // namespace redoubt::broker
