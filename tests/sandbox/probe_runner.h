// Test helper: starts redoubt-probe under a policy through sandbox::spawn
// (as the broker starts a child) and collects its verdict.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace redoubt::sandbox::testing {

struct ProbeRun {
  bool exited = false;  // normal exit (else killed by `signal`)
  int code = -1;
  int signal = 0;
  std::string out;             // the probe's stdout
  std::string spawn_error;     // a failure reported by spawn's child side
  std::string result() const;  // "ok", "errno=NAME", or "" when none was printed
  std::string describe() const;
};

struct ProbeOptions {
  std::map<std::string, std::string> spawn_params;    // the view's {name} values
  std::map<std::string, std::string> confine_params;  // passed as --param
  int max_abi = 0;
  std::string exe;  // run this instead of redoubt-probe (e.g. a script that execs it)
  std::vector<std::pair<std::string, bool>> extra_binds;  // SpawnSpec::extra_binds
};

std::string probe_path();
// Runs `redoubt-probe POLICY ... CHECK ARG` and waits for it (at most 20 s).
ProbeRun run_probe(const std::string& policy, const std::string& check, const std::string& arg = "",
                   const ProbeOptions& opt = {});
// A long-running probe ("sleep"), confined and idle; kill it after use.
struct Sibling {
  pid_t pid = -1;
  int channel = -1;    // the broker's end of its fd 3
  std::string report;  // its lock-down REPORT line (waited for)
  void stop();
};
Sibling start_sibling(const std::string& policy, const ProbeOptions& opt = {});

}  // namespace redoubt::sandbox::testing
