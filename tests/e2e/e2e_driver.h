// Drives the real `redoubt` binary from GoogleTest against the local regtest
// universe: one-shot commands (stdout, stderr, exit code), a spawned broker
// that a test can kill -9 mid-command, and helpers that read transactions the
// way the chain (the universe) has them rather than as the wallet reports them.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "chain/bytes.h"
#include "chain/tx.h"
#include "tests/support/universe_fixture.h"

extern char** environ;

namespace redoubt::test {

using Json = nlohmann::json;

struct Result {
  int rc = -1;
  std::string out, err;
  Json json() const { return Json::parse(out, nullptr, false); }
};

inline std::string bin(const char* name) {
  const char* d = getenv("REDOUBT_BIN_DIR");
  return std::string(d != nullptr ? d : "bin") + "/" + name;
}

// A started process with its stdin already written and closed.
struct Spawned {
  pid_t pid = -1;
  int out = -1, err = -1;
};

// `extra_fd`, when given, becomes fd `extra_target` in the child (e.g. a
// --password-fd pipe).
inline Spawned spawn_with_input(const std::vector<std::string>& args, const std::string& input,
                                int extra_fd = -1, int extra_target = -1) {
  Spawned s;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) abort();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  if (extra_fd >= 0) posix_spawn_file_actions_adddup2(&fa, extra_fd, extra_target);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&s.pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    s.pid = -1;
    close(in[1]);
    close(out[0]);
    close(err[0]);
    return s;
  }
  if (!input.empty() && write(in[1], input.data(), input.size()) < 0) abort();
  close(in[1]);
  s.out = out[0];
  s.err = err[0];
  return s;
}

// Reads the two pipes into `out` and `err` until both close or `timeout_ms`
// passes, then closes them.
inline void read_pipes(int out_fd, int err_fd, std::string& out, std::string& err, int timeout_ms) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 || poll(fds, 2, static_cast<int>(left)) <= 0) break;
    for (auto& f : fds) {
      if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = read(f.fd, buf, sizeof buf);
      if (n <= 0) {
        close(f.fd);
        f.fd = -1;
        --open_fds;
      } else {
        (&f == &fds[0] ? out : err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
}

// Reads both pipes until they close or `timeout_ms` passes (a killed broker's
// children may keep a pipe open a little while), then reaps the process.
inline Result collect(Spawned s, int timeout_ms = 120000) {
  Result r;
  if (s.pid < 0) return r;
  read_pipes(s.out, s.err, r.out, r.err, timeout_ms);
  int st = 0;
  waitpid(s.pid, &st, 0);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

inline Result run(const std::vector<std::string>& args, const std::string& input) {
  return collect(spawn_with_input(args, input));
}

inline int64_t sat(const Json& amount) {
  return std::llround(std::stod(amount.get<std::string>()) * 1e8);
}

// The fixture: a universe, a wallet directory in it, and the command line
// every invocation shares.
class E2E : public testsupport::UniverseFixture {
 protected:
  static constexpr const char* kServer = "electrum.test:50001:t";
  static constexpr const char* kPassword = "pw-e2e\n";

  void SetUp() override {
    UniverseFixture::SetUp();
    wallet_ = datadir() + "/wallet";
  }
  std::vector<std::string> argv(const std::vector<std::string>& args, const std::string& dir = "") {
    std::vector<std::string> a = {
        bin("redoubt"), "--datadir", dir.empty() ? wallet_ : dir, "--network",
        "regtest",      "--proxy",   "unix:" + endpoints().socks, "--server",
        kServer,        "--json"};
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  Result r(const std::vector<std::string>& args, const std::string& input = "",
           const std::string& dir = "") {
    return run(argv(args, dir), input);
  }
  Result pw(const std::vector<std::string>& args, const std::string& dir = "") {
    return r(args, kPassword, dir);
  }
  void create(const std::string& dir = "") {
    Result c = r({"create"}, kPassword, dir);
    ASSERT_EQ(c.rc, 0) << c.err;
  }
  std::string address(const std::string& dir = "") {
    Result a = r({"getunusedaddress"}, "", dir);
    EXPECT_EQ(a.rc, 0) << a.err;
    return a.json().is_string() ? a.json().get<std::string>() : "";
  }
  // The wallet's receiving addresses (the gap window), in derivation order.
  std::vector<std::string> receiving(const std::string& dir = "") {
    Result la = r({"listaddresses", "--receiving"}, "", dir);
    EXPECT_EQ(la.rc, 0) << la.err;
    std::vector<std::string> v;
    if (la.json().is_array())
      for (const auto& a : la.json()) v.push_back(a.get<std::string>());
    return v;
  }
  // The wallet's balance as JSON (confirmed, unconfirmed...), asserting success.
  Json balance(const std::string& dir = "") {
    Result b = r({"getbalance"}, "", dir);
    EXPECT_EQ(b.rc, 0) << b.err;
    return b.json();
  }
  Json history(const std::string& dir = "") {
    Result h = r({"history"}, "", dir);
    EXPECT_EQ(h.rc, 0) << h.err;
    return h.json()["transactions"];
  }
  // The transaction as the universe (the chain or its mempool) holds it.
  chain::Transaction chain_tx(const std::string& txid) {
    auto raw = universe().raw_tx(txid);
    if (!raw) throw std::runtime_error("the universe does not know " + txid);
    return chain::parse_transaction(*raw);
  }
  std::string wallet_;
};

}  // namespace redoubt::test
