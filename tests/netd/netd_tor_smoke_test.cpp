// netd's SOCKS5 handshake against Debian's real tor on a Unix SocksPort with
// IsolateSOCKSAuth: authentication is accepted and a CONNECT refusal comes
// back mapped to a clear message. No packet leaves the machine: tor's own
// connections go through Socks5Proxy 127.0.0.1:9, where nothing listens.
// (DisableNetwork 1 would be simpler but tor then opens no SocksPort at all.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "netd/error.h"
#include "netd/transport.h"
#include "sandbox/spawn.h"
#include "tests/netd/netd_test_util.h"

namespace redoubt::netd {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTor = "/usr/sbin/tor";

TEST(NetdTorSmoke, HandshakeAndMappedRefusal) {
  if (::access(kTor, X_OK) != 0) GTEST_SKIP() << "tor is not installed (" << kTor << ")";
  test::TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  const std::string sock_dir = dir.path() + "/s";
  ASSERT_EQ(::mkdir(sock_dir.c_str(), 0700), 0);  // tor insists on a private directory
  const std::string sock = sock_dir + "/socks";

  sandbox::SpawnSpec spec;
  spec.path = kTor;
  spec.argv = {"tor", "-f", "/dev/null", "--ignore-missing-torrc", "--DataDirectory",
               dir.path() + "/data", "--SocksPort",
               "unix:" + sock + " IsolateSOCKSAuth ExtendedErrors",
               // Every connection tor makes goes to a closed local port.
               "--UseBridges", "1", "--Bridge", "127.0.0.1:9", "--Socks5Proxy", "127.0.0.1:9",
               "--__OwningControllerProcess", std::to_string(::getpid()), "--Log", "err stderr"};
  pid_t tor = sandbox::spawn(spec);
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{tor};

  struct stat st;
  auto until = std::chrono::steady_clock::now() + 30s;
  while (::stat(sock.c_str(), &st) != 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "tor did not open its SocksPort";
    int status = 0;
    ASSERT_EQ(::waitpid(tor, &status, WNOHANG), 0) << "tor exited early";
    std::this_thread::sleep_for(100ms);
  }

  TransportOptions o;
  o.proxy.kind = ProxyKind::unix_socket;
  o.proxy.address = sock;
  o.proxy.source = "test";
  // Not a valid v3 onion address: tor answers at once with its extended
  // code 0xF6 (and an IPv6-typed bound address the parser must skip).
  o.server = {"aaaaaaaaaaaaaaaa.onion", 50001, false};
  o.connect_timeout = 20s;
  for (int i = 0; i < 2; ++i) {  // two isolation identities, both accepted
    o.credentials = random_credentials();
    try {
      Transport::open(o);
      FAIL() << "tor accepted a CONNECT to an invalid onion address";
    } catch (const NetError& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(socks_reply_message(0xf6)), std::string::npos) << msg;
      EXPECT_EQ(msg.find("rejected the SOCKS username"), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace redoubt::netd
