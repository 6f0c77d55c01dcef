#include "sandbox/view.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <set>

#include "sandbox/landlock.h"

namespace redoubt::sandbox {
namespace {

// Where the view is assembled: the host's root moves to kOld (bind sources
// are read from there), the view's root is a tmpfs at kNew. The base tmpfs
// holding both is mounted over /tmp of the host, which exists everywhere;
// nothing of the host's /tmp is hidden from the binds (they read it through
// kOld, where the original /tmp sits untouched).
constexpr const char* kBase = "/tmp";
constexpr const char* kOld = "/oldroot";
constexpr const char* kNew = "/newroot";

void add_parents(ViewPlan& plan, std::set<std::string>& made, const std::string& path) {
  for (size_t i = 1; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    std::string dir = path.substr(0, i);
    if (made.insert(dir).second) plan.ops.push_back({ViewOp::Kind::kMkdir, kNew + dir});
  }
}

// True when `path` lies beneath an already bound directory (then the bind
// would be redundant, and a mount point cannot be created in a read-only bind).
bool covered(const std::set<std::string>& bound, const std::string& path) {
  for (const auto& b : bound)
    if (path == b ||
        (path.size() > b.size() && path.compare(0, b.size(), b) == 0 && path[b.size()] == '/'))
      return true;
  return false;
}

unsigned long flags_from_statfs(unsigned long f) {
  // statfs(2) reports ST_* flags; mount(2) wants MS_*. A bind remount in a
  // user namespace must keep the locked flags (nosuid, nodev, noexec, atime)
  // of the source mount, or the kernel refuses it with EPERM.
  unsigned long ms = 0;
  if (f & ST_NOSUID) ms |= MS_NOSUID;
  if (f & ST_NODEV) ms |= MS_NODEV;
  if (f & ST_NOEXEC) ms |= MS_NOEXEC;
  if (f & ST_NOATIME) ms |= MS_NOATIME;
  if (f & ST_NODIRATIME) ms |= MS_NODIRATIME;
  if (f & ST_RELATIME) ms |= MS_RELATIME;
  return ms;
}

}  // namespace

ViewPlan plan_view(const policies::Policy& policy, const std::map<std::string, std::string>& params,
                   const std::string& exe, const std::vector<policies::Bind>& extra) {
  ViewPlan plan;
  using K = ViewOp::Kind;
  plan.ops.push_back({K::kMakePrivate, "/"});
  plan.ops.push_back({K::kTmpfs, kBase});
  plan.ops.push_back({K::kMkdir, std::string(kBase) + kOld});
  plan.ops.push_back({K::kMkdir, std::string(kBase) + kNew});
  plan.ops.push_back({K::kPivot, kBase, std::string(kBase) + kOld});
  plan.ops.push_back({K::kChdir, "/"});
  plan.ops.push_back({K::kTmpfs, kNew});

  std::set<std::string> made{""};
  std::set<std::string> bound;
  std::vector<policies::Bind> binds = policy.binds;
  binds.push_back({exe, false});
  binds.insert(binds.end(), extra.begin(), extra.end());
  for (size_t i = 0; i < binds.size(); ++i) {
    const policies::Bind bind = binds[i];
    std::string path;
    if (!expand(bind.path, params, path) || path.empty() || path[0] != '/') continue;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    if (!S_ISLNK(st.st_mode)) {
      // Bind the real location (a path through /lib resolves into /usr/lib,
      // which is already bound read-only).
      char real[PATH_MAX];
      if (!realpath(path.c_str(), real)) continue;
      path = real;
    }
    if (covered(bound, path)) continue;
    add_parents(plan, made, path);
    if (S_ISLNK(st.st_mode)) {
      if (!made.insert(path).second) continue;
      char target[4096];
      ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      plan.ops.push_back({K::kSymlink, std::string(target, static_cast<size_t>(n)), kNew + path});
      // A symlink is useless without its target: bind that too (a no-op
      // when it lies under a bound directory, as /lib -> usr/lib does).
      char real[PATH_MAX];
      if (realpath(path.c_str(), real)) binds.push_back({real, bind.writable});
      plan.visible.push_back(path + " -> " + std::string(target, static_cast<size_t>(n)));
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (made.insert(path).second) plan.ops.push_back({K::kMkdir, kNew + path});
    } else {
      plan.ops.push_back({K::kMakeFile, kNew + path});
    }
    ViewOp op{K::kBind, kOld + path, kNew + path, !bind.writable};
    op.device = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode);
    plan.ops.push_back(op);
    bound.insert(path);
    plan.visible.push_back(path + (bind.writable ? " (rw)" : " (ro)"));
  }
  if (policy.mount_proc) {
    plan.ops.push_back({K::kMkdir, std::string(kNew) + "/proc"});
    plan.ops.push_back({K::kProc, std::string(kNew) + "/proc"});
    plan.visible.push_back("/proc (own pid namespace)");
  }
  plan.ops.push_back({K::kMkdir, std::string(kNew) + "/tmp"});  // empty and read-only
  plan.ops.push_back({K::kUmount, kOld});
  plan.ops.push_back({K::kRemountRo, kNew});
  plan.ops.push_back({K::kChdir, kNew});
  plan.ops.push_back({K::kPivotHere, "."});
  plan.ops.push_back({K::kUmount, "."});
  plan.ops.push_back({K::kChdir, "/"});
  return plan;
}

int run_view(const ViewPlan& plan, const ViewOp** failed) {
  using K = ViewOp::Kind;
  for (const auto& op : plan.ops) {
    const char* a = op.a.c_str();
    const char* b = op.b.c_str();
    long rc = 0;
    switch (op.kind) {
      case K::kMakePrivate:
        rc = mount(nullptr, a, nullptr, MS_REC | MS_PRIVATE, nullptr);
        break;
      case K::kTmpfs:
        rc = mount("tmpfs", a, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m");
        break;
      case K::kMkdir:
        rc = mkdir(a, 0755);
        if (rc != 0 && errno == EEXIST) rc = 0;
        break;
      case K::kMakeFile: {
        int fd = open(a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        rc = fd < 0 ? -1 : close(fd);
        break;
      }
      case K::kSymlink:
        rc = symlink(a, b);
        break;
      case K::kBind: {
        rc = mount(a, b, nullptr, MS_BIND | MS_REC, nullptr);
        if (rc != 0) break;
        struct statfs sfs;
        rc = statfs(b, &sfs);
        if (rc != 0) break;
        unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | flags_from_statfs(sfs.f_flags);
        if (!op.device) flags |= MS_NODEV;
        if (op.readonly) flags |= MS_RDONLY;
        rc = mount(nullptr, b, nullptr, flags, nullptr);
        break;
      }
      case K::kProc:
        rc = mount("proc", a, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
        break;
      case K::kRemountRo:
        rc = mount(nullptr, a, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
                   nullptr);
        break;
      case K::kPivot:
        rc = syscall(SYS_pivot_root, a, b);
        break;
      case K::kChdir:
        rc = chdir(a);
        break;
      case K::kUmount:
        rc = umount2(a, MNT_DETACH);
        break;
      case K::kPivotHere:
        // pivot_root(".", "."): the old root ends up stacked on the new one
        // and is detached by the following umount (pivot_root(2), NOTES).
        rc = syscall(SYS_pivot_root, ".", ".");
        break;
    }
    if (rc != 0) {
      *failed = &op;
      return -errno;
    }
  }
  return 0;
}

}  // namespace redoubt::sandbox
