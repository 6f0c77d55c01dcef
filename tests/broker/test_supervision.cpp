// The process tree through the real broker: round trips, restarts after
// SIGKILL, protocol violations, broker death, fd hygiene, orderly shutdown.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/broker/tree_harness.h"

namespace redoubt::test {
namespace {

using namespace std::chrono_literals;

class Supervision : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = make_temp_dir();
    datadir_ = root_ + "/data";
  }
  void TearDown() override { remove_tree(root_); }

  // A tree running `watch` so it stays up; returns the first fully answered info.
  Json start_watching(Tree& t) {
    auto info = t.wait_for(all_answered, 10s);
    EXPECT_TRUE(info.has_value()) << t.stderr_text();
    return info.value_or(Json::object());
  }

  std::string root_, datadir_;
};

TEST_F(Supervision, GetinfoShowsEveryChildAnsweringAndLeavesNothingBehind) {
  Tree t(datadir_, "", {"getinfo"});
  auto info = t.read_document(10s);
  ASSERT_TRUE(info.has_value()) << t.stderr_text();
  EXPECT_TRUE(all_answered(*info)) << info->dump();
  std::set<pid_t> pids;
  for (const char* role : {"broker", "keyd", "netd", "ui"}) {
    pid_t p = role_pid(*info, role);
    EXPECT_GT(p, 0) << role;
    pids.insert(p);
  }
  EXPECT_EQ(pids.size(), 4u) << "each process has its own pid";
  EXPECT_EQ(role_pid(*info, "broker"), t.pid());
  auto st = t.wait_exit(10s);
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << t.stderr_text();
  for (const char* role : {"keyd", "netd", "ui"}) {
    EXPECT_TRUE(wait_gone(role_pid(*info, role), 1s)) << role << " left behind";
  }
}

TEST_F(Supervision, NetdAndUiKilledAreRestarted) {
  Tree t(datadir_, "", {"watch", "0.1"});
  Json first = start_watching(t);
  for (const char* role : {"netd", "ui"}) {
    pid_t old = role_pid(first, role);
    ASSERT_GT(old, 0);
    ASSERT_EQ(kill(old, SIGKILL), 0);
    auto after = t.wait_for(
        [&](const Json& j) {
          pid_t now = role_pid(j, role);
          return now > 0 && now != old && all_answered(j);
        },
        10s);
    ASSERT_TRUE(after.has_value()) << role << " was not restarted\n" << t.stderr_text();
    // The killed child was reaped: no zombie left.
    EXPECT_TRUE(wait_gone(old, 1s));
    first = *after;
  }
  EXPECT_NE(t.stderr_text().find("netd was killed by SIGKILL; restarting it"), std::string::npos)
      << t.stderr_text();
}

TEST_F(Supervision, KeydKilledLeavesWalletLockedAndIsRestarted) {
  Tree t(datadir_, "", {"watch", "0.1"});
  Json first = start_watching(t);
  pid_t old = role_pid(first, "keyd");
  ASSERT_EQ(kill(old, SIGKILL), 0);
  auto after =
      t.wait_for([&](const Json& j) { return role_pid(j, "keyd") != old && all_answered(j); }, 10s);
  ASSERT_TRUE(after.has_value()) << t.stderr_text();
  for (const auto& p : (*after)["processes"]) {
    if (p["role"] == "keyd") {
      EXPECT_GE(p["restarts"].get<int>(), 1);
    }
  }
  EXPECT_NE(t.stderr_text().find("the wallet is locked"), std::string::npos) << t.stderr_text();
}

TEST_F(Supervision, BrokerSigkillTakesEveryChildDownWithinOneSecond) {
  Tree t(datadir_, "", {"watch", "0.2"});
  Json info = start_watching(t);
  ASSERT_EQ(kill(t.pid(), SIGKILL), 0);
  ASSERT_TRUE(t.wait_exit(2s).has_value());
  for (const char* role : {"keyd", "netd", "ui"}) {
    EXPECT_TRUE(wait_gone(role_pid(info, role), 1s)) << role << " survived the broker";
  }
}

TEST_F(Supervision, NoBrokerFdLeaksIntoAChild) {
  Tree t(datadir_, "", {"watch", "0.2"});
  Json info = start_watching(t);
  for (const char* role : {"keyd", "netd", "ui"}) {
    // Read while the child is alive; 0-2 are stdio, 3 is its socketpair end.
    // Anything else a child opened itself (epoll, eventfd) is above 3 and
    // must not be one of the broker's: compare inode targets with ours.
    pid_t p = role_pid(info, role);
    std::vector<int> fds = open_fds(p);
    ASSERT_GE(fds.size(), 4u) << role;
    for (int fd : fds) {
      if (fd <= 3) continue;
      std::error_code ec;
      auto target = std::filesystem::read_symlink(
          "/proc/" + std::to_string(p) + "/fd/" + std::to_string(fd), ec);
      ASSERT_FALSE(ec);
      // A child's own event-loop fds are anon inodes; a leaked broker fd
      // would be a socket, a pipe or a file.
      EXPECT_EQ(target.string().rfind("anon_inode:", 0), 0u)
          << role << " has fd " << fd << " -> " << target;
    }
    auto fd3 = std::filesystem::read_symlink("/proc/" + std::to_string(p) + "/fd/3");
    EXPECT_EQ(fd3.string().rfind("socket:", 0), 0u) << role;
  }
}

TEST_F(Supervision, SigtermShutsDownInOrderWithNoProcessLeft) {
  Tree t(datadir_, "", {"watch", "0.2"});
  Json info = start_watching(t);
  ASSERT_EQ(kill(t.pid(), SIGTERM), 0);
  auto st = t.wait_exit(5s);
  ASSERT_TRUE(st.has_value()) << "broker did not stop";
  EXPECT_TRUE(WIFEXITED(*st)) << "broker died instead of exiting";
  EXPECT_EQ(WEXITSTATUS(*st), 143);
  for (const char* role : {"keyd", "netd", "ui"}) {
    EXPECT_TRUE(wait_gone(role_pid(info, role), 500ms)) << role;
  }
}

// Misbehaving children: the fake child misbehaves on its first start only, so
// the restarted one answers and the test sees the recovery.
struct Misbehaviour {
  const char* keyd;
  const char* netd;
  const char* role;
  const char* message;
};

class ProtocolViolation : public Supervision, public ::testing::WithParamInterface<Misbehaviour> {};

TEST_P(ProtocolViolation, BrokerSurvivesAndRestartsTheChild) {
  const Misbehaviour& m = GetParam();
  std::string children = make_child_dir(root_, m.keyd, m.netd);
  Tree t(datadir_, children, {"watch", "0.1"});
  auto info = t.wait_for(
      [&](const Json& j) {
        if (!all_answered(j)) return false;
        for (const auto& p : j["processes"])
          if (p["role"] == m.role && p["restarts"].get<int>() >= 1) return true;
        return false;
      },
      15s);
  ASSERT_TRUE(info.has_value()) << t.stderr_text();
  EXPECT_NE(t.stderr_text().find(m.message), std::string::npos) << t.stderr_text();
  EXPECT_TRUE(alive(t.pid()));
}

INSTANTIATE_TEST_SUITE_P(
    Children, ProtocolViolation,
    ::testing::Values(Misbehaviour{"real", "garbage-once", "netd", "netd violated the protocol"},
                      Misbehaviour{"oversize-once", "real", "keyd", "keyd violated the protocol"},
                      Misbehaviour{"impostor-once", "real", "keyd",
                                   "keyd answered hello as someone else"},
                      Misbehaviour{"real", "silent-once", "netd", "netd did not answer hello"}),
    [](const auto& info) {
      std::string n = std::string(info.param.role) + "_" +
                      (std::string(info.param.keyd) == "real" ? info.param.netd : info.param.keyd);
      for (auto& c : n)
        if (c == '-') c = '_';
      return n;
    });

}  // namespace
}  // namespace redoubt::test
