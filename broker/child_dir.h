// Where the broker finds its children: next to itself in the build tree,
// in libexecdir/redoubt when installed.
#pragma once

#include <string>
#include <vector>

#include "broker/options.h"
#include "netd/proxy.h"
#include "policies/policy.h"

namespace redoubt::broker {

// `bin_to_libexec` is the relative path from bindir to libexecdir/redoubt,
// fixed at configure time. Throws std::runtime_error if neither place holds
// redoubt-keyd.
std::string find_child_dir(const std::string& bin_to_libexec);

// The proxy netd will use, from --proxy and the Tor variables in the
// broker's environment (netd gets none; the broker passes them over IPC).
netd::ProxyChoice choose_proxy(const Options& options);

// For --child-dir (test harnesses only): the directory, the directories its
// symlinks point into, and /usr/bin (for #! scripts), read-only, plus a
// writable "state" directory beside it if one exists.
std::vector<policies::Bind> test_child_binds(const std::string& child_dir);

}  // namespace redoubt::broker
