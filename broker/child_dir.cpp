#include "broker/child_dir.h"

#include <unistd.h>

#include <cstdlib>
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

netd::ProxyChoice choose_proxy(const Options& options) {
  auto env = [](const char* k) -> std::string {
    const char* v = getenv(k);
    return v != nullptr ? v : "";
  };
  netd::ProxyInputs in;
  in.explicit_proxy = options.proxy;
  in.tor_socks_ipc_path = env("TOR_SOCKS_IPC_PATH");
  in.tor_socks_host = env("TOR_SOCKS_HOST");
  in.tor_socks_port = env("TOR_SOCKS_PORT");
  in.tor_transproxy = getenv("TOR_TRANSPROXY") != nullptr;
  in.system_socket_exists = access(netd::kSystemTorSocket, F_OK) == 0;
  in.network = options.network == Network::kMainnet   ? netd::Network::mainnet
               : options.network == Network::kTestnet ? netd::Network::testnet
                                                      : netd::Network::regtest;
  return netd::select_proxy(in);
}

std::vector<policies::Bind> test_child_binds(const std::string& child_dir) {
  namespace fs = std::filesystem;
  std::vector<policies::Bind> binds{{child_dir, false}, {"/usr/bin", false}};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(child_dir, ec)) {
    if (!e.is_symlink()) continue;
    fs::path target = fs::canonical(e.path(), ec);
    if (!ec) binds.push_back({target.parent_path().string(), false});
  }
  fs::path state = fs::path(child_dir).parent_path() / "state";
  if (fs::is_directory(state)) binds.push_back({state.string(), true});
  return binds;
}

}  // namespace redoubt::broker
