// confine_self's report and its degraded paths (a lower Landlock ABI forced
// by parameter), and `redoubt audit` against a live confined probe.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "sandbox/audit.h"
#include "sandbox/confine.h"
#include "sandbox/landlock.h"
#include "sandbox/spawn.h"
#include "tests/sandbox/probe_runner.h"

namespace redoubt::sandbox::testing {
namespace {

int field(const std::string& report, const std::string& key) {
  size_t at = report.find(" " + key + "=");
  if (at == std::string::npos) return -1;
  return std::stoi(report.substr(at + key.size() + 2));
}

std::string report_line(const ProbeRun& r) {
  size_t at = r.out.find("REPORT ");
  return at == std::string::npos ? "" : r.out.substr(at, r.out.find('\n', at) - at);
}

class LandlockDegrade : public ::testing::TestWithParam<int> {};

// With the ABI capped at N, the report says N was applied and names every
// layer that was dropped; the layers that remain are on.
TEST_P(LandlockDegrade, ReportSaysWhatWasDropped) {
  const int abi = GetParam();
  ASSERT_GE(landlock_abi(), 6) << "this kernel's Landlock is too old to cap";
  ProbeOptions opt;
  opt.max_abi = abi;
  ProbeRun r = run_probe("netd", "none", "", opt);
  ASSERT_EQ(r.result(), "ok") << r.describe();
  std::string rep = report_line(r);
  EXPECT_EQ(field(rep, "applied_abi"), abi) << rep;
  EXPECT_EQ(field(rep, "abi"), landlock_abi()) << rep;
  EXPECT_EQ(field(rep, "fs"), 1) << rep;
  EXPECT_EQ(field(rep, "tcp"), abi >= 4 ? 1 : 0) << rep;
  EXPECT_EQ(field(rep, "scoped"), abi >= 6 ? 1 : 0) << rep;
  EXPECT_EQ(field(rep, "seccomp"), 1) << rep;  // seccomp holds regardless
  auto says = [&](const char* s) { return r.out.find(s) != std::string::npos; };
  EXPECT_TRUE(says(("Landlock ABI capped at " + std::to_string(abi)).c_str())) << r.out;
  // Its /proc was there to check it is single-threaded and read its label.
  EXPECT_FALSE(says("single thread not verified")) << r.out;
  EXPECT_FALSE(says("AppArmor unknown")) << r.out;
  EXPECT_EQ(says("ABI < 3: truncate() not restricted"), abi < 3) << r.out;
  EXPECT_EQ(says("ABI < 4: TCP bind/connect not restricted"), abi < 4) << r.out;
  EXPECT_EQ(says("ABI < 5: device ioctls not restricted"), abi < 5) << r.out;
  EXPECT_EQ(says("ABI < 6: abstract Unix sockets and signals not scoped"), abi < 6) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Abi, LandlockDegrade, ::testing::Values(1, 2, 3, 4, 5, 6));

// The drop is real, not only reported: netd-transproxy shares the host
// network namespace, so an abstract socket is reachable exactly when
// Landlock's scoping (ABI 6) is not applied.
TEST(SandboxConfine, DroppedScopeIsReallyDropped) {
  std::string name = "redoubt-degrade-" + std::to_string(getpid());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "%s", name.c_str());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), len), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  ProbeOptions full, capped;
  capped.max_abi = 5;
  EXPECT_EQ(run_probe("netd-transproxy", "connect_unix", "@" + name, full).result(), "errno=EPERM");
  EXPECT_EQ(run_probe("netd-transproxy", "connect_unix", "@" + name, capped).result(), "ok");
  close(fd);
}

// A child that is a script exec'ing a binary outside the install tree (the
// supervision tests' fake children) needs that binary in its view: without
// the extra bind the exec inside the view fails, with it the child runs.
TEST(SandboxConfine, ExtraBindsReachTheView) {
  char tmpl[] = "/tmp/redoubt-script-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string script = std::string(tmpl) + "/child.sh";
  {
    std::ofstream f(script);
    f << "#!/bin/sh\nexec " << probe_path() << " \"$@\"\n";
  }
  chmod(script.c_str(), 0755);
  ProbeOptions opt;
  opt.exe = script;
  ProbeRun without = run_probe("keyd", "none", "", opt);
  EXPECT_TRUE(without.exited && without.code == 127) << without.describe();
  EXPECT_EQ(without.result(), "");
  opt.extra_binds = {{probe_path(), false}};
  ProbeRun with = run_probe("keyd", "none", "", opt);
  EXPECT_EQ(with.result(), "ok") << with.describe();
  // A path with `..` is bound at its real location (the supervision
  // harness's scripts exec `<bin>/../tests/redoubt-fakechild`).
  std::string bin = probe_path().substr(0, probe_path().rfind('/'));
  std::string dotted = bin + "/../" + bin.substr(bin.rfind('/') + 1) + "/redoubt-probe";
  {
    std::ofstream f(script);
    f << "#!/bin/sh\nexec " << dotted << " \"$@\"\n";
  }
  opt.extra_binds = {{dotted, false}};
  ProbeRun via_dots = run_probe("keyd", "none", "", opt);
  EXPECT_EQ(via_dots.result(), "ok") << via_dots.describe();
  unlink(script.c_str());
  rmdir(tmpl);
}

// Landlock would bind only the calling thread: confine_self refuses to run
// once a second thread exists (in a forked child: it would confine us).
TEST(SandboxConfine, RefusesWhenAThreadIsRunning) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::thread t([] { std::this_thread::sleep_for(std::chrono::seconds(2)); });
    int code = 3;
    try {
      confine_self("keyd");
      code = 1;  // confined with a thread running: the bug this guards against
    } catch (const SandboxError& e) {
      code = std::string(e.what()).find("before any thread starts") != std::string::npos ? 0 : 2;
    }
    t.detach();
    _exit(code);
  }
  int st = 0;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st)) << st;
  EXPECT_EQ(WEXITSTATUS(st), 0);
}

// The child is init of its pid namespace, which the kernel shields from
// signals without a handler: confine_self restores SIGTERM's meaning, so the
// broker's orderly shutdown (SIGTERM, then SIGKILL) ends it at once.
TEST(SandboxConfine, SigtermEndsAChildThatIsPidNamespaceInit) {
  Sibling s = start_sibling("netd");
  ASSERT_FALSE(s.report.empty());
  ASSERT_EQ(kill(s.pid, SIGTERM), 0);
  int st = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(s.pid, &st, WNOHANG) == s.pid) {
      EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGTERM) << st;
      s.pid = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(s.pid, -1) << "SIGTERM was ignored";
  s.stop();
}

const AuditLine* line(const AuditResult& r, const std::string& check) {
  for (const auto& l : r.lines)
    if (l.check == check) return &l;
  return nullptr;
}

TEST(SandboxAudit, ConfinedProbeIsAsDeclared) {
  Sibling s = start_sibling("keyd");
  ASSERT_FALSE(s.report.empty());
  AuditInput in;
  in.reported_landlock_abi = field(s.report, "applied_abi");
  AuditResult r = audit_process(s.pid, "keyd", in);
  std::string table = render_table({r});
  EXPECT_TRUE(r.ok) << table;
  for (const char* c : {"seccomp", "no_new_privs", "capabilities", "ns.user", "ns.mnt", "ns.pid",
                        "ns.net", "ns.ipc", "landlock", "rlimit.core", "fds", "apparmor"}) {
    const AuditLine* l = line(r, c);
    ASSERT_NE(l, nullptr) << c;
    EXPECT_TRUE(l->ok) << c << ": " << l->actual;
  }
  EXPECT_EQ(line(r, "seccomp")->actual.substr(0, 1), "2");
  EXPECT_EQ(line(r, "ns.net")->actual.substr(0, 4), "own ");
  EXPECT_NE(line(r, "fds")->actual.find("3=socket:"), std::string::npos);
  auto json = nlohmann::json::parse(render_json({r}));
  EXPECT_EQ(json[0]["policy"], "keyd");
  EXPECT_EQ(json[0]["ok"], true);
  EXPECT_EQ(json[0]["pid"], s.pid);

  // The same process claimed to report a weaker Landlock ABI: that line fails.
  in.reported_landlock_abi = 1;
  AuditResult weak = audit_process(s.pid, "keyd", in);
  EXPECT_FALSE(weak.ok);
  EXPECT_FALSE(line(weak, "landlock")->ok);
  s.stop();
}

// An unconfined process (this test) audited against keyd's policy: every
// layer spawn and confine_self add is reported missing.
TEST(SandboxAudit, UnconfinedProcessIsWeakerThanDeclared) {
  AuditInput in;
  in.reference_pid = getppid();  // ctest, or the shell
  in.reported_landlock_abi = -1;
  AuditResult r = audit_process(getpid(), "keyd", in);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(line(r, "seccomp")->ok);
  EXPECT_FALSE(line(r, "no_new_privs")->ok);
  EXPECT_FALSE(line(r, "ns.net")->ok);
  EXPECT_FALSE(line(r, "ns.user")->ok);
  EXPECT_FALSE(line(r, "landlock")->ok);
  std::string table = render_table({r});
  EXPECT_NE(table.find("FAIL"), std::string::npos);
  EXPECT_NE(table.find("weaker than declared"), std::string::npos);
  auto json = nlohmann::json::parse(render_json({r}));
  EXPECT_EQ(json[0]["ok"], false);
}

TEST(SandboxAudit, VanishedProcessIsNotOk) {
  AuditResult r = audit_process(999999999, "netd");
  EXPECT_FALSE(r.ok);
  AuditResult u = audit_process(getpid(), "no-such-policy");
  EXPECT_FALSE(u.ok);
}

}  // namespace
}  // namespace redoubt::sandbox::testing
