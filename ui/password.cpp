#include "ui/password.h"

#include <string.h>
#include <termios.h>
#include <unistd.h>

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

// Reads bytes up to '\n' from fd 0 one at a time: buffered stdio would keep
// a copy of the secret (and of what follows it) in its buffer.
bool read_line(std::string& out) {
  char c;
  for (;;) {
    ssize_t n = read(0, &c, 1);
    if (n == 0) return !out.empty();
    if (n < 0) return false;
    if (c == '\n') return true;
    if (out.size() >= 4096) throw std::runtime_error("input line too long");
    out.push_back(c);
  }
}

}  // namespace

Secret read_secret(const std::string& prompt) {
  std::string line;
  line.reserve(4097);  // no reallocation: no stray copies of the secret
  if (isatty(0)) {
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
