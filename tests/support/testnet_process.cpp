#include "tests/support/testnet_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "tests/support/net.h"

extern char** environ;

namespace redoubt::testsupport {

std::string testnet_binary() {
  const char* dir = std::getenv("REDOUBT_BIN_DIR");
  return dir ? std::string(dir) + "/redoubt-testnet" : std::string("redoubt-testnet");
}

TestnetProcess::TestnetProcess(const std::string& binary, const std::string& datadir,
                               int timeout_ms) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  std::vector<std::string> args = {binary, "--datadir", datadir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, binary.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  stdout_fd_ = fds[0];
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + binary + " (ctest sets REDOUBT_BIN_DIR)");
  }
  std::string line;
  if (!read_line(stdout_fd_, line, 4096, timeout_ms)) {
    stop(1000);
    throw std::runtime_error("redoubt-testnet printed no ready line");
  }
  ready_ = nlohmann::json::parse(line);
}

TestnetProcess::~TestnetProcess() {
  stop();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

int TestnetProcess::stop(int timeout_ms) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

}  // namespace redoubt::testsupport
