// Compiles a policy's seccomp allow-list with libseccomp, installs it, and
// exports it as text (PFC) for the golden-file review in policies/golden/.
#pragma once

#include <sys/types.h>

#include <string>

#include "policies/policy.h"

namespace redoubt::sandbox {

// `self_pid` fills the own-pid argument rules (kill/tgkill). A spawned child
// is pid 1 in its own pid namespace, which is also what the golden files use.
struct SeccompContext {
  pid_t self_pid = 1;
};

// The filter as libseccomp's pseudo-filter-code text. Throws SandboxError if
// a syscall name is unknown or libseccomp refuses a rule.
std::string export_pfc(const policies::Policy& policy, const SeccompContext& ctx = {});

// Installs the filter on every thread of the process (TSYNC). Requires
// no_new_privs (set by the caller). Throws SandboxError on failure.
void apply_seccomp(const policies::Policy& policy, const SeccompContext& ctx);

}  // namespace redoubt::sandbox
