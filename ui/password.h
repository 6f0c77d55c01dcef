// Reading secrets in the ui: from the terminal without echo, or, when stdin is
// not a terminal, from the first line of stdin (so scripts can pipe it), or,
// with --password-fd, from that fd (the broker hands it to the ui as fd 4).
// Never from argv or the environment.
#pragma once

#include <string>

namespace redoubt::ui {

// A string that is wiped when it goes away.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string s) : s_(std::move(s)) {}
  Secret(Secret&& o) noexcept : s_(std::move(o.s_)) { o.wipe(); }
  Secret& operator=(Secret&& o) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { wipe(); }
  const std::string& str() const { return s_; }
  bool empty() const { return s_.empty(); }

 private:
  void wipe();
  std::string s_;
};

// Where the broker puts the --password-fd in the ui (after fd 3, its socket).
inline constexpr int kSecretFd = 4;

// From now on, read_secret reads from `fd`: one line per secret, no prompt.
// ui/main.cpp calls it when fd 4 is open at start (before anything else
// could open an fd there).
void use_secret_fd(int fd);
// Whether secrets come from the --password-fd (no prompts, nothing repeated).
bool secret_fd_in_use();

// Reads one line. From the --password-fd when there is one; else, with a
// terminal on stdin: prints `prompt` to stderr and turns echo off while
// reading. Throws std::runtime_error at end of input.
Secret read_secret(const std::string& prompt);

}  // namespace redoubt::ui
