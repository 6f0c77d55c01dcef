// A raw newline-delimited JSON-RPC client for tests, over TCP, TLS or an
// already-connected fd (e.g. through the SOCKS proxy). Buffered, with a line
// length limit and timeouts, so a misbehaving server shows as a clear failure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/support/net.h"
#include "tests/support/tls.h"

namespace redoubt::testsupport {

class JsonClient {
 public:
  // Plain TCP to 127.0.0.1:port.
  static JsonClient tcp(uint16_t port);
  // TLS to 127.0.0.1:port (certificate not verified).
  static JsonClient tls(uint16_t port);
  // Takes an already connected stream (plain), e.g. one through SOCKS.
  static JsonClient adopt(Fd fd);
  // Same, speaking TLS over it (certificate not verified; SNI `sni`).
  static JsonClient adopt_tls(Fd fd, const std::string& sni = "electrum.test");

  JsonClient(JsonClient&&) = default;
  JsonClient& operator=(JsonClient&&) = default;
  ~JsonClient();

  void send_line(const std::string& line);
  // Next line (newline stripped), or nullopt on EOF, timeout or a line over max_len.
  std::optional<std::string> read_line(int timeout_ms = 10000, size_t max_len = 1 << 20);
  // Sends a request with a fresh id; returns the first reply carrying that id
  // (notifications read meanwhile are queued). Throws on EOF/timeout.
  nlohmann::json call(const std::string& method, nlohmann::json params = nlohmann::json::array(),
                      int timeout_ms = 10000);
  // The `result` of call(), or throws std::runtime_error with the error message.
  nlohmann::json result(const std::string& method, nlohmann::json params = nlohmann::json::array());
  // Next notification (queued or read), or nullopt on timeout.
  std::optional<nlohmann::json> next_notification(int timeout_ms = 10000);
  // True when the server has closed the connection (EOF within timeout).
  bool closed_by_peer(int timeout_ms = 5000);
  // Bytes received in the last failed read_line (for huge/endless line tests).
  size_t last_partial_size() const { return partial_; }

 private:
  JsonClient() = default;
  bool fill(int timeout_ms);

  Fd fd_;
  SslCtxPtr ctx_;
  SslPtr ssl_;
  std::string buf_;
  size_t partial_ = 0;
  int64_t next_id_ = 1;
  std::vector<nlohmann::json> pending_notifications_;
};

}  // namespace redoubt::testsupport
