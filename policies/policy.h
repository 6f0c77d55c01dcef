// The confinement policy of one Redoubt process, as data: namespaces, the
// seccomp allow-list, Landlock rules, rlimits, the filesystem view and the
// AppArmor profile. One file per process in policies/ fills it in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redoubt::policies {

// Landlock access rights (the kernel's bit values, linux/landlock.h). Named
// here because Debian 12's header stops at ABI 2; sandbox/landlock.cpp drops
// the rights the running kernel's ABI does not know and reports it.
namespace fs {
inline constexpr uint64_t kExecute = 1ULL << 0;
inline constexpr uint64_t kWriteFile = 1ULL << 1;
inline constexpr uint64_t kReadFile = 1ULL << 2;
inline constexpr uint64_t kReadDir = 1ULL << 3;
inline constexpr uint64_t kRemoveDir = 1ULL << 4;
inline constexpr uint64_t kRemoveFile = 1ULL << 5;
inline constexpr uint64_t kMakeChar = 1ULL << 6;
inline constexpr uint64_t kMakeDir = 1ULL << 7;
inline constexpr uint64_t kMakeReg = 1ULL << 8;
inline constexpr uint64_t kMakeSock = 1ULL << 9;
inline constexpr uint64_t kMakeFifo = 1ULL << 10;
inline constexpr uint64_t kMakeBlock = 1ULL << 11;
inline constexpr uint64_t kMakeSym = 1ULL << 12;
inline constexpr uint64_t kRefer = 1ULL << 13;     // ABI 2
inline constexpr uint64_t kTruncate = 1ULL << 14;  // ABI 3
inline constexpr uint64_t kIoctlDev = 1ULL << 15;  // ABI 5
// Shorthands the policy files use.
inline constexpr uint64_t kRead = kReadFile | kReadDir;
inline constexpr uint64_t kReadWrite =
    kRead | kWriteFile | kTruncate | kRemoveFile | kMakeReg | kMakeDir | kRemoveDir;
}  // namespace fs

// One seccomp rule for a syscall that is allowed only with given arguments.
struct ArgRule {
  enum class Kind {
    kArgIn,         // allowed when argument `arg` equals one of `values`
    kArgMaskedIn,   // allowed when (argument `arg` & mask) equals one of `values`
    kArgIsSelfPid,  // allowed when argument `arg` is the caller's own pid
  };
  const char* syscall;
  Kind kind;
  unsigned arg = 0;
  uint64_t mask = 0;
  std::vector<uint64_t> values;
  const char* why;
};

// A named group of syscalls allowed without argument checks.
struct SyscallSet {
  const char* name;
  const char* why;
  std::vector<const char*> syscalls;
};

// A syscall answered with an errno instead of the default kill, because a
// library probes it harmlessly and copes with the failure.
struct ErrnoRule {
  const char* syscall;
  int err;
  const char* why;
};

// A path in the process's private filesystem view (a mount namespace with a
// tmpfs root). `{name}` in a path is replaced from the spawn parameters;
// a bind whose parameter is missing, or whose source does not exist, is
// left out (and the child does not see it at all).
struct Bind {
  std::string path;
  bool writable = false;
};

// A Landlock path rule: `rights` beneath `path` (templated like Bind::path).
struct LandlockPath {
  std::string path;
  uint64_t rights;
};

struct Rlimit {
  int resource;    // RLIMIT_*
  uint64_t value;  // soft and hard (never raised above the current hard limit)
};

struct Policy {
  std::string name;         // "keyd", "netd", "netd-transproxy", "ui", "broker"
  std::string apparmor;     // the AppArmor profile the process runs in
  bool view = true;         // a private mount namespace with a tmpfs root
  int namespaces = 0;       // CLONE_NEW* flags for the child (userns implied by `view`)
  std::vector<Bind> binds;  // what the view holds beyond the base (libraries, /dev nodes)
  bool mount_proc = false;  // a /proc of the child's own pid namespace in the view

  // seccomp: default action kill-process; everything below is the allow-list.
  std::vector<SyscallSet> allow;
  std::vector<ArgRule> allow_if;
  std::vector<ErrnoRule> errno_rules;

  // Landlock: the handled rights are every right the ABI knows; these are
  // the exceptions. TCP bind/connect are handled (denied) unless allowed.
  std::vector<LandlockPath> landlock_paths;
  bool landlock_allow_tcp_connect = false;
  bool landlock_scope = true;  // scope abstract Unix sockets and signals (ABI 6)

  std::vector<Rlimit> rlimits;
};

// The compiled-in policies (the binary carries them: nothing is read from a
// file at run time). Throws std::out_of_range for an unknown name.
const Policy& policy(const std::string& name);
std::vector<std::string> policy_names();

}  // namespace redoubt::policies
