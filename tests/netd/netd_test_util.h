// Helpers shared by netd's tests: a temp directory, a listener that waits for
// ElectrumSession callbacks, and a minimal Electrum handler for the test
// server (enough for transport, framing and misbehaviour tests).
#pragma once

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <unistd.h>

#include <any>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "netd/session.h"
#include "tests/support/electrum_server.h"

namespace redoubt::netd::test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/netd-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// DER of the PEM certificate the test server wrote.
inline ByteVec cert_der(const std::string& pem_path) {
  ByteVec out;
  FILE* f = fopen(pem_path.c_str(), "r");
  if (!f) return out;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  if (!x) return out;
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  if (n > 0) out.assign(der, der + n);
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

class WaitingListener : public ElectrumSession::Listener {
 public:
  void on_ready(const ServerVersion& v, const ByteVec& cert) override {
    set([&] {
      ready = v;
      certificate = cert;
    });
  }
  void on_open_failed(const std::string& r) override {
    set([&] { open_failed = r; });
  }
  void on_result(uint64_t token, std::any v) override {
    set([&] { results[token] = v; });
  }
  void on_error(uint64_t token, const std::string& m, bool) override {
    set([&] { errors[token] = m; });
  }
  void on_header(const HeaderTip& t) override {
    set([&] { headers.push_back(t); });
  }
  void on_status(const ScripthashNotification& n) override {
    set([&] { statuses.push_back(n); });
  }
  void on_closed(const std::string& r) override {
    set([&] { closed = r; });
  }

  // Waits up to `timeout` for `pred` (called with the lock held).
  template <typename Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, pred);
  }
  bool wait_open() {
    return wait([&] { return ready.has_value() || open_failed.has_value(); });
  }
  template <typename F>
  auto locked(F f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f();
  }

  std::optional<ServerVersion> ready;
  ByteVec certificate;
  std::optional<std::string> open_failed, closed;
  std::map<uint64_t, std::any> results;
  std::map<uint64_t, std::string> errors;
  std::vector<HeaderTip> headers;
  std::vector<ScripthashNotification> statuses;

 private:
  template <typename F>
  void set(F f) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      f();
    }
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
};

// Answers server.version, server.ping, headers.subscribe (an 80-byte header
// at `height`) and transaction.get (a fixed 64-byte "transaction").
class TinyHandler : public testsupport::ElectrumHandler {
 public:
  nlohmann::json handle(testsupport::SessionState& s, const std::string& method,
                        const nlohmann::json& params) override {
    if (method == "server.version") return {"TinyElectrum 1.0", "1.4.2"};
    if (method == "server.ping") return nullptr;
    if (method == "blockchain.headers.subscribe") {
      s.headers_subscribed = true;
      return headers_tip(s);
    }
    if (method == "blockchain.transaction.get") return std::string(128, 'a');
    throw testsupport::RpcError(testsupport::rpc_code::method_not_found, "unknown method");
  }
  nlohmann::json headers_tip(const testsupport::SessionState&) override {
    return {{"height", height.load()}, {"hex", std::string(160, '0' + (height.load() % 10))}};
  }
  nlohmann::json scripthash_status(const testsupport::SessionState&, const std::string&) override {
    return nullptr;
  }
  std::atomic<int> height{100};
};

}  // namespace redoubt::netd::test
