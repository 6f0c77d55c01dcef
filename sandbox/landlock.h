// Landlock: detects the kernel's ABI and applies a policy's filesystem,
// TCP and scope rules with the best ABI available, saying what was dropped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "policies/policy.h"

namespace redoubt::sandbox {

struct LandlockReport {
  int abi = 0;                       // the kernel's ABI (0: Landlock unavailable)
  int applied_abi = 0;               // the ABI the ruleset was built for (0: none applied)
  bool fs = false;                   // filesystem access restricted
  bool tcp = false;                  // TCP bind/connect restricted (ABI 4)
  bool scoped = false;               // abstract Unix sockets and signals scoped (ABI 6)
  std::vector<std::string> applied;  // one line per rule granted
  std::vector<std::string> notes;    // one line per degradation
};

// What was restricted, in one word for hello/getinfo: "fs+net+scope" (the
// parts applied), "none" (a ruleset with nothing in it), "unavailable".
std::string landlock_summary(const LandlockReport& r);

// The running kernel's Landlock ABI, 0 when Landlock is off or unsupported.
int landlock_abi();

// Substitutes `{name}` in `path` from `params`; returns false when a named
// parameter is missing (the rule or bind is then left out).
bool expand(const std::string& path, const std::map<std::string, std::string>& params,
            std::string& out);

// Restricts the calling thread (and its future children and threads): call
// before any thread starts. `max_abi` caps the ABI used (tests of the
// degraded paths); 0 means no cap. Throws SandboxError when Landlock is
// available but the ruleset cannot be built or enforced.
LandlockReport apply_landlock(const policies::Policy& policy,
                              const std::map<std::string, std::string>& params, int max_abi = 0);

}  // namespace redoubt::sandbox
