// A minimal Tor control-port client (control-spec.txt) for tests: cookie
// authentication over a Unix socket, synchronous commands, and asynchronous
// events (650 lines) collected by a reader thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/net.h"

namespace redoubt::tortest {

class TorControl {
 public:
  // Connects to the control socket and authenticates with the cookie file.
  // Throws std::runtime_error on failure.
  TorControl(const std::string& socket_path, const std::string& cookie_path);
  ~TorControl();
  TorControl(const TorControl&) = delete;
  TorControl& operator=(const TorControl&) = delete;

  // Sends one command line; returns the reply lines (status code included).
  // Throws std::runtime_error if tor answers with an error or goes away.
  std::vector<std::string> command(const std::string& line, int timeout_ms = 10000);
  // GETINFO key: the value after "key=".
  std::string getinfo(const std::string& key);
  // Every asynchronous event line received so far (in order).
  std::vector<std::string> events() const;
  // A round trip: once it returns, every event tor emitted before it is in events().
  void sync() { command("GETINFO version"); }

 private:
  void reader();

  testsupport::Fd fd_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> replies_;
  std::vector<std::string> events_;
  bool closed_ = false;
};

// The value of KEY=VALUE (VALUE possibly a quoted string) in an event line;
// empty when absent.
std::string event_field(const std::string& line, const std::string& key);

}  // namespace redoubt::tortest
