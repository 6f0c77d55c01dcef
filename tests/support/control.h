// The control socket of the universe: one command per line in, one JSON
// object per line out (protocol in tests/support/README.md).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/net.h"

namespace redoubt::testsupport {

class Universe;

class ControlServer {
 public:
  ControlServer(Universe& u, std::string path) : u_(u), path_(std::move(path)) {}
  ~ControlServer();
  void start();
  void stop();
  const std::string& path() const { return path_; }

 private:
  void accept_loop();
  void serve(int fd);

  Universe& u_;
  std::string path_;
  Fd listen_;
  Waker waker_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> live_fds_;
};

// A client for the control socket (tests and tools).
class ControlClient {
 public:
  explicit ControlClient(const std::string& path);
  // Sends one command; returns the reply line. Throws on EOF.
  std::string command(const std::string& line);

 private:
  Fd fd_;
};

}  // namespace redoubt::testsupport
