// Configuration files (redoubt.conf(5)): built-in defaults, then the
// system drop-in directories, then the user's file, later winning, each
// value remembering where it came from (for `redoubt getconfig --all`).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::broker {

// A bad configuration file or value. what() names the file and line
// ("/etc/redoubt.d/10-tor.conf:3: unknown key 'proxi'").
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

struct ConfigValue {
  std::string value;
  std::string source;  // "default", "FILE:LINE", or what the caller passed to set_config
};

using Config = std::map<std::string, ConfigValue>;

struct ConfigPaths {
  // Read in this order; inside each, every regular `*.conf` file in lexical
  // (byte) order of its name, as Whonix does. A missing directory is empty.
  std::vector<std::string> system_dirs;
  // The user's file; "" or missing: none.
  std::string user_file;

  // /etc/redoubt.d, /usr/local/etc/redoubt.d and
  // $XDG_CONFIG_HOME/redoubt/redoubt.conf ($HOME/.config when XDG_CONFIG_HOME
  // is unset or not absolute, as the XDG Base Directory spec says).
  static ConfigPaths standard(const char* env_xdg_config_home, const char* env_home);
};

// The known keys, in the order `getconfig --all` lists them.
const std::vector<std::string>& config_keys();

// The built-in defaults, every known key present (source "default").
Config default_config();

// Validates `value` for `key` and sets it with `source`. Throws ConfigError
// ("SOURCE: ...") for an unknown key or a bad value. The caller uses this
// for the later layers: environment and command line.
void set_config(Config& config, std::string_view key, std::string_view value,
                const std::string& source);

// Parses one file's text into `config` (strict: see redoubt.conf(5)).
// `name` is used in sources and errors. Throws ConfigError.
void parse_config_text(Config& config, std::string_view text, const std::string& name);

// Defaults, then every file of `paths` in order. Throws ConfigError for a
// bad file, an unreadable one, or one over 64 KiB.
Config load_config(const ConfigPaths& paths);

// The environment layer, after the files and before the command line: when
// TOR_TRANSPROXY (set at all), TOR_SOCKS_IPC_PATH, TOR_SOCKS_HOST or
// TOR_SOCKS_PORT (non-empty) is set, `proxy` records what it selects, in
// netd::select_proxy's order, with the variable as its source:
// "unix:PATH", "socks5:HOST:PORT" (127.0.0.1 and 9050 for the one unset), or
// "auto" for TOR_TRANSPROXY (no SOCKS proxy: the OS torifies). Pass the
// getenv() results; nullptr is unset. Throws ConfigError for a bad value.
void apply_tor_environment(Config& config, const char* transproxy, const char* ipc_path,
                           const char* host, const char* port);

// What the broker passes as netd::ProxyInputs::explicit_proxy: "" when
// `proxy` is auto or came from the environment (select_proxy then reads the
// variables itself), else the configured value.
std::string explicit_proxy(const Config& config);

// `text` (a redoubt.conf) with `key` set to `value`: the key's line is
// replaced in place (comments and other lines kept as they are), or a line is
// appended. Throws ConfigError when `value` is not valid for `key`, or when
// `text` itself does not parse.
std::string update_config_text(std::string_view text, std::string_view key, std::string_view value,
                               const std::string& name);

// `redoubt setconfig`: sets `key` in the user's file (created 0600 in a 0700
// directory when missing), written atomically (temp file, fsync, rename,
// fsync of the directory) so a crash leaves the old file or the new one.
// Throws ConfigError naming the file and what to do.
void write_user_setting(const std::string& user_file, std::string_view key, std::string_view value);

}  // namespace redoubt::broker
