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
                     const ProbeOptions& opt, int channel) {
  SpawnSpec spec;
  spec.path = opt.exe.empty() ? probe_path() : opt.exe;
  for (const auto& [path, rw] : opt.extra_binds) spec.extra_binds.push_back({path, rw});
  spec.argv.push_back("redoubt-probe");
  spec.argv.push_back(policy);
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  // LeakSanitizer (asan preset) scans at exit with clone+ptrace: off here.
  spec.env = {"PATH=/usr/bin:/bin", "ASAN_OPTIONS=detect_leaks=0"};
  spec.channel_fd = channel;
  spec.inherit_stdio = true;  // stdout is the test's pipe (set up by the caller)
  spec.policy = policy;
  spec.params = opt.spawn_params;
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
    pid = spawn(probe_spec(policy, args, opt, sv[1]), &run.spawn_error);
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

Sibling start_sibling(const std::string& policy, const ProbeOptions& opt) {
  int sv[2], out[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 || pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("socketpair/pipe failed");
  std::vector<std::string> args;
  for (const auto& [k, v] : opt.confine_params) {
    args.push_back("--param");
    args.push_back(k + "=" + v);
  }
  args.push_back("sleep");
  fflush(stdout);
  int saved = dup(1);
  dup2(out[1], 1);
  Sibling s;
  try {
    s.pid = spawn(probe_spec(policy, args, opt, sv[1]));
  } catch (...) {
    dup2(saved, 1);
    close(saved);
    throw;
  }
  dup2(saved, 1);
  close(saved);
  close(out[1]);
  close(sv[1]);
  s.channel = sv[0];
  // Wait (at most 10 s) for the REPORT line: it is printed once confined.
  std::string text;
  char buf[1024];
  for (int i = 0; i < 100 && text.find("REPORT ") == std::string::npos; ++i) {
    struct pollfd p {
      out[0], POLLIN, 0
    };
    if (poll(&p, 1, 100) == 1) {
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
  }
  close(out[0]);  // later writes by the probe (none) would get EPIPE
  size_t at = text.find("REPORT ");
  if (at != std::string::npos) s.report = text.substr(at, text.find('\n', at) - at);
  return s;
}

void Sibling::stop() {
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
  if (channel >= 0) close(channel);
  channel = -1;
}

}  // namespace redoubt::sandbox::testing
