// The private filesystem view of a child (bubblewrap's design): a list of
// mount operations built as data before fork, executed in the child with
// raw syscalls only (async-signal-safe) before exec.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "policies/policy.h"

namespace redoubt::sandbox {

struct ViewOp {
  enum class Kind {
    kMakePrivate,
    kTmpfs,
    kMkdir,
    kMakeFile,
    kSymlink,
    kBind,
    kProc,
    kRemountRo,
    kPivot,
    kChdir,
    kUmount,
    kPivotHere
  };
  ViewOp(Kind k, std::string first, std::string second = {}, bool ro = true)
      : kind(k), a(std::move(first)), b(std::move(second)), readonly(ro) {}
  Kind kind;
  std::string a;  // the target (or source of a bind, or symlink target)
  std::string b;  // the second path (bind target, symlink path, pivot put_old)
  bool readonly = true;
  bool device = false;  // a device node: no MS_NODEV on its bind
};

struct ViewPlan {
  std::vector<ViewOp> ops;
  std::vector<std::string> visible;  // what the child sees, for reports and tests
};

// The plan for `policy`: a tmpfs root, read-only binds of the policy's base
// (libraries, loader cache, /dev/null, /dev/urandom), its templated binds
// from `params`, the executable itself, and a /proc of its pid namespace.
// `extra` binds follow the policy's. Binds whose source is missing or whose
// parameter is absent are left out.
ViewPlan plan_view(const policies::Policy& policy, const std::map<std::string, std::string>& params,
                   const std::string& exe, const std::vector<policies::Bind>& extra = {});

// Executes the plan in the child. Returns 0, or -errno with `*failed` set
// to the op that failed. Raw syscalls only: safe between fork and exec.
int run_view(const ViewPlan& plan, const ViewOp** failed);

}  // namespace redoubt::sandbox
