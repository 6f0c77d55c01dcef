#include "tests/support/json_client.h"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace redoubt::testsupport {

using nlohmann::json;

JsonClient JsonClient::tcp(uint16_t port) {
  JsonClient c;
  c.fd_ = connect_tcp_loopback(port);
  return c;
}

JsonClient JsonClient::adopt(Fd fd) {
  JsonClient c;
  c.fd_ = std::move(fd);
  return c;
}

JsonClient JsonClient::tls(uint16_t port) {
  return adopt_tls(connect_tcp_loopback(port));
}

JsonClient JsonClient::adopt_tls(Fd fd, const std::string& sni) {
  JsonClient c;
  c.fd_ = std::move(fd);
  c.ctx_ = make_insecure_client_ctx();
  c.ssl_.reset(SSL_new(c.ctx_.get()));
  SSL_set_fd(c.ssl_.get(), c.fd_.get());
  SSL_set_tlsext_host_name(c.ssl_.get(), sni.c_str());
  if (SSL_connect(c.ssl_.get()) != 1) {
    throw std::runtime_error("TLS handshake failed: " + ssl_error_string());
  }
  return c;
}

JsonClient::~JsonClient() {
  if (ssl_) SSL_shutdown(ssl_.get());
}

void JsonClient::send_line(const std::string& line) {
  std::string data = line + "\n";
  if (ssl_) {
    if (SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())) <= 0) {
      throw std::runtime_error("TLS write failed");
    }
  } else if (!write_all(fd_.get(), data)) {
    throw std::runtime_error("write failed");
  }
}

bool JsonClient::fill(int timeout_ms) {
  if (!(ssl_ && SSL_pending(ssl_.get()) > 0)) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
  }
  char buf[65536];
  if (ssl_) {
    int n = SSL_read(ssl_.get(), buf, sizeof buf);
    if (n <= 0) return false;
    buf_.append(buf, static_cast<size_t>(n));
  } else {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) return false;
    buf_.append(buf, static_cast<size_t>(n));
  }
  return true;
}

std::optional<std::string> JsonClient::read_line(int timeout_ms, size_t max_len) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    size_t nl = buf_.find('\n');
    if (nl != std::string::npos && nl <= max_len) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return line;
    }
    if (buf_.size() > max_len) {
      partial_ = buf_.size();
      return std::nullopt;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 || !fill(static_cast<int>(left))) {
      partial_ = buf_.size();
      return std::nullopt;
    }
  }
}

json JsonClient::call(const std::string& method, json params, int timeout_ms) {
  int64_t id = next_id_++;
  send_line(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}}.dump());
  for (;;) {
    auto line = read_line(timeout_ms);
    if (!line) throw std::runtime_error("no reply to " + method);
    json j = json::parse(*line);
    if (j.is_object() && j.contains("id") && j["id"] == id) return j;
    if (j.is_object() && j.contains("method")) pending_notifications_.push_back(std::move(j));
  }
}

json JsonClient::result(const std::string& method, json params) {
  json r = call(method, std::move(params));
  if (r.contains("error")) {
    throw std::runtime_error(method + ": " + r["error"].dump());
  }
  return r["result"];
}

std::optional<json> JsonClient::next_notification(int timeout_ms) {
  if (!pending_notifications_.empty()) {
    json j = std::move(pending_notifications_.front());
    pending_notifications_.erase(pending_notifications_.begin());
    return j;
  }
  auto line = read_line(timeout_ms);
  if (!line) return std::nullopt;
  return json::parse(*line);
}

bool JsonClient::closed_by_peer(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ssl_ ? SSL_read(ssl_.get(), buf, sizeof buf) : ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) return true;
  }
  return false;
}

}  // namespace redoubt::testsupport
