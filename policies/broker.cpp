// broker: the supervisor and wallet engine. It is not spawned by the sandbox
// (the user starts it), so `view` is off and its namespaces are the user's.
// It builds its children's sandboxes between fork and exec, which needs
// clone with namespace flags, mount, pivot_root and execve: its filter is
// the loosest, a deny-list in effect (no ptrace, bpf, keyring, io_uring,
// kernel modules, raw IP). Landlock is not applied to the broker: a
// landlocked process may not mount or pivot_root (Documentation/userspace-
// api/landlock.rst), so its children could not get their views; AppArmor
// profile `redoubt` confines its files instead.
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "policies/common.h"
#include "policies/sets.h"

namespace redoubt::policies {

Policy broker_policy() {
  Policy p;
  p.name = "broker";
  p.apparmor = "redoubt";
  p.view = false;
  p.allow = {sets::process(), sets::memory(), sets::event_loop(), sets::signals(), sets::time(),
             sets::threads(), sets::fd_io(),  sets::socket_io(),  sets::random()};
  p.allow.push_back(
      {"files",
       "the wallet database (SQLite), config, the runtime dir",
       {"openat",    "newfstatat", "statx",      "fsync",   "fdatasync",  "ftruncate", "fallocate",
        "renameat2", "rename",     "unlinkat",   "mkdirat", "getdents64", "readlink",  "readlinkat",
        "access",    "faccessat",  "faccessat2", "getcwd",  "chdir",      "fchmod",    "fchown",
        "umask",     "flock",      "fcntl",      "ioctl",   "pipe2",      "dup2"}});
  p.allow.push_back(
      {"supervision",
       "fork+exec of the children with their namespaces and views (sandbox/spawn): "
       "these run in the forked child, under the broker's filter",
       {"clone",   "wait4",  "waitid",      "kill",       "tgkill", "prctl",   "execve",
        "unshare", "mount",  "umount2",     "pivot_root", "mkdir",  "symlink", "setrlimit",
        "capget",  "capset", "close_range", "pidfd_open", "statfs", "chroot"}});
  p.allow.push_back({"ipc_sockets", "socketpairs for the children's channels", {"socketpair"}});
  p.allow_if.push_back({"socket",
                        ArgRule::Kind::kArgIn,
                        0,
                        0,
                        {AF_UNIX},
                        "Unix sockets only (the ui's attach socket); the network is netd's"});
  p.errno_rules = {sets::clone3_enosys()};
  p.rlimits = {{RLIMIT_CORE, 0}};
  return p;
}

}  // namespace redoubt::policies
