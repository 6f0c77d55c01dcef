// Test harness: runs the real `redoubt` broker with a chosen set of children
// (real binaries or tests/broker/fake_child in a misbehaving mode) and reads
// the JSON lines that `redoubt --json watch` prints.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace redoubt::test {

using Json = nlohmann::json;

std::string bin_dir();  // $REDOUBT_BIN_DIR
std::string make_temp_dir();
void remove_tree(const std::string& dir);

// A directory holding redoubt-keyd, redoubt-netd and redoubt-ui. `mode` per
// child: "real" links the built binary; anything else runs the fake child in
// that mode (see fake_child.cpp).
std::string make_child_dir(const std::string& root, const std::string& keyd_mode,
                           const std::string& netd_mode, const std::string& ui_mode = "real");

class Tree {
 public:
  // Starts `redoubt --datadir DATADIR --network regtest [--child-dir D] --json ARGS...`.
  Tree(const std::string& datadir, const std::string& child_dir, std::vector<std::string> args);
  ~Tree();
  pid_t pid() const { return pid_; }
  // The next JSON line on stdout within `timeout`, or nullopt.
  std::optional<Json> next_json(std::chrono::milliseconds timeout);
  // Reads stdout to EOF and parses it as one JSON document.
  std::optional<Json> read_document(std::chrono::milliseconds timeout);
  // Waits for a JSON line satisfying `pred`.
  std::optional<Json> wait_for(const std::function<bool(const Json&)>& pred,
                               std::chrono::milliseconds timeout);
  // Waits for the broker to exit; returns its wait status or nullopt.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buf_;
  std::string err_path_;
  bool reaped_ = false;
};

// pid of the process with `role` in a getinfo JSON document (0 if absent).
pid_t role_pid(const Json& info, const std::string& role);
bool all_answered(const Json& info);
// True if the pid exists and is not a zombie.
bool alive(pid_t pid);
// Waits until `pid` no longer exists (or is a zombie we do not own).
bool wait_gone(pid_t pid, std::chrono::milliseconds timeout);
// Parent pid of `pid` from /proc, or -1.
pid_t parent_of(pid_t pid);
// The fd numbers open in process `pid`.
std::vector<int> open_fds(pid_t pid);

}  // namespace redoubt::test
