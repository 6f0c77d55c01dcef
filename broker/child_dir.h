// Where the broker finds its children: next to itself in the build tree,
// in libexecdir/redoubt when installed.
#pragma once

#include <string>

namespace redoubt::broker {

// `bin_to_libexec` is the relative path from bindir to libexecdir/redoubt,
// fixed at configure time. Throws std::runtime_error if neither place holds
// redoubt-keyd.
std::string find_child_dir(const std::string& bin_to_libexec);

}  // namespace redoubt::broker
