// The broker's global command-line options. Everything after the global
// options (the command and its arguments) is handed to the ui over IPC.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace redoubt::broker {

class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

enum class Network { kMainnet, kTestnet, kRegtest };

const char* network_name(Network n);

struct Options {
  std::string datadir;  // the network's data directory: <base>/<network>
  Network network = Network::kMainnet;
  bool json = false;
  std::string proxy;                 // "" = automatic (see docs/architecture.md)
  std::string server;                // HOST:PORT:s|t, "" = built-in list
  std::string crosscheck_server;     // HOST:PORT:s|t to cross-check the tip with; "" none
  std::string child_dir;             // where the children live; "" = next to us / libexecdir
  bool anonymity = true;             // automatic coin control for names (config anonymity_mode)
  bool datadir_given = false;        // --datadir or the config's datadir (not the default)
  int password_fd = -1;              // --password-fd N: the ui reads secrets from fd N
  int64_t fee_rate = 0;              // sat per kvB from config fee_rate; 0 = server's estimate
  std::vector<std::string> command;  // the command and its arguments
};

// Parses argv. Global options may appear before the command; `--json` also
// after it. Throws UsageError with a message for the user. `env_home`,
// `env_xdg_data_home` come from the environment (passed in for testability).
// `config_network` and `config_datadir` are the configuration files' values
// (broker/config.h), used when the command line does not say ("" or "auto":
// the built-in default).
Options parse_options(int argc, const char* const* argv, const char* env_home,
                      const char* env_xdg_data_home, const std::string& config_network = "",
                      const std::string& config_datadir = "");

}  // namespace redoubt::broker
