// `redoubt audit`: a running process's confinement as the kernel reports it
// (/proc), compared line by line with what its policy declares.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace redoubt::sandbox {

struct AuditLine {
  std::string check;     // "seccomp", "ns.net", "apparmor", ...
  std::string declared;  // what the policy demands
  std::string actual;    // what /proc (or the child's report) says
  bool ok = false;       // false: weaker than declared (or unreadable)
};

struct AuditResult {
  pid_t pid = 0;
  std::string policy;
  std::vector<AuditLine> lines;
  bool ok = false;  // every line ok
};

struct AuditInput {
  pid_t reference_pid = 0;         // whose namespaces count as "shared" (the broker); 0: self
  int reported_landlock_abi = -1;  // as the child reported it; -1: not reported
  std::string proc = "/proc";      // tests may point elsewhere
};

// Audits `pid` against policy `policy_name`. Never throws for an unreadable
// or vanished process: the affected lines say so and are not ok.
AuditResult audit_process(pid_t pid, const std::string& policy_name, const AuditInput& in = {});

// A table for people: one row per line with its verdict, and an overall line.
std::string render_table(const std::vector<AuditResult>& results);
// The same as JSON for scripts: [{pid, policy, ok, lines: [{check, declared,
// actual, ok}]}].
std::string render_json(const std::vector<AuditResult>& results);

}  // namespace redoubt::sandbox
