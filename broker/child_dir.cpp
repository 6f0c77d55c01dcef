#include "broker/child_dir.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace redoubt::broker {

std::string find_child_dir(const std::string& bin_to_libexec) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // /proc/self/exe, not argv[0]: argv[0] is whatever the caller says.
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find my own executable: " + ec.message());
  fs::path dir = self.parent_path();
  for (const fs::path& candidate : {dir, (dir / bin_to_libexec).lexically_normal()}) {
    if (access((candidate / "redoubt-keyd").c_str(), X_OK) == 0) return candidate.string();
  }
  throw std::runtime_error("cannot find redoubt-keyd next to " + self.string() + " or in " +
                           (dir / bin_to_libexec).lexically_normal().string() +
                           "; is Redoubt installed completely?");
}

}  // namespace redoubt::broker
