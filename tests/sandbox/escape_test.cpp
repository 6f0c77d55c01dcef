// Escape tests: each rule of each child's policy, tried from inside a probe
// that runs exactly like the child (spawned through sandbox::spawn with the
// child's policy, kj event loop and fd-3 connection up, confine_self in
// lock_down). Each asserts the exact failure: SIGSYS (the filter's default
// kill), the policy's errno, or the errno the view/Landlock gives.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "sandbox/landlock.h"
#include "tests/sandbox/probe_runner.h"

namespace redoubt::sandbox::testing {
namespace {

int listen_unix(const std::string& path, bool abstract = false) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  socklen_t len = sizeof sa;
  if (abstract) {
    std::snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "%s", path.c_str());
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + path.size());
  } else {
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
  }
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || listen(fd, 16) != 0)
    throw std::runtime_error("cannot listen on " + path);
  return fd;
}

// A fake data dir: the wallet database, keyd's keystore, the Tor socket and
// another Unix socket netd must not reach; plus a running sibling child.
struct World {
  std::string root, wallet, keystore, keyfile, tor, other, abstract_name;
  int tor_fd = -1, other_fd = -1, abstract_fd = -1;
  Sibling sibling;

  World() {
    char tmpl[] = "/tmp/redoubt-escape-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    root = tmpl;
    wallet = root + "/wallet.sqlite";
    keystore = root + "/regtest/keyd";
    keyfile = keystore + "/keystore.enc";
    std::ofstream(wallet) << "SQLite format 3";
    mkdir((root + "/regtest").c_str(), 0700);
    mkdir(keystore.c_str(), 0700);
    std::ofstream(keyfile) << "encrypted";
    tor = root + "/tor.sock";
    other = root + "/other.sock";
    tor_fd = listen_unix(tor);
    other_fd = listen_unix(other);
    abstract_name = "redoubt-escape-" + std::to_string(getpid());
    abstract_fd = listen_unix(abstract_name, true);
    sibling = start_sibling("keyd");
    if (sibling.report.empty()) throw std::runtime_error("the sibling probe did not start");
  }
  ~World() {
    sibling.stop();
    for (int fd : {tor_fd, other_fd, abstract_fd}) close(fd);
    std::string cmd = "rm -rf '" + root + "'";
    (void)!std::system(cmd.c_str());
  }

  // "$wallet" etc. in a case's argument.
  std::string arg(const std::string& a) const {
    if (a == "$wallet") return wallet;
    if (a == "$keyfile") return keyfile;
    if (a == "$newkey") return keystore + "/new.tmp";
    if (a == "$tor") return tor;
    if (a == "$other") return other;
    if (a == "$abstract") return std::string("@") + abstract_name;
    if (a == "$sibling") return std::to_string(sibling.pid);
    return a;
  }
  ProbeOptions options(const std::string& policy) const {
    ProbeOptions o;
    if (policy == "keyd") {
      o.spawn_params["keystore"] = keystore;
      o.confine_params["keystore"] = keystore;
    }
    if (policy.starts_with("netd")) o.spawn_params["tor_socket"] = tor;
    return o;
  }
};

World* world = nullptr;

class Env : public ::testing::Environment {
 public:
  void SetUp() override { world = new World(); }
  void TearDown() override { delete world; }
};
const auto* env = ::testing::AddGlobalTestEnvironment(new Env);

struct Case {
  const char* name;
  const char* policy;
  const char* check;
  const char* arg;
  const char* expect;  // "SIGSYS", "ok", or "errno=NAME"
  const char* why;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class Escape : public ::testing::TestWithParam<Case> {};

TEST_P(Escape, FailsExactlyAsDeclared) {
  const Case& c = GetParam();
  ProbeRun r = run_probe(c.policy, c.check, world->arg(c.arg), world->options(c.policy));
  ASSERT_TRUE(r.spawn_error.empty()) << r.describe();
  // Every probe got as far as its lock-down report: the failure below is
  // the rule's, not a start-up problem.
  ASSERT_NE(r.out.find("REPORT "), std::string::npos) << r.describe();
  if (std::string(c.expect) == "SIGSYS") {
    EXPECT_FALSE(r.exited) << c.why << ": " << r.describe();
    EXPECT_EQ(r.signal, SIGSYS) << c.why << ": " << r.describe();
    EXPECT_EQ(r.result(), "") << "the call returned instead of being killed";
  } else {
    std::string expect = c.expect;
    // Abstract-socket scoping needs Landlock ABI 6. Below it (Debian 12's
    // stock kernel has ABI 2) netd-transproxy, which shares the host's network
    // namespace, can reach the host's abstract sockets: a documented gap
    // (policies/apparmor/README.md), asserted as such so the test says which
    // kernel it ran on rather than failing or passing silently.
    if (std::string(c.name) == "transproxy_abstract_socket" && sandbox::landlock_abi() < 6) {
      expect = "ok";
    }
    EXPECT_EQ(r.result(), expect) << c.why << ": " << r.describe();
    EXPECT_TRUE(r.exited) << r.describe();
  }
}

// clang-format off
const Case kCases[] = {
  // keyd: no socket of any kind, only its keystore, no other process.
  {"keyd_socket_unix", "keyd", "socket_unix", "", "SIGSYS", "keyd has no socket()"},
  {"keyd_socket_inet", "keyd", "socket_inet", "", "SIGSYS", "keyd has no socket()"},
  {"keyd_socketpair", "keyd", "socketpair", "", "SIGSYS", "keyd has no socketpair()"},
  {"keyd_wallet_db", "keyd", "read", "$wallet", "errno=ENOENT", "the database is not in keyd's view"},
  {"keyd_tor_socket", "keyd", "read", "$tor", "errno=ENOENT", "netd's socket is not in keyd's view"},
  {"keyd_view_file_not_granted", "keyd", "read", "/etc/ld.so.cache", "errno=EACCES", "in the view but not granted by Landlock"},
  {"keyd_host_secret", "keyd", "read", "/etc/shadow", "errno=ENOENT", "the host's /etc is not in the view"},
  {"keyd_proc_after_lockdown", "keyd", "read", "/proc/self/status", "errno=EACCES", "its /proc is for start-up; Landlock closes it"},
  {"keyd_reads_keystore", "keyd", "read", "$keyfile", "ok", "its own keystore (positive)"},
  {"keyd_writes_keystore", "keyd", "write", "$newkey", "ok", "its own keystore (positive)"},
  {"keyd_write_tmp", "keyd", "write", "/tmp/escape", "errno=EROFS", "the view's root is read-only"},
  {"keyd_ptrace_sibling", "keyd", "ptrace", "$sibling", "SIGSYS", "no ptrace"},
  {"keyd_signal_sibling", "keyd", "kill", "$sibling", "SIGSYS", "signals to itself only"},
  {"keyd_signal_self", "keyd", "kill_self", "", "ok", "raise/abort still work (positive)"},
  {"keyd_execve", "keyd", "execve", "", "SIGSYS", "no exec after start-up"},
  {"keyd_execveat", "keyd", "execveat", "", "SIGSYS", "no exec after start-up"},
  {"keyd_fork", "keyd", "fork", "", "SIGSYS", "clone only with thread flags"},
  {"keyd_clone3", "keyd", "clone3", "", "errno=ENOSYS", "clone3 answered ENOSYS (glibc falls back to clone)"},
  {"keyd_io_uring_setup", "keyd", "io_uring_setup", "", "SIGSYS", "io_uring bypasses the socket filter"},
  {"keyd_io_uring_enter", "keyd", "io_uring_enter", "", "SIGSYS", "no io_uring"},
  {"keyd_io_uring_register", "keyd", "io_uring_register", "", "SIGSYS", "no io_uring"},
  {"keyd_bpf", "keyd", "bpf", "", "SIGSYS", "no bpf"},
  {"keyd_keyctl", "keyd", "keyctl", "", "SIGSYS", "no kernel keyring"},
  {"keyd_add_key", "keyd", "add_key", "", "SIGSYS", "no kernel keyring"},
  {"keyd_request_key", "keyd", "request_key", "", "SIGSYS", "no kernel keyring"},
  {"keyd_mount", "keyd", "mount", "", "SIGSYS", "no mount after set-up"},
  {"keyd_umount2", "keyd", "umount2", "", "SIGSYS", "no umount after set-up"},
  {"keyd_pivot_root", "keyd", "pivot_root", "", "SIGSYS", "no pivot_root after set-up"},
  {"keyd_unshare", "keyd", "unshare", "", "SIGSYS", "no new namespaces after set-up"},
  {"keyd_setns", "keyd", "setns", "", "SIGSYS", "no joining namespaces"},
  {"keyd_process_vm_readv", "keyd", "process_vm_readv", "", "SIGSYS", "no cross-process memory"},
  {"keyd_process_vm_writev", "keyd", "process_vm_writev", "", "SIGSYS", "no cross-process memory"},
  {"keyd_perf_event_open", "keyd", "perf_event_open", "", "SIGSYS", "no perf (side channels)"},
  {"keyd_userfaultfd", "keyd", "userfaultfd", "", "SIGSYS", "no userfaultfd (race amplifier)"},
  {"keyd_landlock", "keyd", "landlock_create_ruleset", "", "SIGSYS", "no further Landlock calls"},
  {"keyd_x32_abi", "keyd", "x32_getpid", "", "SIGSYS", "x32 syscall numbers are killed"},
  {"keyd_i386_abi", "keyd", "i386_getpid", "", "SIGSYS", "int 0x80 (i386 ABI) is killed"},
  // netd: Unix sockets only, and only the Tor socket is reachable.
  {"netd_socket_inet", "netd", "socket_inet", "", "SIGSYS", "no IP socket"},
  {"netd_socket_inet6", "netd", "socket_inet6", "", "SIGSYS", "no IP socket"},
  {"netd_socket_netlink", "netd", "socket_netlink", "", "SIGSYS", "AF_UNIX only"},
  {"netd_socket_unix", "netd", "socket_unix", "", "ok", "AF_UNIX allowed (positive)"},
  {"netd_connects_tor", "netd", "connect_unix", "$tor", "ok", "the Tor socket is reachable (positive)"},
  {"netd_other_unix_socket", "netd", "connect_unix", "$other", "errno=ENOENT", "no other socket in the view"},
  {"netd_abstract_socket", "netd", "connect_unix", "$abstract", "errno=ECONNREFUSED", "abstract sockets live in the host netns, not netd's empty one"},
  {"netd_keystore", "netd", "read", "$keyfile", "errno=EACCES", "openat answers EACCES in netd"},
  {"netd_wallet_db", "netd", "read", "$wallet", "errno=EACCES", "openat answers EACCES in netd"},
  {"netd_execve", "netd", "execve", "", "SIGSYS", "no exec"},
  {"netd_fork", "netd", "fork", "", "SIGSYS", "threads only"},
  {"netd_io_uring_setup", "netd", "io_uring_setup", "", "SIGSYS", "io_uring would connect unfiltered"},
  {"netd_ptrace_sibling", "netd", "ptrace", "$sibling", "SIGSYS", "no ptrace"},
  {"netd_signal_sibling", "netd", "kill", "$sibling", "SIGSYS", "signals to itself only"},
  {"netd_socketpair", "netd", "socketpair", "", "SIGSYS", "no socketpair"},
  {"netd_bpf", "netd", "bpf", "", "SIGSYS", "no bpf"},
  {"netd_x32_abi", "netd", "x32_getpid", "", "SIGSYS", "x32 killed"},
  // netd-transproxy: IP sockets allowed (the OS torifies), nothing else.
  {"transproxy_socket_inet", "netd-transproxy", "socket_inet", "", "ok", "direct TCP in transproxy mode (positive)"},
  {"transproxy_socket_inet6", "netd-transproxy", "socket_inet6", "", "ok", "direct TCP in transproxy mode (positive)"},
  {"transproxy_socket_netlink", "netd-transproxy", "socket_netlink", "", "SIGSYS", "no netlink"},
  {"transproxy_abstract_socket", "netd-transproxy", "connect_unix", "$abstract", "errno=EPERM", "host netns, but Landlock (ABI 6) scopes abstract sockets"},
  {"transproxy_execve", "netd-transproxy", "execve", "", "SIGSYS", "no exec"},
  // ui: no network, a read-only view, terminal data only.
  {"ui_socket_unix", "ui", "socket_unix", "", "SIGSYS", "ui has no socket()"},
  {"ui_socket_inet", "ui", "socket_inet", "", "SIGSYS", "ui has no socket()"},
  {"ui_wallet_db", "ui", "read", "$wallet", "errno=ENOENT", "the database is not in ui's view"},
  {"ui_keystore", "ui", "read", "$keyfile", "errno=ENOENT", "keyd's files are not in ui's view"},
  {"ui_view_file_not_granted", "ui", "read", "/etc/ld.so.cache", "errno=EACCES", "in the view but not granted by Landlock"},
  {"ui_host_secret", "ui", "read", "/etc/shadow", "errno=ENOENT", "the host's /etc is not in the view"},
  {"ui_proc_after_lockdown", "ui", "read", "/proc/self/status", "errno=EACCES", "its /proc is for start-up; Landlock closes it"},
  {"ui_terminfo_not_granted", "ui", "read", "/lib/terminfo/l/linux", "errno=EACCES", "the ui draws VT100 itself: no terminal data granted"},
  {"ui_write_tmp", "ui", "write", "/tmp/escape", "errno=EROFS", "read-only view"},
  {"ui_ptrace_sibling", "ui", "ptrace", "$sibling", "SIGSYS", "no ptrace"},
  {"ui_signal_sibling", "ui", "kill", "$sibling", "SIGSYS", "signals to itself only"},
  {"ui_execve", "ui", "execve", "", "SIGSYS", "no exec"},
  {"ui_io_uring_setup", "ui", "io_uring_setup", "", "SIGSYS", "no io_uring"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Rules, Escape, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace redoubt::sandbox::testing
