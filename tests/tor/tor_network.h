// A private Tor network on loopback for tests: three directory authorities,
// relays (one an exit to 127.0.0.0/8 only), a client with SOCKS and control
// ports on Unix sockets, and an onion service in front of a local TCP port.
// Nothing binds anything but 127.0.0.1 or a Unix socket, no tor uses the
// host's resolver, and every tor is stopped by its pid whatever happens.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace redoubt::tortest {

inline constexpr const char* kTorBinary = "/usr/sbin/tor";
inline constexpr const char* kTorGencert = "/usr/bin/tor-gencert";

// True when tor and tor-gencert are installed.
bool tor_installed();

class TorNetwork {
 public:
  // `service_target_port`: the 127.0.0.1 port the onion service forwards
  // `onion_port` to. Does not start anything.
  TorNetwork(uint16_t service_target_port, uint16_t onion_port);
  ~TorNetwork();  // stops every tor (by pid) and removes the directory
  TorNetwork(const TorNetwork&) = delete;
  TorNetwork& operator=(const TorNetwork&) = delete;

  // Generates keys and configurations and starts every tor. Throws
  // std::runtime_error on failure (the tors already started are stopped).
  void start();
  // Waits until the client has bootstrapped and a connection through the
  // exit to 127.0.0.1:`exit_probe_port` and one to the onion service both
  // succeed. Throws std::runtime_error (with the logs' tails) on timeout.
  void wait_ready(uint16_t exit_probe_port, std::chrono::seconds budget);
  void stop();
  // Stops only the client (the wallet's Tor), as when a user's tor
  // restarts or the network goes away; start_client() brings it back with
  // the same configuration and state. Call wait_ready() after it.
  void stop_client();
  void start_client();

  const std::string& socks_path() const { return socks_path_; }
  const std::string& control_path() const { return control_path_; }
  const std::string& cookie_path() const { return cookie_path_; }
  const std::string& onion_host() const { return onion_host_; }
  uint16_t onion_port() const { return onion_port_; }
  const std::string& dir() const { return dir_; }
  // The last lines of every tor's log, for failure messages.
  std::string log_tails(size_t lines_each = 15) const;

 private:
  struct Node {
    std::string name, dir;
    uint16_t or_port = 0, dir_port = 0;
    std::string fingerprint, v3ident;
    bool authority = false, exit = false;
    pid_t pid = -1;
  };
  void generate_keys(Node& n);
  std::string common_config(const std::string& dir, const std::string& nick) const;
  void launch(const std::string& dir, const std::string& torrc, pid_t& pid);

  uint16_t target_port_, onion_port_;
  std::string dir_, socks_path_, control_path_, cookie_path_, onion_host_, resolv_;
  std::vector<Node> nodes_;
  pid_t client_pid_ = -1, service_pid_ = -1;
  std::string client_dir_, service_dir_, client_torrc_;
};

// One SOCKS5 CONNECT through a Unix-socket proxy with username/password
// (RFC 1928, RFC 1929), host sent as a domain name. Returns the reply code
// (0 = success), or -1 if the proxy closed or timed out.
int socks_connect_probe(const std::string& socks_path, const std::string& host, uint16_t port,
                        const std::string& user, int timeout_ms);

}  // namespace redoubt::tortest
