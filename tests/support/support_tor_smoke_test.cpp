// Real Tor, no network: tor with a SOCKS port on a Unix socket and
// IsolateSOCKSAuth accepts the SOCKS5 method selection and RFC 1929
// username/password auth, and answers a CONNECT with a failure reply (it has
// no circuits), never a connection. Skipped only when tor is not installed.
//
// Keeping tor on this machine: `DisableNetwork 1` would be simplest, but tor
// then opens no SOCKS listener at all (tor(1): "we don't listen for or accept
// any connections other than controller connections"). So instead tor runs
// in its own network namespace (only a downed loopback) when the kernel lets
// us make one, AND its only directory authority is 127.0.0.1 with the
// built-in fallback directories off, so even without a namespace every
// connection it tries is to loopback.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "tests/support/net.h"

extern char** environ;

namespace redoubt::testsupport {
namespace {

constexpr const char* kTor = "/usr/sbin/tor";

TEST(TorSmokeTest, SocksHandshakeOverUnixSocketAndFailureReply) {
  if (::access(kTor, X_OK) != 0) {
    GTEST_SKIP() << kTor << " is not installed (Debian package 'tor'); cannot test real Tor";
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "redoubt-tor-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl;
  ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);  // tor insists on a private DataDirectory
  const std::string sock = dir + "/socks.sock";
  const std::string torrc = dir + "/torrc";
  {
    std::ofstream f(torrc);
    // No network at all: tor never opens a connection off this machine.
    f << "DataDirectory " << dir << "\n"
      << "SocksPort unix:" << sock << " IsolateSOCKSAuth\n"
      << "DirAuthority loopback orport=9 no-v2 "
         "v3ident=0000000000000000000000000000000000000000 127.0.0.1:9 "
         "0000 0000 0000 0000 0000 0000 0000 0000 0000 0000\n"
      << "UseDefaultFallbackDirs 0\n"
      << "ClientUseIPv6 0\n"
      << "SocksTimeout 10\n"
      << "ControlPort 0\n"
      << "Log notice file " << dir << "/tor.log\n"
      << "__OwningControllerProcess " << ::getpid() << "\n";
  }
  std::vector<std::string> args = {kTor, "-f", torrc, "--defaults-torrc", "/dev/null"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Own network namespace (root), else an unprivileged user+net namespace.
    if (::unshare(CLONE_NEWNET) != 0) ::unshare(CLONE_NEWUSER | CLONE_NEWNET);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::execve(kTor, argv.data(), environ);
    ::_exit(127);
  }
  auto cleanup = [&] {
    ::kill(pid, SIGTERM);
    int st;
    ::waitpid(pid, &st, 0);
    std::filesystem::remove_all(dir);
  };

  Fd c;
  for (int i = 0; i < 300 && !c; ++i) {
    try {
      c = connect_unix(sock);
    } catch (const std::system_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (!c) {
    std::ifstream log(dir + "/tor.log");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    cleanup();
    FAIL() << "tor's SOCKS socket never appeared; log:\n" << text;
  }

  // Method selection: offer user/pass only; tor must pick it (0x02).
  std::string hello = {0x05, 0x01, 0x02};
  ASSERT_TRUE(write_all(c.get(), hello));
  uint8_t sel[2] = {0, 0};
  ASSERT_TRUE(read_exact(c.get(), sel, 2));
  EXPECT_EQ(sel[0], 0x05);
  EXPECT_EQ(sel[1], 0x02);
  // RFC 1929 auth: tor accepts any credentials (they select the circuit).
  std::string auth = {0x01, 5, 'i', 's', 'o', '-', '1', 2, 'p', 'w'};
  ASSERT_TRUE(write_all(c.get(), auth));
  uint8_t ok[2] = {0xff, 0xff};
  ASSERT_TRUE(read_exact(c.get(), ok, 2));
  EXPECT_EQ(ok[0], 0x01);
  EXPECT_EQ(ok[1], 0x00);
  // CONNECT by hostname: with the network disabled the reply is a failure.
  std::string host = "electrum.test";
  std::string req = {0x05, 0x01, 0x00, 0x03, static_cast<char>(host.size())};
  req += host;
  req += {static_cast<char>(0xc3), 0x51};  // port 50001
  ASSERT_TRUE(write_all(c.get(), req));
  uint8_t rep[4] = {0, 0xff, 0, 0};
  pollfd pfd{c.get(), POLLIN, 0};
  bool got = ::poll(&pfd, 1, 30000) == 1 && read_exact(c.get(), rep, 4);
  if (got) {
    RecordProperty("tor_reply", rep[1]);
    std::cout << "tor answered CONNECT with reply code " << int(rep[1]) << "\n";
    EXPECT_EQ(rep[0], 0x05);
    EXPECT_NE(rep[1], 0x00) << "tor claims a connection without a network";
  } else {
    ADD_FAILURE() << "tor closed the stream without a SOCKS reply";
  }
  cleanup();
}

}  // namespace
}  // namespace redoubt::testsupport
