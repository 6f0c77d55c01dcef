#include "broker/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "broker/fee.h"

namespace redoubt::broker {

namespace {

namespace fs = std::filesystem;

// Limits: a configuration file is a few lines; anything this large is a
// mistake (or an attack on the parser), not configuration.
constexpr size_t kMaxFileBytes = size_t{64} * 1024;
constexpr size_t kMaxLineBytes = 4096;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

bool valid_port(std::string_view s) {
  uint64_t p = 0;
  return parse_uint(s, 65535, p) && p > 0;
}

// "unix:/ABSOLUTE", "socks5:HOST:PORT", "none", "auto". Whether a TCP host
// is an IP literal, and whether "none" is allowed on this network, is the
// proxy selection's to say (netd/proxy.h); here only the shape.
std::string check_proxy(std::string_view v) {
  if (v == "auto" || v == "none") return {};
  if (v.substr(0, 5) == "unix:") {
    if (v.size() < 7 || v[5] != '/') return "unix: needs an absolute socket path";
    return {};
  }
  if (v.substr(0, 7) == "socks5:") {
    auto rest = v.substr(7);
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || !valid_port(rest.substr(colon + 1)))
      return "socks5: needs HOST:PORT with a port 1-65535";
    return {};
  }
  return "use auto, none, unix:PATH or socks5:HOST:PORT";
}

// "auto" (the built-in list) or HOST:PORT:s|t (s: TLS, t: plain TCP, as
// Electrum writes servers).
std::string check_server(std::string_view v) {
  if (v == "auto") return {};
  auto bad = "use auto or HOST:PORT:s|t (s for TLS, t for plain TCP)";
  if (v.size() < 5 || v[v.size() - 2] != ':' || (v.back() != 's' && v.back() != 't')) return bad;
  auto hp = v.substr(0, v.size() - 2);
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || !valid_port(hp.substr(colon + 1)))
    return bad;
  return {};
}

// A second server to cross-check the tip with (broker/crosscheck.h): none
// (the default) or HOST:PORT:s|t; "auto" would let the built-in list pick
// a server the user never chose, so it is not offered.
std::string check_crosscheck_server(std::string_view v) {
  if (v == "none") return {};
  if (v == "auto" || !check_server(v).empty())
    return "use none or HOST:PORT:s|t (s for TLS, t for plain TCP)";
  return {};
}

std::string check_datadir(std::string_view v) {
  if (v == "auto") return {};
  if (v.front() != '/') return "must be an absolute path (or auto)";
  return {};
}

std::string check_network(std::string_view v) {
  if (v == "mainnet" || v == "testnet" || v == "regtest") return {};
  return "use mainnet, testnet or regtest";
}

std::string check_on_off(std::string_view v) {
  if (v == "on" || v == "off") return {};
  return "use on or off";
}

// Satoshi per 1000 virtual bytes, inside the broker's own floor and cap
// (broker/fee.h), or "auto" for the server's estimate.
std::string check_fee_rate(std::string_view v) {
  if (v == "auto") return {};
  FeePolicy p;
  uint64_t r = 0;
  if (!parse_uint(v, static_cast<uint64_t>(p.max_rate), r) || r < static_cast<uint64_t>(p.min_rate))
    return "use auto or satoshi per 1000 vbytes, " + std::to_string(p.min_rate) + " to " +
           std::to_string(p.max_rate);
  return {};
}

struct KeySpec {
  const char* name;
  const char* default_value;
  std::string (*check)(std::string_view);
};

const KeySpec kKeys[] = {
    {"network", "mainnet", check_network},
    {"datadir", "auto", check_datadir},
    {"proxy", "auto", check_proxy},
    {"server", "auto", check_server},
    {"anonymity_mode", "on", check_on_off},
    {"fee_rate", "auto", check_fee_rate},
    {"crosscheck_server", "none", check_crosscheck_server},
};

const KeySpec* find_key(std::string_view k) {
  for (const auto& s : kKeys)
    if (k == s.name) return &s;
  return nullptr;
}

void read_file(Config& config, const fs::path& path) {
  std::string name = path.string();
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0) {
    throw ConfigError(name + ": " + std::strerror(errno));
  }
  // A file anyone may write could point netd at any proxy.
  if ((st.st_mode & S_IWOTH) != 0) throw ConfigError(name + ": refusing a world-writable file");
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes)
    throw ConfigError(name + ": larger than " + std::to_string(kMaxFileBytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(name + ": cannot be read");
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError(name + ": read error");
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes)
    throw ConfigError(name + ": larger than " + std::to_string(kMaxFileBytes) + " bytes");
  parse_config_text(config, text, name);
}

}  // namespace

ConfigPaths ConfigPaths::standard(const char* env_xdg_config_home, const char* env_home) {
  ConfigPaths p;
  p.system_dirs = {"/etc/redoubt.d", "/usr/local/etc/redoubt.d"};
  if (env_xdg_config_home != nullptr && env_xdg_config_home[0] == '/') {
    p.user_file = std::string(env_xdg_config_home) + "/redoubt/redoubt.conf";
  } else if (env_home != nullptr && env_home[0] == '/') {
    p.user_file = std::string(env_home) + "/.config/redoubt/redoubt.conf";
  }
  return p;
}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& s : kKeys) k.emplace_back(s.name);
    return k;
  }();
  return keys;
}

Config default_config() {
  Config c;
  for (const auto& s : kKeys) c[s.name] = ConfigValue{s.default_value, "default"};
  return c;
}

void set_config(Config& config, std::string_view key, std::string_view value,
                const std::string& source) {
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) throw ConfigError(source + ": unknown key '" + std::string(key) + "'");
  if (value.empty()) throw ConfigError(source + ": " + spec->name + " needs a value");
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw ConfigError(source + ": " + spec->name + ": control character in value");
  }
  std::string why = spec->check(value);
  if (!why.empty())
    throw ConfigError(source + ": " + spec->name + " = '" + std::string(value) + "': " + why);
  config[spec->name] = ConfigValue{std::string(value), source};
}

void parse_config_text(Config& config, std::string_view text, const std::string& name) {
  std::map<std::string, size_t> seen;  // key -> line, within this file
  size_t lineno = 0;
  while (!text.empty()) {
    ++lineno;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::string where = name + ":" + std::to_string(lineno);
    if (line.size() > kMaxLineBytes) throw ConfigError(where + ": line too long");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
    line = trim(line);
    // Comments are whole lines: '#' inside a value is part of it (a path
    // may hold one).
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) throw ConfigError(where + ": expected 'key = value'");
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) throw ConfigError(where + ": expected 'key = value'");
    auto [it, fresh] = seen.emplace(std::string(key), lineno);
    if (!fresh)
      throw ConfigError(where + ": '" + std::string(key) + "' already set on line " +
                        std::to_string(it->second));
    set_config(config, key, value, where);
  }
}

void apply_tor_environment(Config& config, const char* transproxy, const char* ipc_path,
                           const char* host, const char* port) {
  auto set = [](const char* v) { return v != nullptr && v[0] != '\0'; };
  if (transproxy != nullptr) {
    set_config(config, "proxy", "auto", "environment TOR_TRANSPROXY");
  } else if (set(ipc_path)) {
    set_config(config, "proxy", std::string("unix:") + ipc_path, "environment TOR_SOCKS_IPC_PATH");
  } else if (set(host) || set(port)) {
    std::string v = std::string("socks5:") + (set(host) ? host : "127.0.0.1") + ":" +
                    (set(port) ? port : "9050");
    set_config(config, "proxy", v, "environment TOR_SOCKS_HOST/TOR_SOCKS_PORT");
  }
}

std::string explicit_proxy(const Config& config) {
  auto it = config.find("proxy");
  if (it == config.end() || it->second.value == "auto" ||
      it->second.source.rfind("environment ", 0) == 0)
    return "";
  return it->second.value;
}

Config load_config(const ConfigPaths& paths) {
  Config config = default_config();
  for (const auto& dir : paths.system_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    fs::directory_iterator it(dir, ec), end;
    if (ec) throw ConfigError(dir + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) throw ConfigError(dir + ": " + ec.message());
      const fs::path& p = it->path();
      std::string fname = p.filename().string();
      // Hidden files (editor swap files, dpkg's own) are not configuration.
      if (fname.empty() || fname.front() == '.' || p.extension() != ".conf") continue;
      std::error_code tec;
      if (!fs::is_regular_file(p, tec)) continue;  // follows symlinks
      files.push_back(p);
    }
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
      return a.filename().string() < b.filename().string();
    });
    for (const auto& f : files) read_file(config, f);
  }
  if (!paths.user_file.empty()) {
    std::error_code ec;
    if (fs::exists(paths.user_file, ec)) read_file(config, paths.user_file);
  }
  return config;
}

std::string update_config_text(std::string_view text, std::string_view key, std::string_view value,
                               const std::string& name) {
  // Both must be valid on their own: we never write a file we would refuse
  // to read, and never silently rewrite one that is already broken.
  Config check = default_config();
  parse_config_text(check, text, name);
  set_config(check, key, value, "setconfig");
  std::string out;
  bool replaced = false;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    std::string_view body = trim(line);
    auto eq = body.find('=');
    if (!body.empty() && body.front() != '#' && eq != std::string_view::npos &&
        trim(body.substr(0, eq)) == key) {
      out += std::string(key) + " = " + std::string(value) + "\n";
      replaced = true;
    } else {
      out += std::string(line) + "\n";
    }
  }
  if (!replaced) out += std::string(key) + " = " + std::string(value) + "\n";
  return out;
}

void write_user_setting(const std::string& user_file, std::string_view key,
                        std::string_view value) {
  if (user_file.empty())
    throw ConfigError("no user configuration file: set HOME or XDG_CONFIG_HOME");
  fs::path file(user_file);
  fs::path dir = file.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw ConfigError(dir.string() + ": cannot create: " + ec.message());
  std::string text;
  if (fs::exists(file, ec)) {
    Config unused = default_config();
    read_file(unused, file);  // the same checks as loading (size, mode, syntax)
    std::ifstream in(file, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    text = "# redoubt.conf(5): written by `redoubt setconfig`; edit freely.\n";
  }
  std::string updated = update_config_text(text, key, value, file.string());
  if (updated.size() > kMaxFileBytes)
    throw ConfigError(file.string() + ": would grow beyond " + std::to_string(kMaxFileBytes) +
                      " bytes");
  // Temp file, fsync, rename, fsync the directory: a crash leaves the old
  // file or the new one, never half of each.
  fs::path tmp = dir / ".redoubt.conf.tmp";
  auto fail = [&](const std::string& what) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw ConfigError(file.string() + ": " + what + ": " + why + "; the old file is unchanged");
  };
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) fail("cannot create a temporary file");
  size_t done = 0;
  while (done < updated.size()) {
    ssize_t n = ::write(fd, updated.data() + done, updated.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("cannot fsync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), file.c_str()) != 0) fail("cannot replace");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace redoubt::broker
