// The real redoubt-netd and redoubt-keyd, spawned exactly as the broker
// spawns them (their policies, the Tor socket or the keystore as the only
// path of their own): once they have locked themselves down, the kernel must
// report them confined as declared.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "sandbox/audit.h"
#include "sandbox/spawn.h"

namespace redoubt::sandbox {
namespace {

std::string status_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Spawns `exe` under `policy` as the broker does, waits until it has
// installed its filter (it locks down before reading a byte from us), and
// checks every audit line the kernel answers. The Landlock ABI line is the
// child's own report (its hello to the broker), not read here.
void expect_confined(const std::string& name, const std::string& policy,
                     std::vector<std::string> argv, std::map<std::string, std::string> params) {
  const char* bin = std::getenv("REDOUBT_BIN_DIR");
  ASSERT_NE(bin, nullptr);
  std::string exe = std::string(bin) + "/" + name;
  struct stat st;
  ASSERT_EQ(stat(exe.c_str(), &st), 0) << exe << " is not built";
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  SpawnSpec spec;
  spec.path = exe;
  spec.argv = std::move(argv);
  spec.channel_fd = sv[1];
  spec.policy = policy;
  spec.params = std::move(params);
  std::string failure;
  pid_t pid = spawn(spec, &failure);
  close(sv[1]);
  ASSERT_TRUE(failure.empty()) << failure;

  bool filtered = false;
  for (int i = 0; i < 100 && !filtered; ++i) {
    filtered = status_of(pid).find("Seccomp:\t2") != std::string::npos;
    if (!filtered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(filtered) << name << " never installed its filter:\n" << status_of(pid);
  AuditResult r = audit_process(pid, policy);
  std::string table = render_table({r});
  for (const auto& l : r.lines) {
    if (l.check != "landlock") {
      EXPECT_TRUE(l.ok) << l.check << ": " << l.actual << "\n" << table;
    }
  }
  kill(pid, SIGKILL);
  int wst = 0;
  waitpid(pid, &wst, 0);
  EXPECT_TRUE(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL) << name << " died before we killed it";
  close(sv[0]);
}

TEST(SandboxRealChildren, NetdIsConfinedAsDeclared) {
  char tmpl[] = "/tmp/redoubt-real-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string tor = std::string(tmpl) + "/tor.sock";
  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", tor.c_str());
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(lfd, 4), 0);
  expect_confined("redoubt-netd", "netd",
                  {"redoubt-netd", "--network", "regtest", "--policy", "netd"},
                  {{"tor_socket", tor}});
  close(lfd);
  unlink(tor.c_str());
  rmdir(tmpl);
}

TEST(SandboxRealChildren, KeydIsConfinedAsDeclared) {
  char tmpl[] = "/tmp/redoubt-real-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string data = tmpl;
  // The broker creates the keystore directory before spawning keyd: the
  // view binds only what exists.
  ASSERT_EQ(mkdir((data + "/keyd").c_str(), 0700), 0);
  expect_confined("redoubt-keyd", "keyd",
                  {"redoubt-keyd", "--datadir", data, "--network", "regtest"},
                  {{"keystore", data + "/keyd"}});
  rmdir((data + "/keyd").c_str());
  rmdir(tmpl);
}

}  // namespace
}  // namespace redoubt::sandbox
