// Blocking socket I/O with deadlines for netd's network thread: an owned fd,
// and read/write helpers that give up at a deadline instead of hanging.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace redoubt::netd {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
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

// Milliseconds left until `d` (0 when passed), capped for poll().
int ms_until(Deadline d);

// An fd (an eventfd) that, once readable, makes every wait_fd on this thread
// throw NetError("cancelled"): how a session thread is stopped mid-connect.
void set_thread_cancel_fd(int fd);

// Waits until fd is readable (events = POLLIN) or writable (POLLOUT). Throws
// NetError("<what> timed out") at the deadline.
void wait_fd(int fd, short events, Deadline d, const char* what);

// On a non-blocking fd: writes all of `data` / reads exactly `n` bytes before
// the deadline. Throw NetError on timeout, EOF or error (naming `what`).
void write_all(int fd, const uint8_t* data, size_t n, Deadline d, const char* what);
void read_exact(int fd, uint8_t* out, size_t n, Deadline d, const char* what);

void set_nonblocking(int fd);

}  // namespace redoubt::netd
