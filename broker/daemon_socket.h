// The daemon's Unix socket: where it lives, how the daemon claims it (one
// daemon per wallet, stale sockets removed), and the small request a client
// front sends over it (its argv, with its stdio passed by SCM_RIGHTS).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "broker/options.h"

namespace redoubt::broker {

class DaemonError : public std::runtime_error {
 public:
  explicit DaemonError(const std::string& what) : std::runtime_error(what) {}
};

// Where the daemon for `o` listens. An explicit data dir (--datadir or the
// configuration's datadir) keeps its socket inside: <datadir>/daemon.sock,
// so that two wallets never share one. Otherwise
// $XDG_RUNTIME_DIR/redoubt/<network>.sock when XDG_RUNTIME_DIR is an
// absolute path, else <datadir>/daemon.sock. (A path too long for a
// sockaddr_un is refused by DaemonListener; connect_daemon finds no daemon.)
std::string daemon_socket_path(const Options& o, const char* xdg_runtime_dir);

// The daemon's claim on its socket: the listening fd and the lock that keeps
// a second daemon out. Closing both (the destructor) removes the socket.
class DaemonListener {
 public:
  // Creates the socket's directory (0700, owned by us; an existing one must
  // already be so), takes <path>.lock (flock), then: a socket that accepts a
  // connection is a live daemon (DaemonError "already running"); one that
  // refuses is stale and removed. Binds with mode 0600 and listens
  // (non-blocking, close-on-exec).
  explicit DaemonListener(const std::string& path);
  ~DaemonListener();
  DaemonListener(const DaemonListener&) = delete;
  DaemonListener& operator=(const DaemonListener&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // Stops listening and removes the socket (idempotent): no new client once
  // the daemon is shutting down.
  void close_now();

 private:
  std::string path_;
  int fd_ = -1;
  int lock_fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

// Connects to a daemon's socket. Returns the connected fd (close-on-exec), or
// -1 when no daemon is listening there (no socket, or a stale one). Throws
// DaemonError for anything else (permission denied, ...).
int connect_daemon(const std::string& path);

// What a client asks of the daemon: one command, run by a ui of its own.
struct ClientRequest {
  std::vector<std::string> command;
  bool json = false;
  bool secret_fd = false;  // a 4th fd follows stdin, stdout, stderr
  // The client's own --server and --proxy ("" = not given on its command
  // line). A daemon using others refuses the command rather than quietly
  // sending it elsewhere (Daemon::set_endpoints).
  std::string server, proxy;
};

// Bounds on a request: a daemon reads no more than this from any client.
inline constexpr size_t kMaxRequestArgs = 4096;
inline constexpr size_t kMaxRequestBytes = 4u << 20;  // a few big transactions in hex
inline constexpr size_t kRequestHeaderSize = 16;

// The fixed header (sent with the fds): magic "RDB1", flags, argc, payload
// size (little-endian), then the payload: per argument a u32 length and the
// bytes. With the "endpoints" flag the first two arguments are the client's
// server and proxy, and the command follows.
std::vector<uint8_t> encode_request(const ClientRequest& r);
struct RequestHeader {
  ClientRequest flags;  // json and secret_fd set, command empty
  bool endpoints = false;
  uint32_t argc = 0;
  uint32_t payload = 0;
};
// nullopt for a header that is not ours or exceeds the bounds.
std::optional<RequestHeader> decode_header(const uint8_t* p, size_t n);
// nullopt unless the payload holds exactly `argc` well-formed arguments.
std::optional<std::vector<std::string>> decode_args(const uint8_t* p, size_t n, uint32_t argc);

// Sends the request on a connected socket: the header with `fds` attached
// (SCM_RIGHTS), then the payload. Blocking; throws DaemonError.
void send_request(int sock, const ClientRequest& r, const std::vector<int>& fds);

// The connecting process's credentials (SO_PEERCRED).
struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};
std::optional<PeerCred> peer_cred(int sock);

}  // namespace redoubt::broker
