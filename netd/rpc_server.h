// The Cap'n Proto face of netd: schema::Network (here; schema::Session is in
// session_rpc.h) over the domain code. Each session's network I/O runs on its own thread (blocking
// sockets with deadlines, OpenSSL directly on the fd); results and
// notifications come back to the kj event loop through the Hub's mailbox, so
// the loop never blocks on a server and no kj object is touched off-thread.
#pragma once

#include <kj/async-io.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>

#include "ipc/network.capnp.h"
#include "netd/proxy.h"
#include "netd/socks5.h"

namespace redoubt::netd {

class SessionCore;

struct NetdOptions {
  std::chrono::milliseconds connect_timeout{60'000};
  std::chrono::milliseconds request_timeout{60'000};
  // Whether the system Tor's socket (kSystemTorSocket) existed when netd
  // started: main() looks before confinement, which forbids stat().
  bool system_tor_socket_exists = false;
  // What lock_down reported, shown by hello() (notes for `redoubt audit`).
  std::vector<std::string> confinement_notes;
  bool seccomp_applied = false;
  std::string policy = "netd";   // the policy it confined itself with
  int landlock_abi = 0;          // the Landlock ABI the ruleset was built for (0: none)
  std::string landlock_applied;  // "fs+net+scope" or "unavailable"
  std::string apparmor_label;
  // Confined under the "netd" policy: socket() is AF_UNIX only, so a TCP
  // proxy or a direct connection would get netd killed. configure() refuses
  // those kinds with a clear error instead.
  bool unix_sockets_only = false;
  // The network named on the command line; configure() must agree.
  std::optional<Network> network;
};

// Main-thread state shared by the Network capability and every session: the
// mailbox from the session threads, the session registry, the credentials.
// The Network capability owns it; run_child holds that capability until the
// connection (and with it every session) is gone, so it outlives them.
class Hub {
 public:
  explicit Hub(kj::LowLevelAsyncIoProvider& io);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Thread-safe: runs `fn` on the event loop thread, soon. `fn` must capture
  // plain values only.
  void post(std::function<void()> fn);

  uint64_t register_session(SessionCore* core);
  void unregister_session(uint64_t id);
  SessionCore* find(uint64_t id);

  // Stream isolation: one random SOCKS identity per (server, stream id),
  // reused for a reconnect to the same pair and never shared across pairs.
  SocksCredentials credentials_for(const std::string& host, uint16_t port,
                                   const std::string& stream_id);

 private:
  kj::Promise<void> pump();
  void run_posted();

  int event_fd_ = -1;
  kj::Own<kj::AsyncInputStream> event_stream_;
  uint64_t counter_buf_ = 0;
  kj::Promise<void> pump_task_{nullptr};
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  std::unordered_map<uint64_t, SessionCore*> sessions_;
  uint64_t next_session_ = 1;
  std::map<std::tuple<std::string, uint16_t, std::string>, SocksCredentials> credentials_;
};

class NetworkImpl final : public ipc::schema::Network::Server {
 public:
  // `opts` is referenced, not copied: main() fills in the confinement
  // report after the capability exists (lock_down runs after make_bootstrap).
  NetworkImpl(kj::LowLevelAsyncIoProvider& io, const NetdOptions& opts);

 protected:
  kj::Promise<void> hello(HelloContext context) override;
  kj::Promise<void> configure(ConfigureContext context) override;
  kj::Promise<void> openSession(OpenSessionContext context) override;

 private:
  Hub hub_;
  const NetdOptions& opts_;
  std::optional<ProxyChoice> proxy_;
  Network network_ = Network::mainnet;
};

}  // namespace redoubt::netd
