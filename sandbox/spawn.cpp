#include "sandbox/spawn.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <sys/apparmor.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "policies/policy.h"
#include "sandbox/view.h"

namespace redoubt::sandbox {
namespace {

// Closes every fd from `first` up, except `keep` (close_range exists since
// Linux 5.9; fall back to a loop over the soft limit).
void close_from(int first, int keep) {
  auto range = [](unsigned lo, unsigned hi) {
    if (lo > hi) return;
    if (syscall(SYS_close_range, lo, hi, 0) == 0) return;
    struct rlimit rl;
    unsigned max = (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
                       ? static_cast<unsigned>(rl.rlim_cur)
                       : 4096;
    for (unsigned fd = lo; fd <= hi && fd < max; ++fd) close(static_cast<int>(fd));
  };
  if (keep >= first) {
    range(static_cast<unsigned>(first), static_cast<unsigned>(keep) - 1);
    range(static_cast<unsigned>(keep) + 1, ~0U);
  } else {
    range(static_cast<unsigned>(first), ~0U);
  }
}

size_t cstrlen(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

// Child side: tells the parent which step failed (through the status pipe)
// and exits. Async-signal-safe: fixed buffer, write(2).
[[noreturn]] void fail(int status_fd, const char* step, int err, int code) {
  char buf[256];
  size_t n = 0;
  auto put = [&](const char* s) {
    for (; *s && n < sizeof buf - 1; ++s) buf[n++] = *s;
  };
  put(step);
  put(": ");
  put(strerrorname_np(err) ? strerrorname_np(err) : "error");
  if (status_fd >= 0) (void)!write(status_fd, buf, n);
  _exit(code);
}

bool write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t len = cstrlen(text);
  bool ok = write(fd, text, len) == static_cast<ssize_t>(len);
  close(fd);
  return ok;
}

// A pipe whose ends sit at fd 10 or above, clear of 0-3 which the child
// rearranges.
bool high_pipe(int fds[2]) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return false;
  for (int i = 0; i < 2; ++i) {
    fds[i] = fcntl(p[i], F_DUPFD_CLOEXEC, 10);
    close(p[i]);
  }
  if (fds[0] >= 0 && fds[1] >= 0) return true;
  for (int i = 0; i < 2; ++i)
    if (fds[i] >= 0) close(fds[i]);
  return false;
}

struct Limit {
  int resource;
  struct rlimit value;
};

}  // namespace

bool apparmor_enabled() {
  static std::once_flag once;
  static bool enabled = false;
  std::call_once(once, [] {
    enabled = aa_is_enabled() == 1;
    if (!enabled) fprintf(stderr, "redoubt: AppArmor not enabled; relying on the other layers\n");
  });
  return enabled;
}

pid_t spawn(const SpawnSpec& spec, std::string* failure) {
  // Build argv, envp and the whole sandbox plan before fork: allocation is
  // not async-signal-safe, and the broker has threads.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t parent = getpid();

  const policies::Policy* policy = nullptr;
  if (!spec.policy.empty()) {
    try {
      policy = &policies::policy(spec.policy);
    } catch (const std::out_of_range& e) {
      throw SandboxError(e.what());
    }
  }
  unsigned long clone_flags = SIGCHLD;
  ViewPlan view;
  std::string uid_map, gid_map, aa_exec;
  std::vector<Limit> limits;
  if (policy) {
    clone_flags |= static_cast<unsigned long>(policy->namespaces);
    if (policy->view) {
      clone_flags |= CLONE_NEWUSER | CLONE_NEWNS;
      view = plan_view(*policy, spec.params, spec.path, spec.extra_binds);
    }
    // Map the broker's ids to root of the child's user namespace. Outside,
    // the child is the broker's user (its files keep their owner). Inside,
    // being uid 0 grants nothing (SECBIT_NOROOT is locked and every
    // capability dropped before exec), but it makes the namespace's root the
    // broker's user, and /proc/PID of a non-dumpable process belongs to that
    // root: so the broker can still audit the child's fds and namespaces,
    // while a sibling (in another user and pid namespace) cannot.
    uid_map = "0 " + std::to_string(geteuid()) + " 1";
    gid_map = "0 " + std::to_string(getegid()) + " 1";
    // libapparmor's aa_change_onexec() allocates (asprintf), which a child
    // of a threaded process must not; this is the write it does, prepared here.
    if (!policy->apparmor.empty() && apparmor_enabled()) aa_exec = "exec " + policy->apparmor;
    for (const auto& r : policy->rlimits) {
      struct rlimit cur;
      if (getrlimit(r.resource, &cur) != 0) continue;
      rlim_t v = r.value;
      if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < v) v = cur.rlim_max;
      limits.push_back({r.resource, {v, v}});
    }
  }

  // Copies of the fds to map (stdio, extras) at fd 10 or above, so that the
  // child's dup2 onto 0-2 and 4+ can never clobber a source it still needs.
  std::array<int, 3> stdio_src = {-1, -1, -1};
  std::vector<int> extra_src;
  auto close_sources = [&] {
    for (int fd : stdio_src)
      if (fd >= 0) close(fd);
    for (int fd : extra_src)
      if (fd >= 0) close(fd);
  };
  if (spec.extra_fds.size() > 5) throw SandboxError("spawn: at most 5 extra fds");
  for (size_t i = 0; i < 3; ++i) {
    if (spec.stdio[i] < 0) continue;
    stdio_src[i] = fcntl(spec.stdio[i], F_DUPFD_CLOEXEC, 10);
    if (stdio_src[i] < 0) {
      int err = errno;
      close_sources();
      throw SandboxError(std::string("stdio fd: ") + strerror(err));
    }
  }
  for (int fd : spec.extra_fds) {
    extra_src.push_back(fcntl(fd, F_DUPFD_CLOEXEC, 10));
    if (extra_src.back() < 0) {
      int err = errno;
      close_sources();
      throw SandboxError(std::string("extra fd: ") + strerror(err));
    }
  }

  int status[2];  // child -> parent: empty at exec, else the failed step
  int alive[2];   // parent -> child: EOF means the parent died
  if (!high_pipe(status)) {
    close_sources();
    throw SandboxError(std::string("pipe: ") + strerror(errno));
  }
  if (!high_pipe(alive)) {
    close(status[0]);
    close(status[1]);
    close_sources();
    throw SandboxError(std::string("pipe: ") + strerror(errno));
  }

  // clone() rather than fork(): the new pid namespace must hold the child
  // itself, not only its children (unshare(CLONE_NEWPID) would do that).
  long rc = syscall(SYS_clone, clone_flags, nullptr, nullptr, nullptr, nullptr);
  if (rc < 0) {
    int err = errno;
    for (int fd : {status[0], status[1], alive[0], alive[1]}) close(fd);
    close_sources();
    throw SandboxError(std::string("clone: ") + strerror(err) +
                       (err == EPERM || err == ENOSPC || err == EINVAL
                            ? " (unprivileged user namespaces disabled?)"
                            : ""));
  }
  if (rc > 0) {
    const pid_t pid = static_cast<pid_t>(rc);
    close_sources();
    close(status[1]);
    close(alive[0]);
    // Wait for exec (EOF) or a failure report; keep `alive` open until then.
    std::string msg;
    char buf[256];
    ssize_t n;
    while ((n = read(status[0], buf, sizeof buf)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      msg.append(buf, static_cast<size_t>(n));
    }
    close(status[0]);
    close(alive[1]);
    if (failure) *failure = msg;
    return pid;
  }

  // --- child: async-signal-safe calls only from here on ---
  const int sfd = status[1];
  close(status[0]);
  close(alive[1]);
  // Die with the broker. In a new pid namespace getppid() is 0, so the
  // check that it did not die before this point is the `alive` pipe.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(sfd, "pdeathsig", errno, 126);
  if (!policy && getppid() != parent) _exit(126);
  struct pollfd pfd {
    alive[0], POLLIN, 0
  };
  if (poll(&pfd, 1, 0) == 1) _exit(126);
  close(alive[0]);
  // Signals the broker blocked or ignored must not carry over.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);

  if (spec.channel_fd >= 0) {
    // dup2 clears CLOEXEC on the new fd; if it is already 3, clear it by hand.
    if (spec.channel_fd == 3) {
      if (fcntl(3, F_SETFD, 0) != 0) fail(sfd, "channel fd", errno, 126);
    } else if (dup2(spec.channel_fd, 3) != 3) {
      fail(sfd, "channel fd", errno, 126);
    }
  }
  int null = -1;
  for (int fd = 0; fd <= 2; ++fd) {
    if (stdio_src[fd] >= 0) {
      if (dup2(stdio_src[fd], fd) != fd) fail(sfd, "stdio", errno, 126);
    } else if (!spec.inherit_stdio) {
      if (null < 0 && (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        fail(sfd, "open /dev/null", errno, 126);
      if (dup2(null, fd) != fd) fail(sfd, "stdio", errno, 126);
    }
  }
  // Extras follow the channel (fd 3): 4, 5, ...; without a channel, from 3.
  int next = spec.channel_fd >= 0 ? 4 : 3;
  for (int src : extra_src) {
    if (dup2(src, next) != next) fail(sfd, "extra fd", errno, 126);
    ++next;
  }
  if (spec.new_session && setsid() < 0) fail(sfd, "setsid", errno, 126);
  close_from(next, sfd);

  if (policy) {
    if (clone_flags & CLONE_NEWUSER) {
      // Writing our own single-id maps needs no privilege; setgroups must
      // be denied first (user_namespaces(7)).
      if (!write_file("/proc/self/setgroups", "deny")) fail(sfd, "setgroups", errno, 126);
      if (!write_file("/proc/self/uid_map", uid_map.c_str())) fail(sfd, "uid_map", errno, 126);
      if (!write_file("/proc/self/gid_map", gid_map.c_str())) fail(sfd, "gid_map", errno, 126);
    }
    if (!aa_exec.empty() && !write_file("/proc/self/attr/apparmor/exec", aa_exec.c_str()) &&
        !write_file("/proc/self/attr/exec", aa_exec.c_str()))
      fail(sfd, "AppArmor change_onexec", errno, 126);
    if (policy->view) {
      const ViewOp* bad = nullptr;
      int err = run_view(view, &bad);
      if (err != 0) {
        char step[200] = "view: ";
        size_t n = cstrlen(step);
        for (const char* s = bad->a.c_str(); *s && n < sizeof step - 1; ++s) step[n++] = *s;
        step[n] = 0;
        fail(sfd, step, -err, 126);
      }
    }
    for (const auto& l : limits)
      if (setrlimit(static_cast<__rlimit_resource>(l.resource), &l.value) != 0)
        fail(sfd, "setrlimit", errno, 126);
    // Drop every capability the new user namespace gave us, for good: lock
    // SECBIT_NOROOT so that uid 0 (a root broker) gains none at exec, empty
    // the bounding and ambient sets, then the process sets.
    if (clone_flags & CLONE_NEWUSER) {
      if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                       SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                       SECBIT_NO_CAP_AMBIENT_RAISE |
                                       SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) != 0)
        fail(sfd, "securebits", errno, 126);
      for (int cap = 0; cap <= 63; ++cap)
        if (prctl(PR_CAPBSET_DROP, cap) != 0 && errno != EINVAL) fail(sfd, "capbset", errno, 126);
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
      fail(sfd, "ambient caps", errno, 126);
    struct __user_cap_header_struct hdr {
      _LINUX_CAPABILITY_VERSION_3, 0
    };
    struct __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capset, &hdr, data) != 0) fail(sfd, "capset", errno, 126);
    // no_new_privs before exec, except when AppArmor is to move the child
    // into its own profile: the kernel refuses a profile transition under
    // no_new_privs unless the new profile is a subset of the old one (found
    // by the AppArmor VM test: every child start failed with EPERM). The
    // exec cannot gain privilege anyway (capabilities dropped, SECBIT_NOROOT
    // locked, nosuid view), and the child sets no_new_privs itself in
    // confine_self right after exec, before it reads a byte from the broker.
    if (aa_exec.empty() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      fail(sfd, "no_new_privs", errno, 126);
  }

  execve(spec.path.c_str(), argv.data(), envp.data());
  fail(sfd, "exec", errno, 127);
}

}  // namespace redoubt::sandbox
