// The compiled policies: each seccomp filter matches its reviewed golden
// export (policies/golden/<name>.pfc), and the policy data is well formed.
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "policies/policy.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp.h"
#include "sandbox/spawn.h"

namespace redoubt::sandbox {
namespace {

std::string golden_path(const std::string& name) {
  const char* src = std::getenv("REDOUBT_SOURCE_DIR");
  return std::string(src ? src : ".") + "/policies/golden/" + name + ".pfc";
}

TEST(SandboxPolicy, EveryPolicyMatchesItsGoldenExport) {
  auto names = policies::policy_names();
  ASSERT_EQ(names.size(), 5u);
  for (const auto& name : names) {
    std::ifstream f(golden_path(name));
    ASSERT_TRUE(f) << "missing " << golden_path(name)
                   << " (regenerate: redoubt-policy-dump --write policies/golden)";
    std::stringstream want;
    want << f.rdbuf();
    EXPECT_EQ(export_pfc(policies::policy(name)), want.str())
        << name << ": the compiled filter differs from the reviewed golden file; review the "
        << "diff and regenerate with `redoubt-policy-dump --write policies/golden`";
  }
}

// Names in the allow-lists that libseccomp does not know would throw; and a
// syscall the children must never have must be absent from every list.
TEST(SandboxPolicy, DangerousSyscallsAreInNoChildAllowList) {
  const std::set<std::string> never = {
      "ptrace",      "process_vm_readv", "process_vm_writev", "execve",
      "execveat",    "io_uring_setup",   "io_uring_enter",    "io_uring_register",
      "keyctl",      "add_key",          "request_key",       "bpf",
      "mount",       "umount2",          "pivot_root",        "unshare",
      "setns",       "perf_event_open",  "userfaultfd",       "kexec_load",
      "init_module", "finit_module",     "socketpair",        "bind",
      "listen",      "accept4",          "personality"};
  for (const char* name : {"keyd", "netd", "netd-transproxy", "ui"}) {
    const auto& p = policies::policy(name);
    for (const auto& set : p.allow)
      for (const char* s : set.syscalls) EXPECT_FALSE(never.count(s)) << name << " allows " << s;
    for (const auto& r : p.allow_if)
      EXPECT_FALSE(never.count(r.syscall)) << name << " " << r.syscall;
    for (const auto& e : p.errno_rules)
      EXPECT_FALSE(never.count(e.syscall)) << name << " " << e.syscall;
  }
}

// minijail's lint: syscalls that are only safe with their arguments checked
// never appear in a child's unconditional allow-list.
TEST(SandboxPolicy, RiskySyscallsOnlyWithArgumentFilters) {
  const std::set<std::string> filtered = {"socket", "clone", "kill",  "tgkill",       "tkill",
                                          "ioctl",  "fcntl", "prctl", "mprotect_exec"};
  for (const char* name : {"keyd", "netd", "netd-transproxy", "ui"}) {
    for (const auto& set : policies::policy(name).allow)
      for (const char* s : set.syscalls)
        EXPECT_FALSE(filtered.count(s)) << name << " allows " << s << " without argument checks";
  }
  // And each of these that a child has does come with its filter.
  for (const char* name : {"keyd", "netd", "ui"}) {
    std::set<std::string> with_args;
    for (const auto& r : policies::policy(name).allow_if) with_args.insert(r.syscall);
    for (const char* s : {"kill", "tgkill", "ioctl", "fcntl"})
      EXPECT_TRUE(with_args.count(s)) << name << " " << s;
  }
}

TEST(SandboxPolicy, SocketFamiliesPerProcess) {
  auto domains = [](const std::string& name) {
    std::set<uint64_t> out;
    bool any = false;
    for (const auto& r : policies::policy(name).allow_if)
      if (std::string(r.syscall) == "socket") {
        any = true;
        out.insert(r.values.begin(), r.values.end());
      }
    for (const auto& s : policies::policy(name).allow)
      for (const char* c : s.syscalls) EXPECT_NE(std::string(c), "socket") << name;
    return any ? out : std::set<uint64_t>{};
  };
  EXPECT_TRUE(domains("keyd").empty());
  EXPECT_TRUE(domains("ui").empty());
  EXPECT_EQ(domains("netd"), (std::set<uint64_t>{AF_UNIX}));
  EXPECT_EQ(domains("netd-transproxy"), (std::set<uint64_t>{AF_UNIX, AF_INET, AF_INET6}));
}

TEST(SandboxPolicy, ExportIsKillByDefaultAndKillsForeignArchitectures) {
  std::string pfc = export_pfc(policies::policy("keyd"));
  EXPECT_NE(pfc.find("# default action\n  action KILL_PROCESS;"), std::string::npos) << pfc;
  EXPECT_NE(pfc.find("# invalid architecture action\naction KILL_PROCESS;"), std::string::npos);
  EXPECT_EQ(pfc.find("filter for arch x86 "), std::string::npos);  // no i386 section
}

TEST(SandboxPolicy, UnknownPolicyIsAnError) {
  EXPECT_THROW(policies::policy("nope"), std::out_of_range);
  SpawnSpec spec;
  spec.path = "/bin/true";
  spec.argv = {"true"};
  spec.policy = "nope";
  EXPECT_THROW(spawn(spec), SandboxError);
}

TEST(SandboxPolicy, TemplateExpansion) {
  std::string out;
  EXPECT_TRUE(expand("{data}/keyd", {{"data", "/d"}}, out));
  EXPECT_EQ(out, "/d/keyd");
  EXPECT_FALSE(expand("{keystore}", {}, out));
  EXPECT_FALSE(expand("{keystore}", {{"keystore", ""}}, out));
  EXPECT_THROW(expand("{open", {}, out), SandboxError);
}

}  // namespace
}  // namespace redoubt::sandbox
