// ui: the terminal front end. It renders what the broker sends and reads
// what the user types; it holds no secret past the keystroke. Looser than
// keyd/netd in its terminal ioctls, but no network, a read-only view and no
// file granted (it draws plain VT100 itself: no terminfo, no locale data).
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include "policies/common.h"
#include "policies/sets.h"

namespace redoubt::policies {

Policy ui_policy() {
  Policy p = child_base("ui", "redoubt-ui");
  p.namespaces |= CLONE_NEWNET;  // an empty network namespace
  p.allow.push_back({"read_files",
                     "no file is granted (Landlock: no path; the view: read-only), so a stray "
                     "open fails with an errno rather than killing the ui mid-draw",
                     {"openat", "newfstatat", "statx", "getdents64", "readlink", "access",
                      "faccessat", "faccessat2", "getcwd"}});
  // Replaces the basic ioctl rule: the terminal needs its modes and size.
  std::erase_if(p.allow_if, [](const ArgRule& r) { return std::string(r.syscall) == "ioctl"; });
  p.allow_if.push_back({"ioctl",
                        ArgRule::Kind::kArgIn,
                        1,
                        0,
                        {FIOCLEX, FIONCLEX, FIONBIO, FIONREAD, TCGETS, TCSETS, TCSETSW, TCSETSF,
                         TIOCGWINSZ, TIOCGPGRP},
                        "terminal modes (echo off for passphrases), window size; no TIOCSTI"});
  p.allow_if.push_back(sets::clone_threads());
  p.allow.push_back({"secret_memory",
                     "a password before it is sealed to keyd, and the new phrase keyd sealed to "
                     "the ui, are kept in locked memory (chain/secure.h)",
                     {"mlock", "munlock"}});
  // No path at all: the ui reads nothing after start-up (docs/architecture.md,
  // "Plain VT100/ANSI, not ncurses").
  p.landlock_paths = {};
  p.rlimits.push_back({RLIMIT_NOFILE, 256});
  // No RLIMIT_FSIZE: the ui opens no file (Landlock, its empty view), but its
  // inherited stdout may be a file the user redirected output to.
  return p;
}

}  // namespace redoubt::policies
