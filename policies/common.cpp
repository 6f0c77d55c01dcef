#include "policies/common.h"

#include <sched.h>
#include <sys/resource.h>

#include "policies/sets.h"

namespace redoubt::policies {

int child_namespaces() {
  return CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
}

std::vector<Bind> base_binds() {
  // Symlinks among these (Debian's merged /usr: /lib -> usr/lib) are
  // recreated as symlinks, not bound.
  return {{"/usr"},      {"/lib"},        {"/lib64"}, {"/bin"}, {"/etc/ld.so.cache"},
          {"/dev/null"}, {"/dev/urandom"}};
}

Policy child_base(const std::string& name, const std::string& apparmor) {
  Policy p;
  p.name = name;
  p.apparmor = apparmor;
  p.namespaces = child_namespaces();
  p.binds = base_binds();
  // A /proc of its own pid namespace (it sees only itself): confine_self
  // reads its AppArmor label and thread count there before Landlock closes
  // it, and the sanitizer runtimes read /proc/self/maps at start-up.
  p.mount_proc = true;
  p.allow = {sets::process(), sets::memory(), sets::event_loop(), sets::signals(), sets::time(),
             sets::threads(), sets::fd_io(),  sets::socket_io(),  sets::random()};
  p.allow_if = sets::signal_self();
  p.allow_if.push_back(sets::fcntl_basic());
  p.allow_if.push_back(sets::ioctl_basic());
  p.errno_rules = {sets::clone3_enosys()};
  p.rlimits = {{RLIMIT_CORE, 0}};  // no core files: a core of keyd is the wallet's keys
  return p;
}

}  // namespace redoubt::policies
