// What every child's policy starts from: the base view (libraries, a few
// /dev nodes), the syscall sets every kj-based child needs, and core rlimits.
#pragma once

#include "policies/policy.h"

namespace redoubt::policies {

// Namespaces every child gets: its own user namespace (so an unprivileged
// broker can build the rest, and the child's capabilities mean nothing
// outside), mount (the private view), pid (siblings invisible), ipc, uts.
int child_namespaces();
// Read-only binds every dynamically linked child needs to exec: the loader,
// libraries and their cache, and harmless /dev nodes.
std::vector<Bind> base_binds();
// The sets every kj event-loop child needs after start-up.
Policy child_base(const std::string& name, const std::string& apparmor);

}  // namespace redoubt::policies
