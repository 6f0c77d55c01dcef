#include "tests/sandbox/probe_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "sandbox/spawn.h"

namespace redoubt::sandbox::testing {

std::string probe_path() {
  const char* dir = std::getenv("REDOUBT_BIN_DIR");
  if (!dir) throw std::runtime_error("REDOUBT_BIN_DIR is not set (run through ctest)");
  return std::string(dir) + "/redoubt-probe";
}

std::string ProbeRun::result() const {
  size_t at = out.find("RESULT ");
  if (at == std::string::npos) return "";
  size_t end = out.find('\n', at);
  return out.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
}

std::string ProbeRun::describe() const {
  std::string s =
      exited ? "exit " + std::to_string(code)
             : std::string("signal ") + (sigabbrev_np(signal) ? sigabbrev_np(signal) : "?");
  if (!spawn_error.empty()) s += ", spawn: " + spawn_error;
  return s + ", output:\n" + out;
}

namespace {

SpawnSpec probe_spec(const std::string& policy, std::vector<std::string> args,
                     const std::map<std::string, std::string>& params, int channel) {
  SpawnSpec spec;
  spec.path = probe_path();
  spec.argv.push_back("redoubt-probe");
  spec.argv.push_back(policy);
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.channel_fd = channel;
  spec.inherit_stdio = true;  // stdout is the test's pipe (set up by the caller)
  spec.policy = policy;
  spec.params = params;
  return spec;
}

}  // namespace

ProbeRun run_probe(const std::string& policy, const std::string& check, const std::string& arg,
                   const ProbeOptions& opt) {
  std::vector<std::string> args;
  for (const auto& [k, v] : opt.confine_params) {
    args.push_back("--param");
    args.push_back(k + "=" + v);
  }
  if (opt.max_abi) {
    args.push_back("--max-abi");
    args.push_back(std::to_string(opt.max_abi));
  }
  args.push_back(check);
  if (!arg.empty()) args.push_back(arg);

  int sv[2], out[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 || pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("socketpair/pipe failed");
  // The probe inherits stdio: point our fd 1 at the pipe around spawn().
  fflush(stdout);
  int saved = dup(1);
  dup2(out[1], 1);
  ProbeRun run;
  pid_t pid = -1;
  try {
    pid = spawn(probe_spec(policy, args, opt.spawn_params, sv[1]), &run.spawn_error);
  } catch (...) {
    dup2(saved, 1);
    close(saved);
    throw;
  }
  dup2(saved, 1);
  close(saved);
  close(out[1]);
  close(sv[1]);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  char buf[4096];
  for (;;) {
    struct pollfd p {
      out[0], POLLIN, 0
    };
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0 || poll(&p, 1, left) <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    run.out.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  close(sv[0]);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  run.exited = WIFEXITED(st);
  run.code = run.exited ? WEXITSTATUS(st) : -1;
  run.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  return run;
}

pid_t start_sibling(const std::string& policy, int* channel) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw std::runtime_error("socketpair failed");
  SpawnSpec spec = probe_spec(policy, {"sleep"}, {}, sv[1]);
  spec.inherit_stdio = false;
  pid_t pid = spawn(spec);
  close(sv[1]);
  *channel = sv[0];
  return pid;
}

}  // namespace redoubt::sandbox::testing
