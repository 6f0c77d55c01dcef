// The one place Redoubt forks and execs: starts a child with a clean
// environment, only the named fds open, and its confinement applied between
// fork and exec.
#pragma once

#include <sys/types.h>

#include <array>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "policies/policy.h"

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
  // Explicit stdio: fds of the caller that become 0, 1, 2 in the child (a
  // daemon client's terminal, passed over SCM_RIGHTS); -1 = as inherit_stdio.
  std::array<int, 3> stdio = {-1, -1, -1};
  // More fds of the caller that become 4, 5, ... in the child, in order (the
  // ui's --password-fd). The caller keeps its own copies.
  std::vector<int> extra_fds;
  // setsid() before exec: the child has no controlling terminal, so a
  // terminal passed in `stdio` is just an fd to it (no SIGTTIN/SIGTTOU when
  // the broker is a background job of that very terminal).
  bool new_session = false;
  std::string policy;  // policy name in policies/ ("keyd", "netd", "ui"); "" = none
  // Values for the policy's `{name}` templates: "keystore" (keyd's keystore
  // directory, bound writable), "tor_socket" (netd's proxy socket, the only
  // socket in its view). A missing one leaves that path out of the view.
  std::map<std::string, std::string> params;
  // More paths in the view, beyond the policy's (absolute, not templated).
  // For test harnesses whose fake children live outside the install tree
  // (a script and the binary it execs, a state dir); the broker proper
  // passes none.
  std::vector<policies::Bind> extra_binds;
};

// Forks and execs. Everything the child needs is prepared before fork(): the
// child only calls async-signal-safe functions. The child gets
// PR_SET_PDEATHSIG(SIGKILL), so it dies when the broker dies. Throws
// SandboxError when fork fails or the policy is unknown; an exec or
// confinement failure in the child shows as exit status 127 (exec) or 126
// (confinement), and `failure` (if given) says which step failed and why.
//
// With a policy, between fork and exec: new user, mount, pid, ipc, uts (and
// per policy network) namespaces in one clone(); the uid/gid mapped to
// themselves; AppArmor's exec label set (when AppArmor is enabled); the
// private view (sandbox/view.h); rlimits; every capability dropped and
// SECBIT_NOROOT locked (so uid 0 gains none at exec); no_new_privs. The
// child is pid 1 of its pid namespace. spawn() returns once the child has
// exec'ed or failed (it waits on a close-on-exec pipe).
pid_t spawn(const SpawnSpec& spec, std::string* failure = nullptr);

// Whether AppArmor is enabled, checked once; when it is not, spawn() notes
// it once on stderr and relies on the other layers.
bool apparmor_enabled();

}  // namespace redoubt::sandbox
