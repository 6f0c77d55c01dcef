// redoubt-policy-dump: prints a compiled seccomp policy as libseccomp's
// pseudo-filter code, or rewrites the reviewed golden files.
//   redoubt-policy-dump NAME            the PFC of policy NAME on stdout
//   redoubt-policy-dump --list          the policy names
//   redoubt-policy-dump --write DIR     DIR/<name>.pfc for every policy
//   redoubt-policy-dump --describe NAME the whole policy, with every reason
#include <sched.h>
#include <sys/resource.h>

#include <cstdio>
#include <exception>
#include <fstream>
#include <string>

#include "policies/policy.h"
#include "sandbox/seccomp.h"

namespace {

void describe(const redoubt::policies::Policy& p) {
  std::printf("policy %s (AppArmor profile %s)\n", p.name.c_str(), p.apparmor.c_str());
  std::printf("namespaces:");
  const std::pair<int, const char*> ns[] = {{CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mount"},
                                            {CLONE_NEWPID, "pid"},   {CLONE_NEWNET, "net"},
                                            {CLONE_NEWIPC, "ipc"},   {CLONE_NEWUTS, "uts"}};
  for (const auto& [flag, name] : ns)
    if (p.namespaces & flag) std::printf(" %s", name);
  std::printf("%s\n", p.namespaces ? "" : " (the user's)");
  if (p.view) {
    std::printf("view: read-only tmpfs root%s, binds:\n",
                p.mount_proc ? " with its own /proc" : "");
    for (const auto& b : p.binds)
      std::printf("  %s %s\n", b.writable ? "rw" : "ro", b.path.c_str());
  }
  std::printf("seccomp: default KILL_PROCESS; foreign ABIs KILL_PROCESS; allowed:\n");
  for (const auto& set : p.allow) {
    std::printf("  [%s] %s\n   ", set.name, set.why);
    for (const char* c : set.syscalls) std::printf(" %s", c);
    std::printf("\n");
  }
  for (const auto& r : p.allow_if) std::printf("  %s with argument checks: %s\n", r.syscall, r.why);
  for (const auto& e : p.errno_rules)
    std::printf("  %s -> errno %d: %s\n", e.syscall, e.err, e.why);
  std::printf("landlock: every right of the kernel's ABI handled; granted:\n");
  for (const auto& l : p.landlock_paths)
    std::printf("  %s rights 0x%llx\n", l.path.c_str(), static_cast<unsigned long long>(l.rights));
  std::printf("  TCP connect %s, bind denied (ABI 4+); %s\n",
              p.landlock_allow_tcp_connect ? "allowed" : "denied",
              p.landlock_scope ? "abstract sockets and signals scoped (ABI 6+)" : "no scoping");
  std::printf("rlimits:");
  for (const auto& r : p.rlimits) {
    const char* name = r.resource == RLIMIT_CORE     ? "core"
                       : r.resource == RLIMIT_NOFILE ? "nofile"
                       : r.resource == RLIMIT_FSIZE  ? "fsize"
                                                     : "other";
    std::printf(" %s=%llu", name, static_cast<unsigned long long>(r.value));
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  using redoubt::policies::policy;
  using redoubt::policies::policy_names;
  try {
    std::string a = argc > 1 ? argv[1] : "";
    if (argc == 2 && a == "--list") {
      for (const auto& n : policy_names()) std::printf("%s\n", n.c_str());
      return 0;
    }
    if (argc == 3 && a == "--write") {
      for (const auto& n : policy_names()) {
        std::string path = std::string(argv[2]) + "/" + n + ".pfc";
        std::ofstream(path) << redoubt::sandbox::export_pfc(policy(n));
        std::printf("wrote %s\n", path.c_str());
      }
      return 0;
    }
    if (argc == 3 && a == "--describe") {
      describe(policy(argv[2]));
      return 0;
    }
    if (argc == 2 && !a.starts_with("-")) {
      std::fputs(redoubt::sandbox::export_pfc(policy(a)).c_str(), stdout);
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "redoubt-policy-dump: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: redoubt-policy-dump NAME | --list | --write DIR | --describe NAME\n");
  return 64;
}
