#include "broker/options.h"

#include <filesystem>
#include <string_view>

namespace redoubt::broker {

const char* network_name(Network n) {
  switch (n) {
    case Network::kMainnet:
      return "mainnet";
    case Network::kTestnet:
      return "testnet";
    case Network::kRegtest:
      return "regtest";
  }
  return "?";
}

namespace {

Network parse_network(std::string_view s) {
  if (s == "mainnet") return Network::kMainnet;
  if (s == "testnet") return Network::kTestnet;
  if (s == "regtest") return Network::kRegtest;
  throw UsageError("unknown network '" + std::string(s) + "' (use mainnet, testnet or regtest)");
}

int fd_number(const std::string& v) {
  if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("--password-fd needs a file descriptor number, not '" + v + "'");
  return std::stoi(v);
}

}  // namespace

Options parse_options(int argc, const char* const* argv, const char* env_home,
                      const char* env_xdg_data_home, const std::string& config_network,
                      const std::string& config_datadir) {
  Options o;
  std::string base;
  if (!config_network.empty()) o.network = parse_network(config_network);
  if (!config_datadir.empty() && config_datadir != "auto") base = config_datadir;
  auto value = [&](int& i, std::string_view name) -> std::string {
    std::string_view a(argv[i]);
    auto eq = a.find('=');
    if (eq != std::string_view::npos) return std::string(a.substr(eq + 1));
    if (i + 1 >= argc) throw UsageError(std::string(name) + " needs a value");
    return argv[++i];
  };
  auto is = [](std::string_view a, std::string_view name) {
    return a == name ||
           (a.size() > name.size() && a.substr(0, name.size()) == name && a[name.size()] == '=');
  };
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view a(argv[i]);
    if (is(a, "--datadir")) {
      base = value(i, "--datadir");
    } else if (is(a, "--network")) {
      o.network = parse_network(value(i, "--network"));
    } else if (a == "--regtest") {
      o.network = Network::kRegtest;
    } else if (a == "--testnet") {
      o.network = Network::kTestnet;
    } else if (a == "--json") {
      o.json = true;
    } else if (is(a, "--proxy")) {
      o.proxy = value(i, "--proxy");
    } else if (is(a, "--server")) {
      o.server = value(i, "--server");
    } else if (is(a, "--password-fd")) {
      o.password_fd = fd_number(value(i, "--password-fd"));
    } else if (is(a, "--crosscheck-server")) {
      o.crosscheck_server = value(i, "--crosscheck-server");
    } else if (is(a, "--child-dir")) {
      o.child_dir = value(i, "--child-dir");
    } else if (a == "--") {
      ++i;
      break;
    } else if (a == "--help" || a == "-h") {
      // `redoubt --help` is `redoubt help`.
      o.command.emplace_back("help");
      ++i;
      break;
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError("unknown option '" + std::string(a) + "' (see 'redoubt help')");
    } else {
      break;
    }
  }
  for (; i < argc; ++i) {
    std::string_view a(argv[i]);
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (is(a, "--password-fd")) {  // like --json, also after the command
      o.password_fd = fd_number(value(i, "--password-fd"));
      continue;
    }
    o.command.emplace_back(a);
  }
  o.datadir_given = !base.empty();
  if (base.empty()) {
    if (env_xdg_data_home != nullptr && env_xdg_data_home[0] == '/') {
      base = std::string(env_xdg_data_home) + "/redoubt";
    } else if (env_home != nullptr && env_home[0] == '/') {
      base = std::string(env_home) + "/.local/share/redoubt";
    } else {
      throw UsageError("no --datadir given and neither XDG_DATA_HOME nor HOME is set");
    }
  }
  if (base[0] != '/') base = std::filesystem::absolute(base).lexically_normal().string();
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  o.datadir = base + "/" + network_name(o.network);
  return o;
}

}  // namespace redoubt::broker
