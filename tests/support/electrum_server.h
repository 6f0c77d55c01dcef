// The test Electrum server's transport: newline-delimited JSON-RPC 2.0 over
// TCP and TLS on 127.0.0.1, batches, notifications, one thread per
// connection, and the transport-level misbehaviours (stall, drop, huge and
// endless lines). What each method answers is the ElectrumHandler's business.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/misbehaviour.h"
#include "tests/support/net.h"
#include "tests/support/tls.h"

namespace redoubt::testsupport {

// JSON-RPC error codes as ElectrumX (aiorpcx) uses them.
namespace rpc_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_args = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int bad_request = 1;   // ElectrumX BAD_REQUEST
inline constexpr int daemon_error = 2;  // ElectrumX DAEMON_ERROR
}  // namespace rpc_code

class RpcError : public std::runtime_error {
 public:
  RpcError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Thrown by a handler to send its error and then close the connection
// (ElectrumX's ReplyAndDisconnect, e.g. for an unsupported protocol version).
class RpcErrorDisconnect : public RpcError {
 public:
  using RpcError::RpcError;
};

// Per-connection state the handler reads and updates.
struct SessionState {
  uint64_t id = 0;
  bool tls = false;
  bool version_seen = false;
  int protocol[3] = {1, 4, 0};  // negotiated version; 1.4 until server.version
  Misbehaviour mode = Misbehaviour::none;
  bool headers_subscribed = false;
  std::string last_header_sent;  // hex of the last headers notification/result
  // Subscribed script hash -> last status sent (null when no history).
  std::map<std::string, nlohmann::json> scripthash_subs;

  bool protocol_at_least(int a, int b, int c) const {
    return std::tie(protocol[0], protocol[1], protocol[2]) >= std::tie(a, b, c);
  }
};

// What the server asks of the chain. Called from connection threads:
// implementations lock their own state.
class ElectrumHandler {
 public:
  virtual ~ElectrumHandler() = default;
  // Answers one request; throws RpcError for an error reply.
  virtual nlohmann::json handle(SessionState& s, const std::string& method,
                                const nlohmann::json& params) = 0;
  // The blockchain.headers.subscribe result for the current tip.
  virtual nlohmann::json headers_tip(const SessionState& s) = 0;
  // A script hash's status (ElectrumX: sha256 of "txid:height:" pairs), or null.
  virtual nlohmann::json scripthash_status(const SessionState& s, const std::string& sh) = 0;
};

class ElectrumServer {
 public:
  struct Options {
    uint16_t tcp_port = 0;  // 0: pick a free port
    uint16_t tls_port = 0;
    std::string cert_path;              // where the self-signed certificate PEM is written
    std::string cert_extra_dns;         // one more DNS name in the certificate (the onion name)
    size_t max_request_line = 1 << 20;  // longer request lines close the connection
    size_t huge_line_bytes = 4 << 20;   // size of a huge_line reply
  };

  ElectrumServer(Options opts, ElectrumHandler& handler);
  ~ElectrumServer();
  ElectrumServer(const ElectrumServer&) = delete;
  ElectrumServer& operator=(const ElectrumServer&) = delete;

  void start();
  void stop();
  uint16_t tcp_port() const { return tcp_port_; }
  uint16_t tls_port() const { return tls_port_; }
  const std::string& cert_path() const { return opts_.cert_path; }

  // Tells every session that the chain or mempool changed: each sends the
  // header and script hash notifications its subscriptions call for.
  void notify_changed();

  void set_misbehaviour(Misbehaviour m, MisbehaviourScope scope);
  // A pair of extra listeners (TCP, TLS) whose connections always behave as
  // `m`, whatever set_misbehaviour says: a property of the connection a
  // client cannot choose, so one test can talk to an honest and a lying
  // server at once. Idempotent per mode; returns (tcp port, tls port).
  std::pair<uint16_t, uint16_t> fixed_mode_listeners(Misbehaviour m);
  // Connections accepted so far (TCP and TLS).
  uint64_t connections_accepted() const { return next_id_ - 1; }

 private:
  struct Session;
  void accept_loop();
  void run_session(std::shared_ptr<Session> s);
  std::string handle_line(Session& s, const std::string& line, bool& disconnect);
  nlohmann::json handle_one(Session& s, const nlohmann::json& req, bool& disconnect);
  void collect_notifications(Session& s, std::string& out);
  Misbehaviour current_mode(const Session& s) const;

  Options opts_;
  ElectrumHandler& handler_;
  SslCtxPtr ssl_ctx_;
  struct Listener {
    Fd fd;
    uint16_t port = 0;
    bool tls = false;
    std::optional<Misbehaviour> mode;  // fixed mode of its connections
  };
  void add_listener(uint16_t port, bool tls, std::optional<Misbehaviour> mode);
  std::vector<std::unique_ptr<Listener>> listeners_;  // guarded by mu_; closed after the acceptor
  uint16_t tcp_port_ = 0, tls_port_ = 0;
  Waker waker_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> change_gen_{0};

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Session>> sessions_;
  std::vector<std::thread> threads_;
  std::optional<Misbehaviour> next_mode_;  // for the next connection
  Misbehaviour all_mode_ = Misbehaviour::none;
};

}  // namespace redoubt::testsupport
