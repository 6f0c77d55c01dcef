#include "ui/password.h"

#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace redoubt::ui {

Secret& Secret::operator=(Secret&& o) noexcept {
  wipe();
  s_ = std::move(o.s_);
  o.wipe();
  return *this;
}

void Secret::wipe() {
  // explicit_bzero: not optimised away, unlike memset on a dying buffer.
  if (!s_.empty()) explicit_bzero(s_.data(), s_.size());
  s_.clear();
  s_.shrink_to_fit();
}

namespace {

int secret_fd = -1;

// Reads bytes up to '\n' from `fd` one at a time: buffered stdio would keep
// a copy of the secret (and of what follows it) in its buffer.
bool read_line(std::string& out, int fd = 0) {
  char c;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n == 0) return !out.empty();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (c == '\n') return true;
    if (out.size() >= 4096) throw std::runtime_error("input line too long");
    out.push_back(c);
  }
}

}  // namespace

void use_secret_fd(int fd) {
  secret_fd = fd;
}

bool secret_fd_in_use() {
  return secret_fd >= 0;
}

Secret read_secret(const std::string& prompt) {
  std::string line;
  line.reserve(4097);  // no reallocation: no stray copies of the secret
  if (secret_fd >= 0) {
    if (!read_line(line, secret_fd)) throw std::runtime_error("no line left on --password-fd");
  } else if (isatty(0)) {
    fputs(prompt.c_str(), stderr);
    fflush(stderr);
    termios old{};
    bool restore = tcgetattr(0, &old) == 0;
    if (restore) {
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      quiet.c_lflag |= ECHONL;
      tcsetattr(0, TCSAFLUSH, &quiet);
    }
    bool ok = read_line(line);
    if (restore) tcsetattr(0, TCSAFLUSH, &old);
    if (!ok) throw std::runtime_error("no input");
  } else if (!read_line(line)) {
    throw std::runtime_error("expected a line on standard input");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return Secret(std::move(line));
}

}  // namespace redoubt::ui
