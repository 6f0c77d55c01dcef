// The one place Redoubt forks and execs: starts a child with a clean
// environment, only the named fds open, and its confinement applied between
// fork and exec.
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace redoubt::sandbox {

class SandboxError : public std::runtime_error {
 public:
  explicit SandboxError(const std::string& what) : std::runtime_error(what) {}
};

struct SpawnSpec {
  std::string path;               // absolute path of the executable
  std::vector<std::string> argv;  // argv[0] included; never a secret
  std::vector<std::string> env;   // the complete environment ("K=V")
  int channel_fd = -1;            // becomes fd 3 in the child (ipc::kChildFd)
  bool inherit_stdio = false;     // keep 0/1/2 (the ui's terminal); else /dev/null
  std::string policy;             // policy name in policies/ ("keyd", "netd", "ui"); "" = none
};

// Forks and execs. Everything the child needs is prepared before fork(): the
// child only calls async-signal-safe functions. The child gets
// PR_SET_PDEATHSIG(SIGKILL), so it dies when the broker dies. Throws
// SandboxError when fork fails; an exec or confinement failure in the child
// shows as exit status 127 (exec) or 126 (confinement).
pid_t spawn(const SpawnSpec& spec);

}  // namespace redoubt::sandbox
