// The child's own lock-down after start-up (ipc::run_child's lock_down):
// not dumpable, no new privileges, rlimits, Landlock, then seccomp — before
// any byte from the broker is read. Returns what was applied.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sandbox/landlock.h"

namespace redoubt::sandbox {

struct ConfineParams {
  std::map<std::string, std::string> paths;  // the policy's `{name}` values (keystore, ...)
  int max_landlock_abi = 0;                  // 0: the kernel's; else a cap (degradation tests)
};

struct ConfineReport {
  std::string policy;
  LandlockReport landlock;
  bool seccomp = false;  // the policy's filter is installed (all threads)
  bool no_new_privs = false;
  bool dumpable = true;            // false once PR_SET_DUMPABLE 0 took
  std::string apparmor_label;      // from /proc/self/attr/current, or "AppArmor not enabled"
  std::vector<std::string> notes;  // every degradation, one line each

  // A few lines for a log or the child's hello to the broker.
  std::string summary() const;
};

// Applies `policy_name`'s post-start confinement to the calling process.
// Call it single-threaded (Landlock binds only the calling thread and its
// future threads; seccomp is synchronised to all threads anyway). Throws
// SandboxError when a layer that is available fails to apply: the child
// must then exit rather than serve unconfined.
ConfineReport confine_self(const std::string& policy_name, const ConfineParams& params = {});

// The AppArmor label of `pid` ("self" or a number), "AppArmor not enabled"
// when no LSM answers, "unknown (...)" when /proc is not readable.
std::string apparmor_label(const std::string& pid);

}  // namespace redoubt::sandbox
