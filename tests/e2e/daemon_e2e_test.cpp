// `redoubt daemon` through the real binaries against the local universe: two
// clients at once, a client of another uid refused (by the socket's mode and,
// with the mode loosened, by the broker's SO_PEERCRED check alone), `stop`
// leaving no process behind, a client killed mid-command, a stale socket, and
// --password-fd in one-shot and daemon mode.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_driver.h"
#include "tests/e2e/tui_driver.h"

namespace redoubt::test {
namespace {

using namespace std::chrono_literals;

bool alive(pid_t pid) {
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(st, line)) return false;
  auto rp = line.rfind(')');
  return rp != std::string::npos && rp + 2 < line.size() && line[rp + 2] != 'Z';
}

// Waits for our child `pid` to exit; its wait status, or -1 on timeout.
int wait_child(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid) return st;
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

bool gone_within(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!alive(pid)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// Processes whose parent is `ppid`.
std::vector<pid_t> children_of(pid_t ppid) {
  std::vector<pid_t> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream st(e.path() / "stat");
    std::string line;
    if (!std::getline(st, line)) continue;
    auto rp = line.rfind(')');
    if (rp == std::string::npos) continue;
    std::istringstream rest(line.substr(rp + 2));
    std::string state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == ppid) out.push_back(std::stoi(name));
  }
  return out;
}

std::string exe_of(pid_t pid) {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
}

int connect_to(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  close(fd);
  return -1;
}

// Like spawn_with_input, and `secret` readable on fd `secret_fd` of the child.
Spawned spawn_with_secret_fd(const std::vector<std::string>& args, int secret_fd,
                             const std::string& secret) {
  int sp[2];
  if (pipe2(sp, O_CLOEXEC) != 0) abort();
  if (write(sp[1], secret.data(), secret.size()) != static_cast<ssize_t>(secret.size())) abort();
  close(sp[1]);
  Spawned s = spawn_with_input(args, "", sp[0], secret_fd);  // stdin: empty
  close(sp[0]);
  return s;
}

class DaemonE2E : public E2E {
 protected:
  void TearDown() override {
    if (daemon_ > 0) {
      kill(daemon_, SIGKILL);
      waitpid(daemon_, nullptr, 0);
    }
    E2E::TearDown();
  }
  std::string socket_path() const { return wallet_ + "/regtest/daemon.sock"; }
  std::string log() const {
    std::ifstream f(log_path_);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  // Starts `redoubt daemon` (stdout and stderr to a log file) and waits until
  // its socket accepts connections.
  pid_t start_daemon() {
    log_path_ = datadir() + "/daemon.log";
    std::vector<std::string> args = argv({"daemon"});
    std::vector<char*> a;
    for (auto& s : args) a.push_back(s.data());
    a.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, a[0], &fa, nullptr, a.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    EXPECT_EQ(rc, 0);
    daemon_ = pid;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      int fd = connect_to(socket_path());
      if (fd >= 0) {
        close(fd);
        return pid;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "the daemon did not listen within 30 s: " << log();
    return pid;
  }
  // The daemon's exit status after it stopped (-1: still running).
  int reap_daemon(std::chrono::milliseconds timeout = 15s) {
    int st = wait_child(daemon_, timeout);
    if (st != -1) daemon_ = -1;
    return st;
  }
  static pid_t pid_of(const Json& info, const std::string& role) {
    for (const auto& p : info["processes"])
      if (p["role"] == role) return p["pid"].get<pid_t>();
    return 0;
  }
  pid_t daemon_ = -1;
  std::string log_path_;
};

TEST_F(DaemonE2E, TwoConcurrentClientsGetTheirOwnOutputAndExitCodes) {
  create();
  const pid_t d = start_daemon();
  // A slow client (getinfo 4 times, 0.4 s apart) and, meanwhile, a wallet
  // query and a usage error: each gets its own ui, output and exit code.
  Spawned slow = spawn_with_input(argv({"watch", "0.4", "--count", "4"}), "");
  std::this_thread::sleep_for(300ms);
  Result bal = r({"getbalance"});
  Result bad = r({"no-such-command"});
  Result watch = collect(slow);

  ASSERT_EQ(bal.rc, 0) << bal.err;
  EXPECT_TRUE(bal.json().contains("confirmed")) << bal.out;
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("unknown command 'no-such-command'"), std::string::npos) << bad.err;
  EXPECT_TRUE(bad.out.empty()) << bad.out;
  ASSERT_EQ(watch.rc, 0) << watch.err;
  std::istringstream lines(watch.out);
  std::string line;
  int n = 0;
  pid_t slow_ui = 0;
  while (std::getline(lines, line)) {
    Json info = Json::parse(line, nullptr, false);
    ASSERT_TRUE(info.is_object()) << line;
    // Served by the daemon's tree: its broker, one ui for the whole watch.
    EXPECT_EQ(pid_of(info, "broker"), d);
    if (slow_ui == 0) slow_ui = pid_of(info, "ui");
    EXPECT_EQ(pid_of(info, "ui"), slow_ui);
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_GT(slow_ui, 0);
  EXPECT_TRUE(alive(d)) << log();
}

TEST_F(DaemonE2E, AClientOfAnotherUidIsRefusedByModeAndByPeerCredentials) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to uid 65534";
  create();
  start_daemon();
  struct stat st {};
  ASSERT_EQ(stat(socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((wallet_ + "/regtest").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Let uid 65534 reach the directory, so that the socket's own mode is
  // what is tested first.
  for (const std::string& dir : {datadir(), wallet_, wallet_ + "/regtest"})
    ASSERT_EQ(chmod(dir.c_str(), 0711), 0);

  // In a child as uid 65534: connect, then read. Reports {connect errno,
  // read result} through a pipe.
  auto try_as_nobody = [&]() -> std::pair<int, int> {
    int p[2];
    EXPECT_EQ(pipe(p), 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", socket_path().c_str());
    pid_t pid = fork();
    if (pid == 0) {
      int res[2] = {0, -2};
      if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(3);
      int fd = socket(AF_UNIX, SOCK_STREAM, 0);
      // The refusal is immediate; a broker that waited for a request would
      // only hang up after its 10 s request timeout.
      timeval tv{3, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        res[0] = errno;
      } else {
        char c;
        res[1] = static_cast<int>(read(fd, &c, 1));  // 0: the broker hung up at once
      }
      (void)!write(p[1], res, sizeof res);
      _exit(0);
    }
    close(p[1]);
    int res[2] = {-1, -1};
    EXPECT_EQ(read(p[0], res, sizeof res), static_cast<ssize_t>(sizeof res));
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return {res[0], res[1]};
  };

  auto [err1, read1] = try_as_nobody();
  EXPECT_EQ(err1, EACCES) << "the 0600 socket let another user connect";

  // Loosened by hand: the kernel lets the connection through, and the
  // broker's SO_PEERCRED check alone refuses it.
  ASSERT_EQ(chmod(socket_path().c_str(), 0666), 0);
  auto [err2, read2] = try_as_nobody();
  EXPECT_EQ(err2, 0);
  EXPECT_EQ(read2, 0) << "the broker did not close the connection";
  std::this_thread::sleep_for(200ms);
  EXPECT_NE(log().find("refused a client of uid 65534"), std::string::npos) << log();
  // And our own user is still served.
  Result info = r({"getinfo"});
  EXPECT_EQ(info.rc, 0) << info.err;
  EXPECT_EQ(pid_of(info.json(), "broker"), daemon_);
}

TEST_F(DaemonE2E, StopLeavesNoProcessBehindAndASecondDaemonIsRefused) {
  create();
  const pid_t d = start_daemon();
  Result second = r({"daemon"});
  EXPECT_EQ(second.rc, 1);
  EXPECT_NE(second.err.find("already running"), std::string::npos) << second.err;

  Result info = r({"getinfo"});
  ASSERT_EQ(info.rc, 0) << info.err;
  const pid_t keyd = pid_of(info.json(), "keyd"), netd = pid_of(info.json(), "netd");
  ASSERT_GT(keyd, 0);
  ASSERT_GT(netd, 0);
  EXPECT_EQ(pid_of(info.json(), "broker"), d);

  Result stop = r({"stop"});
  EXPECT_EQ(stop.rc, 0) << stop.err;
  EXPECT_EQ(stop.json(), "Daemon stopped") << stop.out;
  // `stop` answers once the tree is down: nothing left at that moment.
  EXPECT_FALSE(alive(keyd));
  EXPECT_FALSE(alive(netd));
  // Not one child process (the broker's own image aside: under ASan the
  // exiting daemon's leak checker runs in a clone of itself).
  const std::string image = exe_of(d);
  for (pid_t c : children_of(d)) {
    if (exe_of(c) == image) continue;
    ADD_FAILURE() << "left behind: pid " << c << " " << exe_of(c);
  }
  int st = reap_daemon();
  ASSERT_NE(st, -1) << "the daemon did not exit: " << log();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  EXPECT_NE(access(socket_path().c_str(), F_OK), 0) << "the socket was left behind";

  // Without a daemon: `stop` says so, and a command runs its own tree.
  Result again = r({"stop"});
  EXPECT_EQ(again.rc, 1);
  EXPECT_NE(again.err.find("no daemon is running"), std::string::npos) << again.err;
  Result one_shot = r({"getinfo"});
  ASSERT_EQ(one_shot.rc, 0) << one_shot.err;
  EXPECT_NE(pid_of(one_shot.json(), "broker"), d);
}

TEST_F(DaemonE2E, AClientKilledMidCommandTakesItsUiNotTheDaemon) {
  create();
  const pid_t d = start_daemon();
  Result before = r({"getinfo"});
  ASSERT_EQ(before.rc, 0) << before.err;
  const pid_t keyd = pid_of(before.json(), "keyd");

  Spawned slow = spawn_with_input(argv({"watch", "0.2"}), "");  // until interrupted
  // Its first line names its ui.
  std::string first;
  char c;
  while (first.find('\n') == std::string::npos && read(slow.out, &c, 1) == 1) first += c;
  Json info = Json::parse(first, nullptr, false);
  ASSERT_TRUE(info.is_object()) << first;
  const pid_t ui = pid_of(info, "ui");
  ASSERT_GT(ui, 0);
  EXPECT_TRUE(alive(ui));

  kill(slow.pid, SIGINT);  // Ctrl-C reaches the client front only
  Result killed = collect(slow, 10000);
  EXPECT_EQ(killed.rc, 128 + SIGINT);
  EXPECT_TRUE(gone_within(ui, 5s)) << "the ui outlived its client: " << log();
  EXPECT_TRUE(alive(d));

  Result after = r({"getinfo"});
  ASSERT_EQ(after.rc, 0) << after.err;
  EXPECT_EQ(pid_of(after.json(), "broker"), d);
  EXPECT_EQ(pid_of(after.json(), "keyd"), keyd) << "keyd was restarted";
  EXPECT_NE(log().find("client went away"), std::string::npos) << log();
}

TEST_F(DaemonE2E, AStaleSocketIsReplaced) {
  create();
  const pid_t d = start_daemon();
  kill(d, SIGKILL);
  ASSERT_NE(reap_daemon(), -1);
  ASSERT_EQ(access(socket_path().c_str(), F_OK), 0) << "expected the killed daemon's socket";
  // Nobody answers there: a command runs one-shot...
  Result one_shot = r({"getinfo"});
  ASSERT_EQ(one_shot.rc, 0) << one_shot.err;
  EXPECT_NE(pid_of(one_shot.json(), "broker"), d);
  // ...and a new daemon removes the stale socket and listens.
  const pid_t d2 = start_daemon();
  Result info = r({"getinfo"});
  ASSERT_EQ(info.rc, 0) << info.err;
  EXPECT_EQ(pid_of(info.json(), "broker"), d2);
  EXPECT_EQ(r({"stop"}).rc, 0);
  EXPECT_NE(reap_daemon(), -1);
}

TEST_F(DaemonE2E, TheInteractiveModeRunsThroughTheDaemonAndFollowsResizes) {
  create();
  const pid_t d = start_daemon();
  // `redoubt` with no command in a pty: the client hands the daemon the pty;
  // its ui has no controlling terminal, so a resize reaches it only through
  // the client (SIGWINCH -> one byte -> the daemon signals the ui).
  std::vector<std::string> args = argv({});
  args.erase(std::find(args.begin(), args.end(), "--json"));
  PtySession s(args, 24, 80);
  ASSERT_TRUE(s.wait_text("[1 Balance]")) << s.screen().text() << log();
  ASSERT_TRUE(s.wait_for([](const VtScreen& v) { return v.row(23).find("server ") == 0; }))
      << s.screen().text();
  s.resize(40, 120);
  ASSERT_TRUE(s.wait_for([](const VtScreen& v) { return v.row(39).find("server ") == 0; }, 10000))
      << "no redraw at the new size: " << s.screen().text();
  s.type("q");
  EXPECT_EQ(s.wait_exit(), 0);
  EXPECT_TRUE(alive(d));
  EXPECT_EQ(r({"stop"}).rc, 0);
  EXPECT_NE(reap_daemon(), -1);
}

// Ctrl-C at a password prompt: the prompt's ui turned echo off on the
// client's terminal, and the ui is in the daemon's session, not the
// terminal's; the client is what gets SIGINT and must put echo back.
TEST_F(DaemonE2E, CtrlCAtAPasswordPromptLeavesTheTerminalEchoing) {
  create();
  universe().fund(address(), 100'000'000, /*confirm=*/true);
  const pid_t d = start_daemon();
  std::vector<std::string> args =
      argv({"payto", "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka", "0.5"});
  args.erase(std::find(args.begin(), args.end(), "--json"));
  PtySession s(args, 24, 80);
  ASSERT_TRUE(s.wait_text("Password:")) << s.screen().text() << log();
  ASSERT_TRUE(s.wait_for([&](const VtScreen&) { return (s.modes().c_lflag & ECHO) == 0; }, 10000))
      << "precondition: the prompt turned echo off";
  s.type("\x03");  // the line discipline sends SIGINT to the foreground group
  EXPECT_EQ(s.wait_exit(), 130);
  EXPECT_NE(s.modes().c_lflag & ECHO, 0u) << "echo is back after Ctrl-C";
  EXPECT_EQ(s.modes().c_lflag, s.initial_modes().c_lflag);
  EXPECT_TRUE(alive(d));
  EXPECT_EQ(r({"getbalance"}).json()["confirmed"], "1") << "nothing was spent";
  EXPECT_EQ(r({"stop"}).rc, 0);
  EXPECT_NE(reap_daemon(), -1);
}

// A client that names another server or proxy than the daemon's is refused
// with what the daemon uses: never served quietly through the daemon's.
TEST_F(DaemonE2E, AClientAskingForAnotherServerOrProxyIsRefused) {
  create();
  const pid_t d = start_daemon();
  std::vector<std::string> args = argv({"getbalance"});
  auto at = std::find(args.begin(), args.end(), "--server");
  ASSERT_NE(at, args.end());
  *(at + 1) = "elsewhere.onion:50001:t";
  Result other = run(args, "");
  EXPECT_EQ(other.rc, 2) << other.err;
  EXPECT_NE(other.err.find("the running daemon uses server " + std::string(kServer)),
            std::string::npos)
      << other.err;
  EXPECT_NE(other.err.find("not the --server elsewhere.onion:50001:t"), std::string::npos)
      << other.err;
  EXPECT_EQ(other.out, "") << "no command ran";
  std::vector<std::string> proxy_args = argv({"getbalance"});
  auto p = std::find(proxy_args.begin(), proxy_args.end(), "--proxy");
  ASSERT_NE(p, proxy_args.end());
  *(p + 1) = "unix:" + datadir() + "/another.sock";
  Result other_proxy = run(proxy_args, "");
  EXPECT_EQ(other_proxy.rc, 2) << other_proxy.err;
  EXPECT_NE(other_proxy.err.find("not the --proxy unix:"), std::string::npos) << other_proxy.err;
  // The same options as the daemon's (all of these tests pass them) are fine.
  EXPECT_EQ(r({"getbalance"}).rc, 0);
  EXPECT_TRUE(alive(d));
  EXPECT_EQ(r({"stop"}).rc, 0);
  EXPECT_NE(reap_daemon(), -1);
}

TEST_F(DaemonE2E, TheDaemonReconnectsOnItsOwnAndFollowsNewBlocks) {
  create();
  // The daemon's first server session is dropped at its first request.
  universe().set_misbehaviour(testsupport::Misbehaviour::drop,
                              testsupport::MisbehaviourScope::next_connection);
  start_daemon();
  // getinfo only reads the daemon's state (it never asks for a sync).
  auto synced_to = [&](int height, std::chrono::seconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      Result i = r({"getinfo"});
      if (i.rc == 0 && i.json()["sync_height"] == height &&
          i.json()["server"].get<std::string>().find("(connected)") != std::string::npos)
        return true;
      std::this_thread::sleep_for(300ms);
    }
    return false;
  };
  // Nobody asks it to: its own retry timer opens a new session.
  EXPECT_TRUE(synced_to(universe().height(), 40s)) << log();
  // Two sessions: the dropped one and the daemon's retry.
  const std::string l = log();
  const auto first = l.find("using proxy");
  ASSERT_NE(first, std::string::npos) << l;
  EXPECT_NE(l.find("using proxy", first + 1), std::string::npos) << l;
  // The server's notifications keep it synced.
  universe().mine(3);
  EXPECT_TRUE(synced_to(universe().height(), 20s)) << log();
}

TEST_F(DaemonE2E, ADatadirTooLongForASocketStillRunsOneShot) {
  // sun_path holds 107 bytes: no daemon can listen in here, and commands
  // must not care (they look for a daemon first).
  const std::string dir = wallet_ + "/" + std::string(100, 'd');
  Result info = r({"getinfo"}, "", dir);
  ASSERT_EQ(info.rc, 0) << info.err;
  Result d = r({"daemon"}, "", dir);
  EXPECT_EQ(d.rc, 1);
  EXPECT_NE(d.err.find("too long"), std::string::npos) << d.err;
}

TEST_F(DaemonE2E, PasswordFdInOneShotAndDaemonMode) {
  create();  // password "pw-e2e"
  // One-shot: current and new password on fd 5; stdin is empty (not read).
  Result one = collect(
      spawn_with_secret_fd(argv({"--password-fd", "5", "password"}), 5, "pw-e2e\npw-two\n"));
  ASSERT_EQ(one.rc, 0) << one.err;
  EXPECT_EQ(one.json()["password"], "changed") << one.out;
  EXPECT_EQ(one.err.find("password:"), std::string::npos) << "prompted: " << one.err;

  start_daemon();
  // Through the daemon (the fd travels with SCM_RIGHTS), given after the
  // command this time; then a wrong current password is reported as such.
  Result two = collect(
      spawn_with_secret_fd(argv({"password", "--password-fd", "3"}), 3, "pw-two\npw-three\n"));
  ASSERT_EQ(two.rc, 0) << two.err;
  EXPECT_EQ(two.json()["password"], "changed") << two.out;
  Result wrong = collect(
      spawn_with_secret_fd(argv({"--password-fd", "3", "password"}), 3, "pw-two\npw-four\n"));
  EXPECT_EQ(wrong.rc, 5) << wrong.err;
  // A closed fd is a usage error before anything runs.
  Result closed = r({"--password-fd", "9", "password"});
  EXPECT_EQ(closed.rc, 2);
  EXPECT_NE(closed.err.find("not open"), std::string::npos) << closed.err;
  EXPECT_EQ(r({"stop"}).rc, 0);
  EXPECT_NE(reap_daemon(), -1);
}

// The daemon cross-checks with the server it was started with: a client's
// --crosscheck-server (even "none", the override) is refused, not ignored.
TEST_F(DaemonE2E, ClientCrossCheckServerIsRefusedWithAdvice) {
  create();
  start_daemon();
  Result c = r({"--crosscheck-server", "none", "getinfo"});
  EXPECT_EQ(c.rc, 2) << c.err;
  EXPECT_NE(c.err.find("--crosscheck-server applies to the daemon"), std::string::npos) << c.err;
  EXPECT_EQ(r({"getinfo"}).rc, 0);
  EXPECT_EQ(r({"stop"}).rc, 0);
  EXPECT_NE(reap_daemon(), -1);
}

}  // namespace
}  // namespace redoubt::test
