// Socket plumbing for the test universe: RAII fds, loopback TCP and Unix
// listeners, blocking read/write helpers. Never resolves a hostname.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace redoubt::testsupport {

// Owns one file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Listens on 127.0.0.1:port (0 picks a free port). Returns the fd and the port.
std::pair<Fd, uint16_t> listen_tcp_loopback(uint16_t port);
// Listens on a Unix stream socket at `path` (an existing socket file is replaced).
Fd listen_unix(const std::string& path);
// Connects to 127.0.0.1:port. Throws std::system_error on failure.
Fd connect_tcp_loopback(uint16_t port);
// Connects to a Unix stream socket. Throws std::system_error on failure.
Fd connect_unix(const std::string& path);

// Writes everything (retrying on EINTR/short writes). False if the peer is gone.
bool write_all(int fd, std::string_view data);
// Reads exactly n bytes. False on EOF or error.
bool read_exact(int fd, void* buf, size_t n);
// Reads one '\n'-terminated line (newline stripped) of at most max_len bytes.
// False on EOF, error, timeout (timeout_ms < 0: none) or an over-long line.
bool read_line(int fd, std::string& line, size_t max_len, int timeout_ms = -1);

// A pipe used to wake a poll() loop from another thread.
class Waker {
 public:
  Waker();
  int read_fd() const { return r_.get(); }
  void wake();
  void drain();

 private:
  Fd r_, w_;
};

}  // namespace redoubt::testsupport
