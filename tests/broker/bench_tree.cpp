// Benchmarks for the process tree: cold start until every child answered, and
// the Cap'n Proto round trip broker<->child against a raw socketpair round
// trip measured in the same run.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ipc/peer.h"
#include "ipc/signer.capnp.h"
#include "sandbox/spawn.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

std::string bin_dir() {
  const char* d = getenv("REDOUBT_BIN_DIR");
  if (d != nullptr) return d;
  // Default: bench/ sits next to bin/ in the build tree.
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "bin";
  self[n] = 0;
  std::string s(self);
  return s.substr(0, s.rfind('/')) + "/../bin";
}

// Runs `redoubt getinfo` (which answers only once every child has answered
// hello) and returns the wall time until the broker exited.
double cold_start_ms(const std::string& datadir) {
  std::string bin = bin_dir() + "/redoubt";
  std::vector<std::string> args = {bin,       "--datadir", datadir,  "--network",
                                   "regtest", "--json",    "getinfo"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  auto t0 = Clock::now();
  pid_t pid;
  if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) {
    perror("posix_spawn");
    exit(1);
  }
  int st;
  waitpid(pid, &st, 0);
  double ms = us_since(t0) / 1000.0;
  posix_spawn_file_actions_destroy(&fa);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    fprintf(stderr, "bench: redoubt getinfo failed (status %d)\n", st);
    exit(1);
  }
  return ms;
}

// Raw baseline: 8 bytes to an echo process over a socketpair and back.
std::vector<double> raw_roundtrips(int n) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    char b[8];
    while (read(sv[1], b, sizeof b) == static_cast<ssize_t>(sizeof b)) {
      if (write(sv[1], b, sizeof b) != static_cast<ssize_t>(sizeof b)) break;
    }
    _exit(0);
  }
  close(sv[1]);
  std::vector<double> out;
  char b[8] = {};
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    if (write(sv[0], b, sizeof b) != static_cast<ssize_t>(sizeof b)) break;
    if (read(sv[0], b, sizeof b) != static_cast<ssize_t>(sizeof b)) break;
    out.push_back(us_since(t0));
  }
  close(sv[0]);
  waitpid(pid, nullptr, 0);
  return out;
}

// Cap'n Proto: Signer.hello on a child speaking the real protocol.
std::vector<double> capnp_roundtrips(int n) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
  redoubt::sandbox::SpawnSpec spec;
  spec.path = bin_dir() + "/../tests/redoubt-fakechild";
  spec.argv = {"redoubt-fakechild", "keyd", "normal", "/tmp"};
  spec.channel_fd = sv[1];
  pid_t pid = redoubt::sandbox::spawn(spec);
  close(sv[1]);
  std::vector<double> out;
  {
    auto io = kj::setupAsyncIo();
    redoubt::ipc::Peer peer(*io.lowLevelProvider, sv[0],
                            capnp::Capability::Client(capnp::newBrokenCap("none")),
                            redoubt::ipc::kKeydLimits, true);
    auto signer = peer.remote<redoubt::ipc::schema::Signer>();
    for (int i = 0; i < n + 50; ++i) {
      auto t0 = Clock::now();
      signer.helloRequest().send().wait(io.waitScope);
      if (i >= 50) out.push_back(us_since(t0));  // first 50 warm up
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return out;
}

}  // namespace

int main() {
  char tmpl[] = "/tmp/redoubt-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::vector<double> starts;
  cold_start_ms(dir + "/w");  // warm the page cache
  for (int i = 0; i < 20; ++i) starts.push_back(cold_start_ms(dir + "/w"));
  printf("bench: tree_cold_start %.2f ms\n", percentile(starts, 0.5));

  const int n = 5000;
  auto raw = raw_roundtrips(n);
  auto rpc = capnp_roundtrips(n);
  double raw50 = percentile(raw, 0.5), raw99 = percentile(raw, 0.99);
  double rpc50 = percentile(rpc, 0.5), rpc99 = percentile(rpc, 0.99);
  printf("bench: raw_socketpair_roundtrip_p50 %.2f us\n", raw50);
  printf("bench: ipc_roundtrip_p50 %.2f us x %.2f vs raw_socketpair_roundtrip_p50\n", rpc50,
         rpc50 / raw50);
  printf("bench: ipc_roundtrip_p99 %.2f us x %.2f vs raw_socketpair_roundtrip_p99\n", rpc99,
         rpc99 / raw99);
  std::string rm = "rm -rf '" + dir + "'";
  return system(rm.c_str()) == 0 ? 0 : 1;
}
