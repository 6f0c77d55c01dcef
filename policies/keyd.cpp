// keyd: holds the keys and signs. No network of any kind, sees only its
// keystore directory. The tightest policy: a compromised keyd can do nothing
// but answer the broker.
#include <sched.h>
#include <sys/resource.h>

#include "policies/common.h"
#include "policies/sets.h"

namespace redoubt::policies {

Policy keyd_policy() {
  Policy p = child_base("keyd", "redoubt-keyd");
  p.namespaces |= CLONE_NEWNET;             // an empty network namespace
  p.binds.push_back({"{keystore}", true});  // the only writable path in its view
  p.allow.push_back({"keystore_files",
                     "reading and atomically replacing keystore files (temp file, fsync, rename, "
                     "fsync the dir) in the view; Landlock confines these to {keystore}. "
                     "Exactly what keyd was seen to call under strace",
                     {"openat", "newfstatat", "fsync", "rename", "unlinkat", "mkdirat"}});
  p.allow.push_back({"secret_memory", "keeping key material out of swap", {"mlock", "munlock"}});
  // No socket(), socketpair(), connect(), bind(): absent, so default kill.
  p.landlock_paths = {{"{keystore}", fs::kReadWrite}};
  p.rlimits.push_back({RLIMIT_NOFILE, 64});
  p.rlimits.push_back({RLIMIT_FSIZE, 16 << 20});  // a keystore file is small
  return p;
}

}  // namespace redoubt::policies
