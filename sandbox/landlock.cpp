#include "sandbox/landlock.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "sandbox/spawn.h"

namespace redoubt::sandbox {
namespace {

namespace fs = policies::fs;

// The uapi as of Linux 6.12 (ABI 6; ABI 7 adds only audit-log flags).
// Debian 12's linux/landlock.h stops at ABI 2, so the structs and constants
// are spelled out here (include/uapi/linux/landlock.h).
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;  // ABI 4
  uint64_t scoped;              // ABI 6
};
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
constexpr uint32_t kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;
constexpr uint64_t kNetBindTcp = 1ULL << 0;
constexpr uint64_t kNetConnectTcp = 1ULL << 1;
constexpr uint64_t kScopeAbstractUnixSocket = 1ULL << 0;
constexpr uint64_t kScopeSignal = 1ULL << 1;

// Rights that apply to a file (not a directory) in a path rule.
constexpr uint64_t kFileRights =
    fs::kExecute | fs::kWriteFile | fs::kReadFile | fs::kTruncate | fs::kIoctlDev;

uint64_t fs_rights_for_abi(int abi) {
  uint64_t all = (fs::kMakeSym << 1) - 1;  // ABI 1: bits 0..12
  if (abi >= 2) all |= fs::kRefer;
  if (abi >= 3) all |= fs::kTruncate;
  if (abi >= 5) all |= fs::kIoctlDev;
  return all;
}

std::string rights_text(uint64_t r) {
  static const char* names[] = {"execute",    "write_file",  "read_file", "read_dir",
                                "remove_dir", "remove_file", "make_char", "make_dir",
                                "make_reg",   "make_sock",   "make_fifo", "make_block",
                                "make_sym",   "refer",       "truncate",  "ioctl_dev"};
  std::string out;
  for (int i = 0; i < 16; ++i)
    if (r & (1ULL << i)) out += (out.empty() ? "" : ",") + std::string(names[i]);
  return out;
}

}  // namespace

int landlock_abi() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

bool expand(const std::string& path, const std::map<std::string, std::string>& params,
            std::string& out) {
  out.clear();
  for (size_t i = 0; i < path.size();) {
    if (path[i] != '{') {
      out += path[i++];
      continue;
    }
    size_t end = path.find('}', i);
    if (end == std::string::npos) throw SandboxError("unterminated {parameter} in " + path);
    auto it = params.find(path.substr(i + 1, end - i - 1));
    if (it == params.end() || it->second.empty()) return false;
    out += it->second;
    i = end + 1;
  }
  return true;
}

LandlockReport apply_landlock(const policies::Policy& policy,
                              const std::map<std::string, std::string>& params, int max_abi) {
  LandlockReport rep;
  rep.abi = landlock_abi();
  if (rep.abi == 0) {
    rep.notes.push_back(
        "Landlock unavailable (kernel without it, or lsm= omits it): "
        "filesystem rules rest on the view and AppArmor");
    return rep;
  }
  int abi = max_abi > 0 && max_abi < rep.abi ? max_abi : rep.abi;
  if (abi != rep.abi)
    rep.notes.push_back("Landlock ABI capped at " + std::to_string(abi) + " (kernel has " +
                        std::to_string(rep.abi) + ")");
  // What each missing ABI level costs, said once each.
  if (abi < 2) rep.notes.push_back("ABI < 2: no REFER right; files cannot be moved across dirs");
  if (abi < 3) rep.notes.push_back("ABI < 3: truncate() not restricted by Landlock");
  if (abi < 4)
    rep.notes.push_back(
        "ABI < 4: TCP bind/connect not restricted by Landlock; seccomp's "
        "socket() filter and the empty network namespace hold");
  if (abi < 5) rep.notes.push_back("ABI < 5: device ioctls not restricted by Landlock");
  if (abi < 6)
    rep.notes.push_back(
        "ABI < 6: abstract Unix sockets and signals not scoped by Landlock; "
        "the network and pid namespaces hold");

  RulesetAttr attr{};
  attr.handled_access_fs = fs_rights_for_abi(abi);
  if (abi >= 4) {
    attr.handled_access_net =
        kNetBindTcp | (policy.landlock_allow_tcp_connect ? 0 : kNetConnectTcp);
  }
  if (abi >= 6 && policy.landlock_scope) attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
  // The kernel takes the struct size of the ABI it is given (ABI 1-3: 8 bytes).
  size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 16 : 8;
  int rs = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (rs < 0) throw SandboxError(std::string("landlock_create_ruleset: ") + strerror(errno));

  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } guard{rs};
  for (const auto& rule : policy.landlock_paths) {
    std::string path;
    if (!expand(rule.path, params, path)) {
      rep.notes.push_back("Landlock rule " + rule.path + " left out (parameter not given)");
      continue;
    }
    int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
      // A path missing from the view grants nothing: nothing to allow.
      rep.notes.push_back("Landlock rule " + path + " left out (" + strerror(errno) + ")");
      continue;
    }
    struct stat st;
    uint64_t rights = rule.rights & attr.handled_access_fs;
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) rights &= kFileRights;
    PathBeneathAttr pb{rights, fd};
    long rc = syscall(SYS_landlock_add_rule, rs, kRulePathBeneath, &pb, 0);
    int err = errno;
    close(fd);
    if (rc != 0) throw SandboxError("landlock_add_rule " + path + ": " + strerror(err));
    rep.applied.push_back(path + ": " + rights_text(rights));
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    throw SandboxError(std::string("no_new_privs: ") + strerror(errno));
  if (syscall(SYS_landlock_restrict_self, rs, 0) != 0)
    throw SandboxError(std::string("landlock_restrict_self: ") + strerror(errno));
  rep.applied_abi = abi;
  rep.fs = true;
  rep.tcp = attr.handled_access_net != 0;
  rep.scoped = attr.scoped != 0;
  rep.applied.insert(rep.applied.begin(),
                     "handled fs rights: " + rights_text(attr.handled_access_fs));
  if (rep.tcp)
    rep.applied.push_back(std::string("TCP: bind denied") + (policy.landlock_allow_tcp_connect
                                                                 ? ", connect allowed"
                                                                 : ", connect denied"));
  if (rep.scoped) rep.applied.push_back("scoped: abstract Unix sockets, signals");
  return rep;
}

std::string landlock_summary(const LandlockReport& r) {
  if (r.applied_abi == 0) return "unavailable";
  std::string s;
  auto add = [&s](bool on, const char* what) {
    if (!on) return;
    if (!s.empty()) s += "+";
    s += what;
  };
  add(r.fs, "fs");
  add(r.tcp, "net");
  add(r.scoped, "scope");
  return s.empty() ? "none" : s;
}

}  // namespace redoubt::sandbox
