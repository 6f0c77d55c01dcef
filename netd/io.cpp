#include "netd/io.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "netd/error.h"

namespace redoubt::netd {

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int ms_until(Deadline d) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(d - Clock::now()).count();
  if (left <= 0) return 0;
  if (left > INT_MAX) return INT_MAX;
  return static_cast<int>(left);
}

namespace {
thread_local int t_cancel_fd = -1;
}

void set_thread_cancel_fd(int fd) {
  t_cancel_fd = fd;
}

void wait_fd(int fd, short events, Deadline d, const char* what) {
  for (;;) {
    int left = ms_until(d);
    if (left == 0) throw NetError(std::string(what) + " timed out");
    pollfd p[2] = {{fd, events, 0}, {t_cancel_fd, POLLIN, 0}};
    int r = ::poll(p, t_cancel_fd >= 0 ? 2 : 1, left);
    if (r > 0 && t_cancel_fd >= 0 && (p[1].revents & POLLIN)) {
      throw NetError(std::string(what) + " cancelled");
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      throw NetError(std::string(what) + ": poll failed: " + std::strerror(errno));
    }
    if (r == 0) continue;  // re-check the deadline
    return;                // readable, writable, or an error/hangup the next call reports
  }
}

void write_all(int fd, const uint8_t* data, size_t n, Deadline d, const char* what) {
  size_t done = 0;
  while (done < n) {
    // MSG_NOSIGNAL: a peer that went away gives EPIPE, not a SIGPIPE.
    ssize_t w = ::send(fd, data + done, n - done, MSG_NOSIGNAL);
    if (w > 0) {
      done += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_fd(fd, POLLOUT, d, what);
      continue;
    }
    throw NetError(std::string(what) + ": connection lost while sending (" + std::strerror(errno) +
                   ")");
  }
}

void read_exact(int fd, uint8_t* out, size_t n, Deadline d, const char* what) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::recv(fd, out + done, n - done, 0);
    if (r > 0) {
      done += static_cast<size_t>(r);
      continue;
    }
    if (r == 0) throw NetError(std::string(what) + ": the other side closed the connection");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait_fd(fd, POLLIN, d, what);
      continue;
    }
    throw NetError(std::string(what) + ": connection lost (" + std::strerror(errno) + ")");
  }
}

void set_nonblocking(int fd) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    throw NetError(std::string("fcntl(O_NONBLOCK) failed: ") + std::strerror(errno));
  }
}

}  // namespace redoubt::netd
