#include "sandbox/seccomp.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "sandbox/spawn.h"

namespace redoubt::sandbox {
namespace {

using policies::ArgRule;
using policies::Policy;

struct CtxDeleter {
  void operator()(void* c) const { seccomp_release(static_cast<scmp_filter_ctx>(c)); }
};
using FilterPtr = std::unique_ptr<void, CtxDeleter>;

void check(int rc, const std::string& what) {
  // With SCMP_FLTATR_API_SYSRAWRC, rc is the kernel's -errno, not a generic code.
  if (rc < 0) throw SandboxError("seccomp: " + what + ": " + strerror(-rc));
}

int resolve(const char* name) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) throw SandboxError(std::string("seccomp: unknown syscall ") + name);
  return nr;
}

void add_arg_rule(scmp_filter_ctx ctx, const ArgRule& r, const SeccompContext& sc) {
  const int nr = resolve(r.syscall);
  switch (r.kind) {
    case ArgRule::Kind::kArgIn:
      for (uint64_t v : r.values)
        check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_CMP(r.arg, SCMP_CMP_EQ, v)),
              std::string("rule ") + r.syscall);
      return;
    case ArgRule::Kind::kArgMaskedIn:
      for (uint64_t v : r.values)
        check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                               SCMP_CMP(r.arg, SCMP_CMP_MASKED_EQ, r.mask, v)),
              std::string("rule ") + r.syscall);
      return;
    case ArgRule::Kind::kArgIsSelfPid:
      check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                             SCMP_CMP(r.arg, SCMP_CMP_EQ, static_cast<uint64_t>(sc.self_pid))),
            std::string("rule ") + r.syscall);
      return;
  }
}

FilterPtr build(const Policy& p, const SeccompContext& sc) {
  // Default: kill the whole process. A call outside the list means the
  // process is doing something its code never does, i.e. it is compromised;
  // killing the process (not just the thread) leaves nothing half-running.
  FilterPtr f(seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (!f) throw SandboxError("seccomp_init failed");
  scmp_filter_ctx ctx = f.get();
  check(seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1), "SYSRAWRC");
  // Only the native ABI: i386 (int 0x80) and x32 syscalls take other
  // numbers the allow-list never mentions; the filter kills them outright.
  check(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "BADARCH");
  check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1), "TSYNC");
  check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1), "NNP");
  for (const auto& set : p.allow)
    for (const char* name : set.syscalls)
      check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, resolve(name), 0), std::string("allow ") + name);
  for (const auto& r : p.allow_if) add_arg_rule(ctx, r, sc);
  for (const auto& e : p.errno_rules)
    check(
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(static_cast<uint32_t>(e.err)), resolve(e.syscall), 0),
        std::string("errno ") + e.syscall);
  return f;
}

}  // namespace

std::string export_pfc(const Policy& policy, const SeccompContext& ctx) {
  FilterPtr f = build(policy, ctx);
  // seccomp_export_pfc writes to an fd: collect it through an anonymous
  // memory file (no path on any filesystem).
  int fd = memfd_create("redoubt-pfc", MFD_CLOEXEC);
  if (fd < 0) throw SandboxError(std::string("memfd_create: ") + strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } guard{fd};
  check(seccomp_export_pfc(f.get(), fd), "export_pfc");
  if (lseek(fd, 0, SEEK_SET) != 0) throw SandboxError(std::string("lseek: ") + strerror(errno));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  if (n < 0) throw SandboxError(std::string("read: ") + strerror(errno));
  return out;
}

void apply_seccomp(const Policy& policy, const SeccompContext& ctx) {
  FilterPtr f = build(policy, ctx);
  check(seccomp_load(f.get()), "load");
}

}  // namespace redoubt::sandbox
