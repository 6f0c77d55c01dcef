// One Electrum connection on its own thread: connect (SOCKS, TLS, pin),
// negotiate server.version, then pipeline requests and receive notifications,
// enforcing the framing limits and per-request timeouts. A misbehaving
// server is dropped and the listener told why. No Cap'n Proto here.
#pragma once

#include <any>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "netd/electrum.h"
#include "netd/transport.h"

namespace redoubt::netd {

class ElectrumSession {
 public:
  struct Options {
    TransportOptions transport;
    std::chrono::milliseconds request_timeout{60'000};
  };

  // Called on the session's thread. After on_open_failed or on_closed nothing
  // more is called. Implementations hand the data to their own thread.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void on_ready(const ServerVersion& v, const ByteVec& certificate) = 0;
    virtual void on_open_failed(const std::string& reason) = 0;
    // A call's typed result (what its parser returned) or its failure.
    virtual void on_result(uint64_t token, std::any value) = 0;
    // server_error: the server answered with a JSON-RPC error (the session
    // lives on); otherwise the session is gone or the call was refused.
    virtual void on_error(uint64_t token, const std::string& message, bool server_error) = 0;
    virtual void on_header(const HeaderTip& tip) = 0;
    virtual void on_status(const ScripthashNotification& n) = 0;
    virtual void on_closed(const std::string& reason) = 0;
  };

  // Turns a result into typed data, on the session thread; throwing
  // ProtocolError drops the server (it answered with the wrong shape).
  using Parser = std::function<std::any(const Json& result)>;

  ElectrumSession(Options opts, Listener& listener);
  // Stops the thread and waits for it: no listener call after this returns.
  ~ElectrumSession();
  ElectrumSession(const ElectrumSession&) = delete;
  ElectrumSession& operator=(const ElectrumSession&) = delete;

  // Queues a call (thread-safe). Its outcome arrives as on_result/on_error
  // with `token`. False (and no callback) when the session has already ended.
  bool call(uint64_t token, std::string method, Json params, Parser parser);

 private:
  struct Queued {
    uint64_t token;
    std::string method;
    Json params;
    Parser parser;
  };
  struct Pending {
    uint64_t token;  // 0: the internal server.version call
    std::string method;
    Parser parser;
    Deadline deadline;
  };

  void run();
  void serve(Transport& t);
  void send_queued(Transport& t);
  void handle_line(const std::string& line);
  void fail_all(const std::string& reason);

  Options opts_;
  Listener& listener_;
  Fd wake_fd_;  // eventfd: new calls queued
  Fd stop_fd_;  // eventfd: the destructor wants the thread gone (also cancels connecting)
  std::mutex mu_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  bool finished_ = false;  // the thread ended: no call will be answered
  // Session-thread state.
  std::unordered_map<uint64_t, Pending> pending_;
  uint64_t next_id_ = 1;
  bool ready_ = false;
  ByteVec certificate_;
  std::thread thread_;
};

}  // namespace redoubt::netd
