// redoubt.conf(5): layering (defaults, /etc/redoubt.d, /usr/local/etc/redoubt.d,
// the user's file), lexical order, strict parsing with line-numbered errors.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "broker/config.h"
#include "broker/options.h"

namespace fs = std::filesystem;
using redoubt::broker::Config;
using redoubt::broker::ConfigError;
using redoubt::broker::ConfigPaths;
using redoubt::broker::load_config;
using redoubt::broker::parse_config_text;

namespace {

class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "redoubt-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    etc_ = root_ / "etc";
    local_ = root_ / "local";
    fs::create_directories(etc_);
    fs::create_directories(local_);
    paths_.system_dirs = {etc_.string(), local_.string()};
    paths_.user_file = (root_ / "user" / "redoubt.conf").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                           fs::perms::others_read);
  }
  // The message of the ConfigError load_config throws ("" if none).
  std::string error() {
    try {
      load_config(paths_);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  fs::path root_, etc_, local_;
  ConfigPaths paths_;
};

TEST_F(ConfigFiles, NoFilesGivesEveryDefault) {
  Config c = load_config(paths_);
  ASSERT_EQ(c.size(), redoubt::broker::config_keys().size());
  EXPECT_EQ(c.at("network").value, "mainnet");
  EXPECT_EQ(c.at("proxy").value, "auto");
  EXPECT_EQ(c.at("anonymity_mode").value, "on");
  for (const auto& [k, v] : c) EXPECT_EQ(v.source, "default") << k;
}

TEST_F(ConfigFiles, LaterLayersWinAndSourcesAreRecorded) {
  write(etc_ / "20-net.conf", "network = testnet\nserver = a.onion:50002:s\n");
  write(etc_ / "10-base.conf", "# base\nnetwork = regtest\nfee_rate = 2000\n");
  write(local_ / "00-site.conf", "server = b.onion:50001:t\n");
  write(paths_.user_file, "fee_rate = 5000\n");
  Config c = load_config(paths_);
  // 10-base before 20-net: lexical order inside /etc/redoubt.d.
  EXPECT_EQ(c.at("network").value, "testnet");
  EXPECT_EQ(c.at("network").source, (etc_ / "20-net.conf").string() + ":1");
  // /usr/local/etc/redoubt.d after /etc/redoubt.d, whatever the file names.
  EXPECT_EQ(c.at("server").value, "b.onion:50001:t");
  EXPECT_EQ(c.at("server").source, (local_ / "00-site.conf").string() + ":1");
  // The user's file last.
  EXPECT_EQ(c.at("fee_rate").value, "5000");
  EXPECT_EQ(c.at("fee_rate").source, paths_.user_file + ":1");
  EXPECT_EQ(c.at("proxy").source, "default");
}

TEST_F(ConfigFiles, OnlyVisibleConfFilesAreRead) {
  write(etc_ / "10-a.conf.dpkg-old", "network = testnet\n");
  write(etc_ / ".10-a.conf", "network = testnet\n");
  write(etc_ / "README", "not configuration\n");
  fs::create_directories(etc_ / "dir.conf");
  Config c = load_config(paths_);
  EXPECT_EQ(c.at("network").value, "mainnet");
}

TEST_F(ConfigFiles, ErrorsNameFileAndLine) {
  write(etc_ / "10-a.conf", "network = regtest\n\n# c\nproxi = none\n");
  EXPECT_EQ(error(), (etc_ / "10-a.conf").string() + ":4: unknown key 'proxi'");
}

TEST_F(ConfigFiles, WorldWritableFileIsRefused) {
  write(etc_ / "10-a.conf", "network = regtest\n");
  fs::permissions(etc_ / "10-a.conf", fs::perms::others_write, fs::perm_options::add);
  EXPECT_NE(error().find("world-writable"), std::string::npos);
}

TEST_F(ConfigFiles, OversizeFileIsRefused) {
  write(etc_ / "10-a.conf", std::string(70 * 1024, '#'));
  EXPECT_NE(error().find("larger than"), std::string::npos);
}

TEST_F(ConfigFiles, BadUserFileIsAnError) {
  write(paths_.user_file, "network mainnet\n");
  EXPECT_EQ(error(), paths_.user_file + ":1: expected 'key = value'");
}

TEST(ConfigParse, StrictLines) {
  auto err = [](const std::string& text) -> std::string {
    Config c = redoubt::broker::default_config();
    try {
      parse_config_text(c, text, "f");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(err("  # comment\n\t\nnetwork=regtest\r\n"), "");
  EXPECT_EQ(err("network = regtest\nnetwork = testnet\n"), "f:2: 'network' already set on line 1");
  EXPECT_EQ(err("= x\n"), "f:1: expected 'key = value'");
  EXPECT_EQ(err("network =\n"), "f:1: network needs a value");
  EXPECT_EQ(err("network = signet\n"), "f:1: network = 'signet': use mainnet, testnet or regtest");
  EXPECT_NE(err("datadir = relative/dir\n"), "");
  EXPECT_EQ(err("datadir = /srv/wallet #1\n"), "");  // '#' inside a value is kept
  EXPECT_NE(err("proxy = unix:relative\n"), "");
  EXPECT_NE(err("proxy = socks5:127.0.0.1\n"), "");
  EXPECT_NE(err("proxy = socks5:127.0.0.1:70000\n"), "");
  EXPECT_EQ(err("proxy = socks5:127.0.0.1:9050\n"), "");
  EXPECT_EQ(err("proxy = unix:/run/tor/socks\n"), "");
  EXPECT_EQ(err("proxy = none\n"), "");
  EXPECT_NE(err("server = host:50002\n"), "");
  EXPECT_NE(err("server = host:0:s\n"), "");
  EXPECT_EQ(err("server = [::1]:50002:s\n"), "");
  EXPECT_NE(err("anonymity_mode = yes\n"), "");
  EXPECT_EQ(err("anonymity_mode = off\n"), "");
  EXPECT_NE(err("fee_rate = 999\n"), "");      // below the relay floor
  EXPECT_NE(err("fee_rate = 1000001\n"), "");  // above the broker's cap
  EXPECT_NE(err("fee_rate = -5\n"), "");
  EXPECT_NE(err("fee_rate = 1e4\n"), "");
  EXPECT_EQ(err("fee_rate = 1000\n"), "");
  EXPECT_NE(err(std::string("network = main\x01net\n")), "");
  EXPECT_NE(err(std::string(5000, 'x') + "\n").find("line too long"), std::string::npos);
}

TEST(ConfigParse, SetConfigForLaterLayers) {
  Config c = redoubt::broker::default_config();
  redoubt::broker::set_config(c, "proxy", "unix:/run/tor/socks", "environment TOR_SOCKS_IPC_PATH");
  EXPECT_EQ(c.at("proxy").value, "unix:/run/tor/socks");
  EXPECT_EQ(c.at("proxy").source, "environment TOR_SOCKS_IPC_PATH");
  EXPECT_THROW(redoubt::broker::set_config(c, "nope", "x", "command line"), ConfigError);
}

TEST(ConfigEnvironment, TorVariablesOverrideFilesInSelectProxyOrder) {
  using redoubt::broker::apply_tor_environment;
  using redoubt::broker::explicit_proxy;
  Config c = redoubt::broker::default_config();
  parse_config_text(c, "proxy = socks5:10.0.0.1:9050\n", "f");
  EXPECT_EQ(explicit_proxy(c), "socks5:10.0.0.1:9050");  // a file's value is explicit
  apply_tor_environment(c, nullptr, nullptr, nullptr, nullptr);
  EXPECT_EQ(c.at("proxy").source, "f:1");  // nothing set: the file stays
  apply_tor_environment(c, nullptr, "", "", "9150");
  EXPECT_EQ(c.at("proxy").value, "socks5:127.0.0.1:9150");
  EXPECT_EQ(c.at("proxy").source, "environment TOR_SOCKS_HOST/TOR_SOCKS_PORT");
  EXPECT_EQ(explicit_proxy(c), "");  // select_proxy reads the variables itself
  apply_tor_environment(c, nullptr, "/run/anon-ws/tor.sock", "10.0.0.2", nullptr);
  EXPECT_EQ(c.at("proxy").value, "unix:/run/anon-ws/tor.sock");
  apply_tor_environment(c, "", "/run/anon-ws/tor.sock", nullptr, nullptr);
  EXPECT_EQ(c.at("proxy").value, "auto");
  EXPECT_EQ(c.at("proxy").source, "environment TOR_TRANSPROXY");
  EXPECT_THROW(apply_tor_environment(c, nullptr, "relative.sock", nullptr, nullptr), ConfigError);
  EXPECT_THROW(apply_tor_environment(c, nullptr, nullptr, "127.0.0.1", "x"), ConfigError);
  redoubt::broker::set_config(c, "proxy", "none", "command line");
  EXPECT_EQ(explicit_proxy(c), "none");
}

TEST(ConfigPathsStandard, XdgThenHome) {
  auto p = ConfigPaths::standard("/x/cfg", "/home/u");
  EXPECT_EQ(p.user_file, "/x/cfg/redoubt/redoubt.conf");
  ASSERT_EQ(p.system_dirs.size(), 2u);
  EXPECT_EQ(p.system_dirs[0], "/etc/redoubt.d");
  EXPECT_EQ(p.system_dirs[1], "/usr/local/etc/redoubt.d");
  // A relative XDG_CONFIG_HOME is ignored (XDG Base Directory spec).
  EXPECT_EQ(ConfigPaths::standard("rel", "/home/u").user_file,
            "/home/u/.config/redoubt/redoubt.conf");
  EXPECT_EQ(ConfigPaths::standard(nullptr, nullptr).user_file, "");
}

}  // namespace

namespace {

using redoubt::broker::update_config_text;

TEST(UpdateConfigText, ReplacesInPlaceAppendsAndValidates) {
  EXPECT_EQ(update_config_text("# c\nfee_rate = 5000\nnetwork=testnet\n", "fee_rate", "7000", "f"),
            "# c\nfee_rate = 7000\nnetwork=testnet\n");
  EXPECT_EQ(update_config_text("", "proxy", "none", "f"), "proxy = none\n");
  // A commented-out key is left as a comment; the setting is appended.
  EXPECT_EQ(update_config_text("# fee_rate = 1\n", "fee_rate", "2000", "f"),
            "# fee_rate = 1\nfee_rate = 2000\n");
  // A file without a final newline gets one.
  EXPECT_EQ(update_config_text("network = regtest", "proxy", "auto", "f"),
            "network = regtest\nproxy = auto\n");
  EXPECT_THROW(update_config_text("", "fee_rate", "1", "f"), ConfigError);
  EXPECT_THROW(update_config_text("", "nosuch", "1", "f"), ConfigError);
  EXPECT_THROW(update_config_text("", "proxy", "unix:/a\nserver = evil:1:t", "f"), ConfigError);
  // A broken file is not silently rewritten.
  EXPECT_THROW(update_config_text("garbage\n", "proxy", "auto", "f"), ConfigError);
}

}  // namespace

namespace {

// crosscheck_server: none (the default) or one Electrum server string; the
// command line's --crosscheck-server is parsed with the other global options.
TEST(ConfigCrossCheck, KeyValidatesAndOptionParses) {
  Config c = redoubt::broker::default_config();
  EXPECT_EQ(c.at("crosscheck_server").value, "none");
  auto set = [&](const std::string& v) -> std::string {
    try {
      redoubt::broker::set_config(c, "crosscheck_server", v, "t");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(set("second.onion:50001:t"), "");
  EXPECT_EQ(c.at("crosscheck_server").value, "second.onion:50001:t");
  EXPECT_EQ(set("none"), "");
  EXPECT_NE(set("auto"), "");  // never a server the user did not choose
  EXPECT_NE(set("host:50001"), "");
  EXPECT_NE(set("host:0:s"), "");
  EXPECT_EQ(redoubt::broker::update_config_text("", "crosscheck_server", "b.onion:50002:s", "f"),
            "crosscheck_server = b.onion:50002:s\n");
  const char* argv[] = {"redoubt", "--crosscheck-server=b.onion:50001:t", "getinfo"};
  auto o = redoubt::broker::parse_options(3, argv, "/home/u", nullptr);
  EXPECT_EQ(o.crosscheck_server, "b.onion:50001:t");
  ASSERT_EQ(o.command.size(), 1u);
}

}  // namespace
