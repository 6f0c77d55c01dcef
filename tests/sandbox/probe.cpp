// redoubt-probe: an escape probe that runs exactly like a confined child.
// The test spawns it through sandbox::spawn with a policy (as the broker
// does); it starts kj's event loop and the fd-3 connection with
// ipc::run_child, locks itself down with sandbox::confine_self, then makes
// ONE attempt and prints `RESULT ok` or `RESULT errno=NAME` on stdout. A
// call the filter kills never prints: the test sees SIGSYS in the exit status.
//
// Calls use bubblewrap's try-syscall trick where possible: bad fds and
// pointers, so an allowed call fails harmlessly (EBADF/EFAULT/EINVAL) and
// only a denied one is distinguishable (SIGSYS or the policy's errno).
//
//   redoubt-probe POLICY [--param K=V]... [--max-abi N] CHECK [ARG]
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <capnp/capability.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "ipc/child.h"
#include "sandbox/confine.h"

namespace {

long result(long rc) {
  if (rc < 0)
    std::printf("RESULT errno=%s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
  else
    std::printf("RESULT ok\n");
  std::fflush(stdout);
  return rc;
}

long connect_unix(const char* path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fd;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  socklen_t len = sizeof sa;
  if (path[0] == '@') {  // an abstract socket: a leading NUL, no file
    std::snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "%s", path + 1);
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + strlen(path));
  } else {
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  }
  long rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), len);
  int err = errno;
  close(fd);
  errno = err;
  return rc;
}

// The legacy i386 entry point: the filter's arch check must kill it.
long int80_getpid() {
  long rc;
  asm volatile("int $0x80" : "=a"(rc) : "a"(20L) : "memory");
  return rc;
}

int run_check(const std::string& check, const std::string& arg) {
  const char* a = arg.c_str();
  void* bad = reinterpret_cast<void*>(1);  // a pointer the kernel will reject (EFAULT)
  if (check == "none") return result(0) < 0;
  if (check == "socket_unix") return result(socket(AF_UNIX, SOCK_STREAM, 0)) < 0;
  if (check == "socket_inet") return result(socket(AF_INET, SOCK_STREAM, 0)) < 0;
  // TCP, as netd would use it in transproxy mode (UDP stays denied by the
  // AppArmor profile: netd never resolves names).
  if (check == "socket_inet6") return result(socket(AF_INET6, SOCK_STREAM, 0)) < 0;
  if (check == "socket_netlink") return result(socket(AF_NETLINK, SOCK_RAW, 0)) < 0;
  if (check == "socketpair") return result(socketpair(AF_UNIX, SOCK_STREAM, 0, nullptr)) < 0;
  if (check == "connect_unix") return result(connect_unix(a)) < 0;
  if (check == "read") return result(open(a, O_RDONLY | O_CLOEXEC)) < 0;
  if (check == "write") return result(open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0;
  if (check == "ptrace") return result(ptrace(PTRACE_ATTACH, atoi(a), 0, 0)) < 0;
  if (check == "kill") return result(kill(atoi(a), 0)) < 0;
  if (check == "kill_self") return result(kill(getpid(), 0)) < 0;
  if (check == "execve") return result(syscall(SYS_execve, bad, bad, bad)) < 0;
  if (check == "execveat") return result(syscall(SYS_execveat, -1, bad, bad, bad, 0)) < 0;
  if (check == "fork") {
    long rc = syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (rc == 0) _exit(0);
    return result(rc) < 0;
  }
  if (check == "clone3") return result(syscall(SYS_clone3, bad, 88)) < 0;
  if (check == "io_uring_setup") return result(syscall(SYS_io_uring_setup, 1, bad)) < 0;
  if (check == "io_uring_enter")
    return result(syscall(SYS_io_uring_enter, -1, 0, 0, 0, bad, 0)) < 0;
  if (check == "io_uring_register")
    return result(syscall(SYS_io_uring_register, -1, 0, bad, 0)) < 0;
  if (check == "bpf") return result(syscall(SYS_bpf, 0, bad, 16)) < 0;
  if (check == "keyctl") return result(syscall(SYS_keyctl, 0, bad)) < 0;
  if (check == "add_key") return result(syscall(SYS_add_key, bad, bad, bad, 0, 0)) < 0;
  if (check == "request_key") return result(syscall(SYS_request_key, bad, bad, bad, 0)) < 0;
  if (check == "mount") return result(syscall(SYS_mount, bad, bad, bad, 0, bad)) < 0;
  if (check == "umount2") return result(syscall(SYS_umount2, bad, 0)) < 0;
  if (check == "pivot_root") return result(syscall(SYS_pivot_root, bad, bad)) < 0;
  if (check == "unshare") return result(syscall(SYS_unshare, CLONE_NEWUSER)) < 0;
  if (check == "setns") return result(syscall(SYS_setns, -1, 0)) < 0;
  if (check == "process_vm_readv")
    return result(syscall(SYS_process_vm_readv, 1, bad, 1, bad, 1, 0)) < 0;
  if (check == "process_vm_writev")
    return result(syscall(SYS_process_vm_writev, 1, bad, 1, bad, 1, 0)) < 0;
  if (check == "perf_event_open")
    return result(syscall(SYS_perf_event_open, bad, 0, -1, -1, 0)) < 0;
  if (check == "userfaultfd") return result(syscall(SYS_userfaultfd, -1)) < 0;
  if (check == "x32_getpid") return result(syscall(0x40000000L | SYS_getpid)) < 0;
  if (check == "i386_getpid") return result(int80_getpid() < 0 ? -1 : 0) < 0;
  if (check == "landlock_create_ruleset")
    return result(syscall(SYS_landlock_create_ruleset, bad, 24, 0)) < 0;
  std::fprintf(stderr, "redoubt-probe: unknown check %s\n", check.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: redoubt-probe POLICY [--param K=V]... [--max-abi N] CHECK [ARG]\n");
    return 64;
  }
  std::string policy = argv[1];
  redoubt::sandbox::ConfineParams params;
  int i = 2;
  for (; i + 1 < argc; i += 2) {
    std::string opt = argv[i];
    if (opt == "--param") {
      std::string kv = argv[i + 1];
      size_t eq = kv.find('=');
      if (eq == std::string::npos) return 64;
      params.paths[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (opt == "--max-abi") {
      params.max_landlock_abi = atoi(argv[i + 1]);
    } else {
      break;
    }
  }
  if (i >= argc) return 64;
  std::string check = argv[i];
  std::string arg = i + 1 < argc ? argv[i + 1] : "";

  return redoubt::ipc::run_child(
      [](kj::AsyncIoContext&) -> capnp::Capability::Client {
        return capnp::Capability::Client(capnp::newBrokenCap("the probe offers nothing"));
      },
      [&] {
        // Exactly what a real child's lock_down does.
        auto rep = redoubt::sandbox::confine_self(policy, params);
        std::printf(
            "REPORT abi=%d applied_abi=%d fs=%d tcp=%d scoped=%d seccomp=%d nnp=%d "
            "dumpable=%d\n",
            rep.landlock.abi, rep.landlock.applied_abi, rep.landlock.fs, rep.landlock.tcp,
            rep.landlock.scoped, rep.seccomp, rep.no_new_privs, rep.dumpable);
        std::printf("SUMMARY %s\n", rep.summary().c_str());
        std::fflush(stdout);
      },
      [&](redoubt::ipc::ChildContext& ctx) -> kj::Promise<void> {
        if (check == "sleep") {
          // A sibling that stays up for the others to aim at.
          return ctx.io.provider->getTimer().afterDelay(30 * kj::SECONDS);
        }
        ctx.exit_code = run_check(check, arg);
        return kj::READY_NOW;
      });
}
