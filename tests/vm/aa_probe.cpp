// AppArmor escape probe for the VM test (scripts/vm-apparmor-test): run as a
// Redoubt process under that process's profile, it tries what the profile
// forbids and what it must allow, and reports one `VMTEST PASS|FAIL|INFO` line
// per check. The broker role starts each child the way the broker does:
// socketpair on fd 3, aa_change_onexec("redoubt-<role>"), exec.
//
//   redoubt-vm-probe broker DATA CHILD_DIR RUNTIME  as /usr/bin/redoubt (profile redoubt)
//   redoubt-vm-probe launch PROFILE EXE ARGS  unconfined start of one child
//   redoubt-vm-probe child-real ROLE DATA     started by sandbox::spawn with ROLE's policy
//   redoubt-vm-probe child ROLE DATA [TAG]    checks for keyd|netd|netd-transproxy|ui,
//                                             reported as TAG.check (default ROLE)
//   redoubt-vm-probe listen PATH              a Unix socket that accepts and closes
#include <fcntl.h>
#include <sched.h>
#include <sys/apparmor.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sandbox/spawn.h"

namespace redoubt::vmtest {
namespace {

FILE* g_out = stdout;  // the broker prints; a child reports over fd 3
std::string g_role;

void report(const char* verdict, const std::string& check, const std::string& why = "") {
  std::fprintf(g_out, "VMTEST %s %s.%s%s%s\n", verdict, g_role.c_str(), check.c_str(),
               why.empty() ? "" : " ", why.c_str());
  std::fflush(g_out);
}

std::string describe(int rc, int err) {
  if (rc >= 0) return "succeeded";
  return std::string("errno ") + strerrorname_np(err);
}

// A denied call must fail with exactly `want` (AppArmor answers EACCES).
void expect_errno(const std::string& check, int rc, int want) {
  int err = errno;
  if (rc < 0 && err == want)
    report("PASS", check);
  else
    report("FAIL", check, "want " + std::string(strerrorname_np(want)) + ", " + describe(rc, err));
  if (rc >= 0) close(rc);
}

void expect_ok(const std::string& check, int rc) {
  int err = errno;
  if (rc >= 0)
    report("PASS", check);
  else
    report("FAIL", check, "want success, " + describe(rc, err));
}

void check_label(const std::string& want) {
  char* label = nullptr;
  char* mode = nullptr;
  if (aa_getcon(&label, &mode) < 0) {
    report("FAIL", "label", std::string("aa_getcon: ") + strerror(errno));
    return;
  }
  std::string got = std::string(label) + " (" + (mode ? mode : "") + ")";
  free(label);  // aa_getcon: one allocation holds label and mode
  if (got == want + " (enforce)")
    report("PASS", "label");
  else
    report("FAIL", "label", "want " + want + " (enforce), got " + got);
}

int open_file(const std::string& path, int flags) {
  return open(path.c_str(), flags | O_CLOEXEC, 0600);
}

int connect_unix(const char* path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  close(fd);
  errno = err;
  return rc;
}

// execve in a forked child, so an allowed exec cannot replace the probe; the
// child exits with the errno of a failed execve.
int try_exec() {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    char* argv[] = {const_cast<char*>("true"), nullptr};
    execv("/bin/busybox", argv);
    _exit(errno);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    errno = WEXITSTATUS(status);
    return -1;
  }
  return 0;
}

// aa_change_onexec in a forked child, so a permitted change cannot affect a
// later exec of the probe itself.
int try_onexec(const char* profile) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) _exit(aa_change_onexec(profile) == 0 ? 0 : errno);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    errno = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
    return -1;
  }
  return 0;
}

void check_no_ip(bool transproxy) {
  if (transproxy) {
    expect_ok("inet_stream_socket", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    expect_errno("inet_dgram_socket", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), EACCES);
    expect_errno("inet6_dgram_socket", socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), EACCES);
  } else {
    expect_errno("inet_socket", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), EACCES);
    expect_errno("inet_dgram_socket", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), EACCES);
    expect_errno("inet6_socket", socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), EACCES);
  }
  expect_errno("netlink_socket", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0), EACCES);
}

void run_child_checks(const std::string& role, const std::string& data) {
  const std::string wallet = data + "/regtest/wallet.sqlite";
  const std::string keystore = data + "/regtest/keyd/keystore";
  const bool netd = role == "netd" || role == "netd-transproxy";

  check_label("redoubt-" + role);
  check_no_ip(role == "netd-transproxy");
  expect_errno("open_wallet_db", open_file(wallet, O_RDONLY), EACCES);
  if (role == "keyd") {
    expect_ok("read_keystore", open_file(keystore, O_RDONLY));
    expect_ok("write_keystore_dir", open_file(data + "/regtest/keyd/new", O_WRONLY | O_CREAT));
  } else {
    expect_errno("open_keystore", open_file(keystore, O_RDONLY), EACCES);
  }
  expect_errno("write_tmp", open_file("/tmp/escape-" + role, O_WRONLY | O_CREAT), EACCES);
  expect_errno("read_shadow", open_file("/etc/shadow", O_RDONLY), EACCES);
  expect_errno("exec", try_exec(), EACCES);
  // The broker (our parent) is in profile redoubt: no ptrace of it, no
  // signal to it (SIGURG would be ignored if it were delivered). Inside a
  // sandbox view the user namespace refuses ptrace first (EPERM, from the
  // capability check that runs before AppArmor).
  const bool in_view = g_role.ends_with("-view");
  expect_errno("ptrace_broker", static_cast<int>(ptrace(PTRACE_ATTACH, getppid(), 0, 0)),
               in_view ? EPERM : EACCES);
  expect_errno("signal_broker", kill(getppid(), SIGURG), EACCES);
  if (netd) {
    expect_ok("unix_socket", socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    expect_ok("connect_tor_socket", connect_unix("/run/tor/socks"));
    // AppArmor 3 on Linux 6.1 does not mediate connect() by path: netd's
    // mount namespace is what hides other sockets (ENOENT in a view).
    // Recorded, not asserted.
    int rc = connect_unix("/run/other.sock");
    report("INFO", "connect_other_unix_socket",
           describe(rc, errno) + " (AppArmor does not mediate the path; the view decides)");
  }
  // The ui draws plain VT100 itself: its profile grants no terminal data.
  if (role == "ui")
    expect_errno("read_terminfo", open_file("/lib/terminfo/l/linux", O_RDONLY), EACCES);
}

// A child started by sandbox::spawn: its view has no /proc (the broker
// reads its label) and holds only its policy's binds.
int child_real_main(const std::string& role, const std::string& data) {
  g_out = fdopen(3, "r+");
  if (!g_out) return 2;
  g_role = role + "-real";
  char ping[8] = {};
  if (!std::fgets(ping, sizeof ping, g_out) || std::strcmp(ping, "ping\n") != 0)
    report("FAIL", "channel", "no ping from the broker");
  else
    report("PASS", "channel");
  check_no_ip(false);
  if (role == "keyd")
    expect_ok("write_keystore_dir", open_file(data + "/regtest/keyd/new-real", O_WRONLY | O_CREAT));
  if (role == "netd") expect_ok("connect_tor_socket", connect_unix("/run/tor/socks"));
  std::fprintf(g_out, "VMTEST END %s\n", role.c_str());
  std::fflush(g_out);
  if (!std::fgets(ping, sizeof ping, g_out)) return 0;
  return 0;
}

// The child side: report over the inherited channel (fd 3). The profile
// does not let a child write to the console it may have inherited.
int child_main(const std::string& role, const std::string& data, const std::string& tag) {
  g_out = fdopen(3, "r+");
  if (!g_out) return 2;
  g_role = tag;
  char ping[8] = {};
  if (!std::fgets(ping, sizeof ping, g_out) || std::strcmp(ping, "ping\n") != 0)
    report("FAIL", "channel", "no ping from the broker");
  else
    report("PASS", "channel");
  run_child_checks(role, data);
  std::fprintf(g_out, "VMTEST END %s\n", role.c_str());
  std::fflush(g_out);
  // Stay alive until the broker has read our label from /proc.
  if (!std::fgets(ping, sizeof ping, g_out)) return 0;
  return 0;
}

bool write_file(const char* path, const std::string& text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

// The shape of the sandbox the broker builds between fork and exec
// (sandbox/): new user, mount, network and ipc namespaces; a tmpfs root in
// the runtime dir holding binds of the host's directories at their own
// paths (so path rules mean the same inside); pivot_root. Run under the
// broker's profile, it proves that profile lets the broker build such a
// view, and that the children's rules hold inside it. Returns the failed
// step, or nullptr.
const char* enter_view(const std::string& dir) {
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) != 0) return "unshare";
  if (!write_file("/proc/self/setgroups", "deny")) return "setgroups";
  if (!write_file("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1"))
    return "uid_map";
  if (!write_file("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1"))
    return "gid_map";
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return "make-private";
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return "mkdir";
  if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) return "tmpfs";
  for (const char* d : {"usr", "lib", "lib64", "bin", "etc", "root", "dev", "proc", "run/tor"}) {
    struct stat st;
    if (lstat((std::string("/") + d).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    std::string target = dir;
    for (const char* p = d;; ++p) {  // mkdir -p
      if (*p == '/' || *p == 0) {
        target = dir + "/" + std::string(d, static_cast<size_t>(p - d));
        if (mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) return "mkdir-bind";
      }
      if (*p == 0) break;
    }
    if (mount((std::string("/") + d).c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr))
      return "bind";
  }
  if (mount(nullptr, (dir + "/usr").c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr))
    return "remount-ro";
  if (mkdir((dir + "/tmp").c_str(), 01777) != 0 || mkdir((dir + "/old").c_str(), 0700) != 0)
    return "mkdir-tmp";
  if (syscall(SYS_pivot_root, dir.c_str(), (dir + "/old").c_str()) != 0) return "pivot_root";
  if (chdir("/") != 0) return "chdir";
  if (umount2("/old", MNT_DETACH) != 0) return "umount-old";
  return nullptr;
}

// What `redoubt audit` does: read a child's confinement from the kernel
// (/proc/PID/attr/current), from outside the child.
void check_peer_label(pid_t pid, const std::string& profile) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/attr/current", static_cast<int>(pid));
  char buf[256] = {};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  int err = errno;
  if (fd >= 0) close(fd);
  std::string got = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  while (!got.empty() && (got.back() == '\n' || got.back() == '\0')) got.pop_back();
  if (n < 0)
    report("FAIL", "sees_label." + profile, std::string("read ") + path + ": " + strerror(err));
  else if (got != profile + " (enforce)")
    report("FAIL", "sees_label." + profile, "got " + got);
  else
    report("PASS", "sees_label." + profile);
}

// The broker's side of a child's report: sends the ping, prints the
// child's lines, checks its label from outside, lets it exit.
bool relay(pid_t pid, int fd, const std::string& profile) {
  FILE* ch = fdopen(fd, "r+");
  std::fputs("ping\n", ch);
  std::fflush(ch);
  bool ended = false;
  char line[512];
  while (!ended && std::fgets(line, sizeof line, ch)) {
    if (std::strncmp(line, "VMTEST END ", 11) == 0)
      ended = true;
    else
      std::fputs(line, stdout);
  }
  std::fflush(stdout);
  if (ended) check_peer_label(pid, profile);
  std::fputs("bye\n", ch);
  std::fflush(ch);
  std::fclose(ch);
  int status = 0;
  waitpid(pid, &status, 0);
  std::fflush(stdout);
  if (!ended)
    std::printf("VMTEST FAIL spawn.%s report incomplete (status %d)\n", profile.c_str(), status);
  return ended;
}

// The real path: sandbox::spawn with the process's policy, exactly as the
// broker starts it (namespaces, the private view, the AppArmor exec label,
// capabilities dropped, no_new_privs). The child's view holds only what its
// policy binds, so it checks the AppArmor rules that reach into the view.
bool spawn_real(const std::string& role, const std::string& exe, const std::string& data) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return false;
  signal(SIGPIPE, SIG_IGN);
  sandbox::SpawnSpec spec;
  spec.path = exe;
  spec.argv = {exe, "child-real", role, data};
  spec.channel_fd = sv[1];
  spec.policy = role;
  spec.params = {{"tor_socket", "/run/tor/socks"}, {"keystore", data + "/regtest/keyd"}};
  std::string failure;
  pid_t pid = -1;
  try {
    pid = sandbox::spawn(spec, &failure);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  close(sv[1]);
  if (pid < 0 || !failure.empty()) {
    std::printf("VMTEST FAIL spawn-real.redoubt-%s %s\n", role.c_str(), failure.c_str());
    if (pid > 0) waitpid(pid, nullptr, 0);
    close(sv[0]);
    return false;
  }
  return relay(pid, sv[0], "redoubt-" + role);
}

// Starts `exe args` the broker's way, in AppArmor profile `onexec` (none:
// a plain exec, where the caller's exec rules decide), relays its report and
// checks from outside that it runs in profile `expect`. Returns false when
// the child did not finish its report.
bool spawn_child(const std::string& onexec, const std::string& expect,
                 const std::vector<std::string>& cmd, const std::string& view = "") {
  const std::string& profile = expect;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return false;
  // A child that died early must not take the reporter with it.
  signal(SIGPIPE, SIG_IGN);
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);
    if (dup2(sv[1], 3) != 3) _exit(126);
    if (const char* step = view.empty() ? nullptr : enter_view(view)) {
      dprintf(3, "VMTEST FAIL view.%s %s: %s\n", expect.c_str(), step, strerror(errno));
      _exit(126);
    }
    if (!onexec.empty() && aa_change_onexec(onexec.c_str()) != 0) {
      dprintf(3, "VMTEST FAIL spawn.%s aa_change_onexec: %s\n", profile.c_str(), strerror(errno));
      _exit(126);
    }
    std::vector<char*> argv;
    for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    dprintf(3, "VMTEST FAIL spawn.%s exec %s: %s\n", profile.c_str(), argv[0], strerror(errno));
    _exit(127);
  }
  close(sv[1]);
  return relay(pid, sv[0], expect);
}

int broker_main(const std::string& data, const std::string& child_dir, const std::string& runtime) {
  g_role = "broker";
  check_label("redoubt");
  check_no_ip(false);
  expect_ok("write_wallet_db", open_file(data + "/regtest/wallet.sqlite", O_RDWR));
  expect_errno("open_keystore", open_file(data + "/regtest/keyd/keystore", O_RDONLY), EACCES);
  expect_errno("read_shadow", open_file("/etc/shadow", O_RDONLY), EACCES);
  expect_errno("exec_shell", try_exec(), EACCES);
  for (const char* role : {"keyd", "netd", "netd-transproxy", "ui"}) {
    std::string exe =
        child_dir + "/redoubt-" + (std::strncmp(role, "netd", 4) == 0 ? "netd" : role);
    std::string profile = std::string("redoubt-") + role;
    spawn_child(profile, profile, {exe, "child", role, data});
  }
  // Without aa_change_onexec the broker's `px` rule must still confine.
  spawn_child("", "redoubt-ui", {child_dir + "/redoubt-ui", "child", "ui", data, "ui-px"});
  // keyd and netd again, each in a sandbox view built under the broker's
  // profile.
  for (const char* role : {"keyd", "netd"}) {
    std::string profile = std::string("redoubt-") + role;
    spawn_child(profile, profile,
                {child_dir + "/" + profile, "child", role, data, std::string(role) + "-view"},
                runtime + "/view-" + role);
  }
  // And through the real spawn (sandbox/spawn.cpp).
  for (const char* role : {"keyd", "netd", "ui"})
    spawn_real(role, child_dir + "/redoubt-" + role, data);
  // no_new_privs set before exec forbids AppArmor to move a confined task
  // into a profile that is not a subset of its own (the kernel's
  // "no new privs" rule); sandbox::spawn and the broker must respect it.
  {
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (aa_change_onexec("redoubt-ui") != 0) _exit(errno == EPERM ? 201 : 202);
      char* argv[] = {const_cast<char*>("redoubt-ui"), nullptr};
      execv((child_dir + "/redoubt-ui").c_str(), argv);
      _exit(errno);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    report("INFO", "nnp_then_onexec",
           code == 201     ? "aa_change_onexec fails with EPERM (no new privs)"
           : code == EPERM ? "exec fails with EPERM (no new privs)"
                           : "exit status " + std::to_string(code));
  }
  // The broker may change only into its children's profiles.
  expect_errno("onexec_unconfined", try_onexec("unconfined"), EACCES);
  expect_errno("onexec_other", try_onexec("redoubt"), EACCES);
  return 0;
}

int listen_main(const char* path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
  unlink(path);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd, 16) != 0) {
    std::perror("listen");
    return 1;
  }
  for (;;) {
    int c = accept(fd, nullptr, nullptr);
    if (c >= 0) close(c);
  }
}

}  // namespace
}  // namespace redoubt::vmtest

int main(int argc, char** argv) {
  using namespace redoubt::vmtest;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "broker") return broker_main(args[1], args[2], args[3]);
  if (args.size() == 3 && args[0] == "child-real") return child_real_main(args[1], args[2]);
  if ((args.size() == 3 || args.size() == 4) && args[0] == "child")
    return child_main(args[1], args[2], args.size() == 4 ? args[3] : args[1]);
  if (args.size() >= 3 && args[0] == "launch") {
    g_role = "launcher";
    return spawn_child(args[1], args[1], {args.begin() + 2, args.end()}) ? 0 : 1;
  }
  if (args.size() == 2 && args[0] == "listen") return listen_main(args[1].c_str());
  std::fprintf(stderr, "usage: see tests/vm/aa_probe.cpp\n");
  return 2;
}
