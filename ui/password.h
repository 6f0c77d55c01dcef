// Reading secrets in the ui: from the terminal without echo, or, when stdin is
// not a terminal, from the first line of stdin (so scripts can pipe it).
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

// Reads one line. With a terminal on stdin: prints `prompt` to stderr and
// turns echo off while reading. Throws std::runtime_error at end of input.
Secret read_secret(const std::string& prompt);

}  // namespace redoubt::ui
