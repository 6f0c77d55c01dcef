// ui: the terminal front end. It renders what the broker sends and reads
// what the user types; it holds no secret past the keystroke. Looser than
// keyd/netd (terminal handling and locale data), but no network and a
// read-only view.
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include "policies/common.h"
#include "policies/sets.h"

namespace redoubt::policies {

Policy ui_policy() {
  Policy p = child_base("ui", "redoubt-ui");
  p.namespaces |= CLONE_NEWNET;  // an empty network namespace
  p.binds.push_back({"/etc/terminfo"});
  p.binds.push_back({"/etc/localtime"});
  p.allow.push_back({"read_files",
                     "terminfo and locale data, read-only: the view has no writable mount and "
                     "Landlock grants no path",
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
  // Read-only data the terminal library may load after start-up; nothing else.
  p.landlock_paths = {{"/usr/share/terminfo", fs::kRead},
                      {"/lib/terminfo", fs::kRead},
                      {"/etc/terminfo", fs::kRead},
                      {"/usr/share/zoneinfo", fs::kRead},
                      {"/etc/localtime", fs::kRead}};
  p.rlimits.push_back({RLIMIT_NOFILE, 256});
  // No RLIMIT_FSIZE: the ui opens no file (Landlock, its empty view), but its
  // inherited stdout may be a file the user redirected output to.
  return p;
}

}  // namespace redoubt::policies
