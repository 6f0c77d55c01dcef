// Benchmark: a command through a running daemon (connect, SCM_RIGHTS, one
// confined ui) against the same command as a one-shot run (whole tree up and
// down), both `redoubt getinfo` on regtest with no server.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

std::string bin_dir() {
  const char* d = getenv("REDOUBT_BIN_DIR");
  if (d != nullptr) return d;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "bin";
  self[n] = 0;
  std::string s(self);
  return s.substr(0, s.rfind('/')) + "/../bin";
}

pid_t start(const std::string& datadir, const char* command) {
  std::vector<std::string> args = {bin_dir() + "/redoubt",
                                   "--datadir",
                                   datadir,
                                   "--network",
                                   "regtest",
                                   "--proxy",
                                   "none",
                                   "--json",
                                   command};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// Wall time of one `redoubt getinfo` until it exited with 0; -1 on failure.
double getinfo_ms(const std::string& datadir) {
  auto t0 = Clock::now();
  pid_t pid = start(datadir, "getinfo");
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  char tmpl[] = "/tmp/rdb-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  const std::string datadir = tmpl;
  constexpr int kRuns = 7;
  std::vector<double> one_shot, daemon;
  for (int i = 0; i < kRuns; ++i) one_shot.push_back(getinfo_ms(datadir));

  pid_t d = start(datadir, "daemon");
  const std::string sock = datadir + "/regtest/daemon.sock";
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sock.c_str());
    up = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (up) {
    getinfo_ms(datadir);  // the daemon's children answer hello first
    for (int i = 0; i < kRuns; ++i) daemon.push_back(getinfo_ms(datadir));
  }
  kill(d, SIGTERM);
  waitpid(d, nullptr, 0);
  std::filesystem::remove_all(datadir);
  if (!up || std::count(one_shot.begin(), one_shot.end(), -1) ||
      std::count(daemon.begin(), daemon.end(), -1)) {
    fprintf(stderr, "bench_daemon: a run failed\n");
    return 1;
  }
  const double base = median(one_shot), via = median(daemon);
  printf("bench: oneshot_getinfo %.1f ms\n", base);
  printf("bench: daemon_getinfo %.1f ms x %.1f vs oneshot_getinfo\n", via, base / via);
  return 0;
}
