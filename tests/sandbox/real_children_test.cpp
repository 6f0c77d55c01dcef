// The real redoubt-netd, spawned exactly as the broker spawns it (policy
// netd, the Tor socket as its only socket): once it has locked itself down,
// the kernel must report it confined as declared.
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

TEST(SandboxRealChildren, NetdIsConfinedAsDeclared) {
  const char* bin = std::getenv("REDOUBT_BIN_DIR");
  ASSERT_NE(bin, nullptr);
  std::string exe = std::string(bin) + "/redoubt-netd";
  struct stat st;
  ASSERT_EQ(stat(exe.c_str(), &st), 0) << exe << " is not built";

  char tmpl[] = "/tmp/redoubt-real-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string tor = std::string(tmpl) + "/tor.sock";
  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", tor.c_str());
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(lfd, 4), 0);

  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  SpawnSpec spec;
  spec.path = exe;
  spec.argv = {"redoubt-netd", "--network", "regtest", "--policy", "netd"};
  spec.channel_fd = sv[1];
  spec.policy = "netd";
  spec.params["tor_socket"] = tor;
  std::string failure;
  pid_t pid = spawn(spec, &failure);
  close(sv[1]);
  ASSERT_TRUE(failure.empty()) << failure;

  // netd locks down before it reads a byte from us: wait for the filter.
  bool filtered = false;
  for (int i = 0; i < 100 && !filtered; ++i) {
    filtered = status_of(pid).find("Seccomp:\t2") != std::string::npos;
    if (!filtered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(filtered) << status_of(pid);
  AuditResult r = audit_process(pid, "netd");
  std::string table = render_table({r});
  // Every line the kernel answers must hold; the Landlock ABI is netd's own
  // report (its hello to the broker), not read here.
  for (const auto& l : r.lines) {
    if (l.check != "landlock") {
      EXPECT_TRUE(l.ok) << l.check << ": " << l.actual << "\n" << table;
    }
  }

  kill(pid, SIGKILL);
  int wst = 0;
  waitpid(pid, &wst, 0);
  EXPECT_TRUE(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL) << "netd died before we killed it";
  close(sv[0]);
  close(lfd);
  unlink(tor.c_str());
  rmdir(tmpl);
}

}  // namespace
}  // namespace redoubt::sandbox
