#include "tests/support/control.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "tests/support/universe.h"

namespace redoubt::testsupport {

namespace {
constexpr size_t kMaxCommand = 64 * 1024;
}

ControlServer::~ControlServer() {
  stop();
}

void ControlServer::start() {
  listen_ = listen_unix(path_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

void ControlServer::stop() {
  if (stopping_.exchange(true)) return;
  waker_.wake();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lk(mu_);
    for (int fd : live_fds_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  listen_.reset();
  ::unlink(path_.c_str());
}

void ControlServer::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listen_.get(), POLLIN, 0}, {waker_.read_fd(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (stopping_) return;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lk(mu_);
    live_fds_.push_back(fd);
    workers_.emplace_back([this, fd] {
      serve(fd);
      std::lock_guard lk2(mu_);
      live_fds_.erase(std::remove(live_fds_.begin(), live_fds_.end(), fd), live_fds_.end());
      ::close(fd);
    });
  }
}

void ControlServer::serve(int fd) {
  std::string line;
  while (!stopping_ && read_line(fd, line, kMaxCommand)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string reply =
        u_.control(line).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!write_all(fd, reply + "\n")) return;
  }
}

ControlClient::ControlClient(const std::string& path) : fd_(connect_unix(path)) {}

std::string ControlClient::command(const std::string& line) {
  if (!write_all(fd_.get(), line + "\n")) throw std::runtime_error("control: write failed");
  std::string reply;
  if (!read_line(fd_.get(), reply, 16 << 20, 120000)) {
    throw std::runtime_error("control: no reply to " + line);
  }
  return reply;
}

}  // namespace redoubt::testsupport
