#include "sandbox/confine.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "policies/policy.h"
#include "sandbox/seccomp.h"
#include "sandbox/spawn.h"

namespace redoubt::sandbox {

namespace {

// Threads of this process from /proc/self/status, -1 when unreadable.
int thread_count() {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  const char* t = strstr(buf, "\nThreads:");
  if (t == nullptr) return -1;
  char* end = nullptr;
  long v = strtol(t + 9, &end, 10);
  return end == t + 9 || v < 0 || v > INT_MAX ? -1 : static_cast<int>(v);
}

void exit_on_signal(int sig) {
  _exit(128 + sig);
}

// spawn() makes each child pid 1 of its own pid namespace, and the kernel
// shields a namespace's init from every signal it has no handler for
// (pid_namespaces(7)), even the broker's SIGTERM and the terminal's SIGINT;
// only SIGKILL gets through. A handler that exits gives those signals
// their usual meaning back (exit status 128+N instead of death by N).
void restore_terminating_signals(ConfineReport& rep) {
  if (getpid() != 1) return;
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    struct sigaction cur {};
    if (sigaction(sig, nullptr, &cur) != 0 || cur.sa_handler != SIG_DFL) continue;
    struct sigaction act {};
    act.sa_handler = exit_on_signal;
    sigemptyset(&act.sa_mask);
    if (sigaction(sig, &act, nullptr) != 0)
      rep.notes.push_back(std::string("cannot handle signal ") + sigabbrev_np(sig));
  }
}

}  // namespace

std::string apparmor_label(const std::string& pid) {
  // The AppArmor-specific file first (Linux 5.8+, unambiguous when several
  // LSMs are stacked), then the shared one.
  for (const char* leaf : {"/attr/apparmor/current", "/attr/current"}) {
    std::string path = "/proc/" + pid + leaf;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return std::string("unknown (") + strerror(errno) + ")";
    }
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int err = errno;
    close(fd);
    if (n < 0) {
      // EINVAL: no LSM provides the attribute.
      if (err == EINVAL) return "AppArmor not enabled";
      return std::string("unknown (") + strerror(err) + ")";
    }
    std::string label(buf, static_cast<size_t>(n));
    while (!label.empty() && (label.back() == '\n' || label.back() == '\0')) label.pop_back();
    if (label.empty()) return "AppArmor not enabled";
    return label;
  }
  // Neither file: no LSM attribute directory, or no /proc at all.
  struct stat st;
  if (stat(("/proc/" + pid).c_str(), &st) != 0)
    return std::string("unknown (/proc/") + pid + ": " + strerror(errno) + ")";
  return "AppArmor not enabled";
}

std::string ConfineReport::summary() const {
  std::string s = "policy " + policy + ": seccomp " + (seccomp ? "on" : "OFF") + ", no_new_privs " +
                  (no_new_privs ? "on" : "OFF") + ", dumpable " + (dumpable ? "YES" : "no") +
                  ", Landlock ABI " + std::to_string(landlock.applied_abi) + "/" +
                  std::to_string(landlock.abi) + ", AppArmor " + apparmor_label;
  for (const auto& a : landlock.applied) s += "\n  landlock: " + a;
  for (const auto& n : notes) s += "\n  note: " + n;
  return s;
}

ConfineReport confine_self(const std::string& policy_name, const ConfineParams& params) {
  const policies::Policy* p;
  try {
    p = &policies::policy(policy_name);
  } catch (const std::out_of_range& e) {
    throw SandboxError(e.what());
  }
  ConfineReport rep;
  rep.policy = policy_name;

  // Not dumpable: no core, no ptrace or /proc/PID/mem from a sibling with
  // the same uid. exec reset it, so it is set here, after exec.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    throw SandboxError(std::string("PR_SET_DUMPABLE: ") + strerror(errno));
  rep.dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    throw SandboxError(std::string("PR_SET_NO_NEW_PRIVS: ") + strerror(errno));
  rep.no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
  // spawn() set the rlimits already; set them again for a child started
  // some other way (never raising a hard limit).
  for (const auto& r : p->rlimits) {
    struct rlimit cur;
    if (getrlimit(r.resource, &cur) != 0) continue;
    rlim_t v = r.value;
    if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < v) v = cur.rlim_max;
    struct rlimit want {
      v, v
    };
    if (setrlimit(static_cast<__rlimit_resource>(r.resource), &want) != 0)
      throw SandboxError("setrlimit " + std::to_string(r.resource) + ": " + strerror(errno));
  }

  restore_terminating_signals(rep);

  // Read before Landlock and seccomp close /proc to us.
  rep.apparmor_label = apparmor_label("self");
  if (rep.apparmor_label == "AppArmor not enabled") {
    rep.notes.push_back("AppArmor not enabled: no profile confines this process");
  } else if (!p->apparmor.empty() && rep.apparmor_label != p->apparmor + " (enforce)") {
    rep.notes.push_back("AppArmor label is '" + rep.apparmor_label + "', policy wants '" +
                        p->apparmor + " (enforce)'");
  }

  // Landlock binds only the calling thread (and threads it starts later):
  // a thread already running would stay unrestricted. Refuse rather than
  // leave one.
  int threads = thread_count();
  if (threads > 1)
    throw SandboxError("confine_self must run before any thread starts (" +
                       std::to_string(threads) + " threads)");
  if (threads < 0) rep.notes.push_back("cannot read /proc/self/status: single thread not verified");

  rep.landlock = apply_landlock(*p, params.paths, params.max_landlock_abi);
  for (const auto& n : rep.landlock.notes) rep.notes.push_back(n);

  // Last: the filter forbids the calls made above.
  apply_seccomp(*p, SeccompContext{getpid()});
  rep.seccomp = true;
  return rep;
}

}  // namespace redoubt::sandbox
