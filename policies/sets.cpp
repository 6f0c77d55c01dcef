#include "policies/sets.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <cerrno>

namespace redoubt::policies::sets {

SyscallSet process() {
  return {"process",
          "exit, and reading the process's own identity and limits",
          {"exit", "exit_group", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid",
           "getegid", "getresuid", "getresgid", "prlimit64", "getrlimit", "uname",
           "sched_getaffinity", "sched_yield", "restart_syscall"}};
}

SyscallSet memory() {
  return {"memory",
          "malloc (brk, mmap arenas), thread stacks, kj's guard pages",
          {"brk", "mmap", "munmap", "mremap", "mprotect", "madvise"}};
}

SyscallSet event_loop() {
  return {"event_loop",
          "kj::setupAsyncIo: epoll for readiness, eventfd for cross-thread wake-ups, poll "
          "for blocking waits",
          {"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2",
           "poll", "ppoll"}};
}

SyscallSet signals() {
  return {"signals",
          "kj's UnixEventPort masks and handles signals; glibc's abort() unblocks SIGABRT",
          {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack",
           "signalfd4"}};
}

SyscallSet time() {
  return {"time",
          "timeouts and timers (kj's timer reads CLOCK_MONOTONIC)",
          {"clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday", "nanosleep"}};
}

SyscallSet threads() {
  return {"threads",
          "futex for locks and joins; each new thread registers its robust list and rseq",
          {"futex", "set_robust_list", "get_robust_list", "rseq"}};
}

SyscallSet fd_io() {
  return {"fd_io",
          "reading, writing and closing fds the process already holds",
          {"read", "write", "readv", "writev", "pread64", "pwrite64", "close", "dup", "dup3",
           "fstat", "lseek", "pipe2"}};
}

SyscallSet socket_io() {
  return {"socket_io",
          "messages on connected sockets: the broker channel (fd 3, Cap'n Proto) and, in netd, "
          "the proxy socket; no socket is created with these",
          {"sendmsg", "recvmsg", "sendto", "recvfrom", "shutdown", "getsockopt", "setsockopt",
           "getsockname", "getpeername"}};
}

SyscallSet random() {
  return {"random",
          "OpenSSL's and libsecp256k1's seeding (no fd needed once locked down)",
          {"getrandom"}};
}

ArgRule clone_threads() {
  // pthread_create's flags (glibc 2.36, sysdeps/unix/sysv/linux/createthread.c).
  constexpr uint64_t kThread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                               CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                               CLONE_CHILD_CLEARTID;
  return {
      "clone",   ArgRule::Kind::kArgMaskedIn,
      0,         ~uint64_t{0xff} /* exit signal */,
      {kThread}, "threads only: exactly pthread_create's flags, so no fork and no new namespace"};
}

std::vector<ArgRule> signal_self() {
  return {
      {"kill", ArgRule::Kind::kArgIsSelfPid, 0, 0, {}, "raise() and abort(): own pid only"},
      {"tgkill", ArgRule::Kind::kArgIsSelfPid, 0, 0, {}, "pthread_kill/abort: own threads only"},
  };
}

ArgRule fcntl_basic() {
  return {"fcntl",
          ArgRule::Kind::kArgIn,
          1,
          0,
          {F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD_CLOEXEC},
          "kj sets O_NONBLOCK and FD_CLOEXEC on its fds; no locks, no F_SETOWN"};
}

ArgRule ioctl_basic() {
  return {"ioctl",
          ArgRule::Kind::kArgIn,
          1,
          0,
          {FIOCLEX, FIONCLEX, FIONBIO, FIONREAD, TCGETS},
          "kj's close-on-exec/non-blocking ioctls, FIONREAD, isatty's TCGETS; no device ioctls"};
}

ArgRule fstat_fd() {
  return {"newfstatat",
          ArgRule::Kind::kArgIn,
          3,
          0,
          {AT_EMPTY_PATH},
          "glibc's fstat(fd) is newfstatat(fd, \"\", AT_EMPTY_PATH); no lookup by path"};
}

ErrnoRule clone3_enosys() {
  return {"clone3", ENOSYS,
          "flags live in memory seccomp cannot read; ENOSYS makes glibc fall back to clone(), "
          "whose flags are checked"};
}

}  // namespace redoubt::policies::sets
