// `redoubt daemon`: keeps the tree up and synced and serves client fronts on
// the daemon socket. A client passes its stdin, stdout, stderr (and its
// --password-fd) with SCM_RIGHTS and its command line; the daemon checks the
// client's uid (SO_PEERCRED), runs the command in a confined ui of its own
// with those fds as its stdio, and sends back the exit code.
#pragma once

#include <kj/async-io.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "broker/daemon_socket.h"
#include "broker/supervisor.h"

namespace redoubt::broker {

class WalletEngine;

class Daemon : private kj::TaskSet::ErrorHandler {
 public:
  Daemon(kj::AsyncIoContext& io, Supervisor& sup, DaemonListener& listener,
         std::function<void(const std::string&)> log);
  ~Daemon() noexcept(false);

  // Starts accepting clients, and (with an engine) the reconnect timer: a
  // dropped server session is retried with a backoff of 10 s doubling to
  // 5 min; while connected, the server's notifications keep the wallet synced.
  void start(WalletEngine* engine);
  // The daemon's own server and proxy (its options after configuration). A
  // client that names others on its command line is refused with exit code
  // 2 and a message saying which the daemon uses, never quietly served.
  void set_endpoints(std::string server, std::string proxy) {
    server_ = std::move(server);
    proxy_ = std::move(proxy);
  }
  // Once the tree is down: tells each `redoubt stop` client the exit code and
  // drops every connection.
  void finish(int code);
  // Stops accepting and removes the socket (shutdown has begun).
  void stop_listening();
  size_t clients() const { return clients_.size(); }

  // The one byte a client may send after its request: its terminal was
  // resized (the daemon sends its ui SIGWINCH).
  static constexpr uint8_t kResized = 'W';
  // How long a client has to send its request after connecting.
  static constexpr auto kRequestTimeout = 10 * kj::SECONDS;

 private:
  struct Client {
    uint64_t id = 0;
    int fd = -1;  // owned by `stream`
    kj::Own<kj::AsyncCapabilityStream> stream;
    kj::Maybe<UiId> ui;
    bool stopper = false;  // asked for `stop`: answered once the tree is down
    kj::Promise<void> task = nullptr;
  };

  std::string server_, proxy_;
  // Why the daemon will not run `req` for this client ("" = it will).
  std::string endpoint_mismatch(const ClientRequest& req) const;
  kj::Promise<void> accept_loop();
  void accept_one(int fd);
  kj::Promise<void> serve(Client& c);
  kj::Promise<void> watch(Client& c);
  void launch(Client& c, ClientRequest req, kj::Array<kj::AutoCloseFd> fds);
  void answer(uint64_t id, int code);
  void drop(uint64_t id);
  kj::Promise<void> resync_loop(WalletEngine& engine, kj::Duration backoff);
  void taskFailed(kj::Exception&& exception) override;

  kj::AsyncIoContext& io_;
  Supervisor& sup_;
  DaemonListener& listener_;
  std::function<void(const std::string&)> log_;
  kj::Own<kj::UnixEventPort::FdObserver> observer_;
  kj::Promise<void> accepting_ = nullptr;  // references observer_
  std::map<uint64_t, kj::Own<Client>> clients_;
  uint64_t next_id_ = 1;
  kj::TaskSet tasks_;
};

// The client front: sends `req` with our stdin, stdout, stderr (and
// `secret_fd` when >= 0) on the connected daemon socket, waits, and returns
// the command's exit code (70 when the daemon went away first).
int run_daemon_client(int sock, const ClientRequest& req, int secret_fd);

}  // namespace redoubt::broker
