// Runs the redoubt-testnet program as a child process for end-to-end tests:
// starts it, reads its one JSON ready line, and stops it with SIGTERM.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

namespace redoubt::testsupport {

class TestnetProcess {
 public:
  // `binary`: path to redoubt-testnet (e.g. $REDOUBT_BIN_DIR/redoubt-testnet).
  // Waits up to `timeout_ms` for the ready line; throws on failure.
  TestnetProcess(const std::string& binary, const std::string& datadir, int timeout_ms = 60000);
  ~TestnetProcess();
  TestnetProcess(const TestnetProcess&) = delete;
  TestnetProcess& operator=(const TestnetProcess&) = delete;

  const nlohmann::json& ready() const { return ready_; }
  pid_t pid() const { return pid_; }
  // SIGTERM, then waits up to `timeout_ms`. Returns the exit status
  // (as waitpid's), or -1 if it had to be killed.
  int stop(int timeout_ms = 10000);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  nlohmann::json ready_;
};

// $REDOUBT_BIN_DIR/redoubt-testnet (set by ctest), or "redoubt-testnet".
std::string testnet_binary();

}  // namespace redoubt::testsupport
