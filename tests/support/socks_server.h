// A SOCKS5 proxy (RFC 1928, username/password auth RFC 1929) on a Unix socket
// that forwards CONNECTs by hostname to 127.0.0.1 ports and records what each
// client asked for, so tests can assert stream isolation and that no request
// ever carried a resolved IP address.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/net.h"

namespace redoubt::testsupport {

// SOCKS5 reply codes (RFC 1928 section 6).
enum class SocksReply : uint8_t {
  succeeded = 0x00,
  general_failure = 0x01,
  not_allowed = 0x02,
  network_unreachable = 0x03,
  host_unreachable = 0x04,
  connection_refused = 0x05,
  ttl_expired = 0x06,
  command_not_supported = 0x07,
  address_type_not_supported = 0x08,
};

// One CONNECT (or attempted request) as the proxy saw it.
struct SocksRecord {
  uint8_t method = 0xff;  // chosen auth method: 0x00 none, 0x02 user/pass
  std::string username;
  std::string password;
  uint8_t command = 0;
  uint8_t atyp = 0;  // 0x01 IPv4, 0x03 domain, 0x04 IPv6
  std::string host;  // the domain, or the textual IP for ATYP 1/4
  uint16_t port = 0;
  uint8_t reply = 0xff;    // what the proxy answered (0xff: no reply sent)
  bool violation = false;  // the request carried an IP address (ATYP 1 or 4)
};

// A hostname rule: `host` is exact ("electrum.test") or "*.suffix"
// ("*.onion"); `port` 0 matches any requested port.
struct SocksRoute {
  std::string host;
  uint16_t port = 0;
  uint16_t local_port = 0;  // forwarded to 127.0.0.1:local_port
};

// A minimal SOCKS5 client for tests: user/pass auth, CONNECT by hostname.
// Returns the connected stream; throws SocksConnectError with the proxy's
// reply code on refusal.
struct SocksConnectError : std::runtime_error {
  SocksConnectError(uint8_t code, const std::string& what)
      : std::runtime_error(what), reply(code) {}
  uint8_t reply;
};
Fd socks5_connect(const std::string& socket_path, const std::string& host, uint16_t port,
                  const std::string& username, const std::string& password);

class SocksServer {
 public:
  struct Options {
    std::string socket_path;
    bool allow_no_auth = true;   // accept METHOD 0x00 when 0x02 is not offered
    bool allow_ip_atyp = false;  // forward ATYP 1 (127.0.0.1 only) instead of refusing
  };

  explicit SocksServer(Options opts);
  ~SocksServer();
  SocksServer(const SocksServer&) = delete;
  SocksServer& operator=(const SocksServer&) = delete;

  void start();
  void stop();

  // Routes are checked in the order added; the first match wins.
  void add_route(SocksRoute route);
  const std::string& socket_path() const { return opts_.socket_path; }

  std::vector<SocksRecord> records() const;
  std::vector<SocksRecord> violations() const;
  void clear_records();

 private:
  void accept_loop();
  void serve(int fd);
  std::optional<uint16_t> route(const std::string& host, uint16_t port) const;
  void record(const SocksRecord& r);
  void relay(int a, int b);

  Options opts_;
  Fd listen_;
  Waker waker_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<SocksRoute> routes_;
  std::vector<SocksRecord> records_;
  std::vector<std::thread> workers_;
  std::vector<int> live_fds_;
};

}  // namespace redoubt::testsupport
