// Spawns keyd, netd and the ui, connects to each over Cap'n Proto, and keeps
// them supervised: restart with capped backoff, kill on protocol violation,
// orderly shutdown with no process or zombie left behind.
#pragma once

#include <sys/types.h>

#include <capnp/capability.h>
#include <kj/async-io.h>
#include <kj/async-unix.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "ipc/common.capnp.h"
#include "ipc/network.capnp.h"
#include "ipc/peer.h"
#include "ipc/signer.capnp.h"
#include "ipc/wallet.capnp.h"
#include "policies/policy.h"

namespace redoubt::broker {

enum class Role { kKeyd = 0, kNetd = 1, kUi = 2 };
inline constexpr int kRoleCount = 3;
const char* role_name(Role r);

// What the broker knows about one child: plain data, safe to show.
struct ChildStatus {
  Role role;
  pid_t pid = 0;          // 0 when not running
  bool answered = false;  // answered hello since its last start
  unsigned restarts = 0;
  std::string version;
  std::string landlock;
  int landlock_abi = 0;
  bool seccomp = false;
  std::string seccomp_policy;
  std::string apparmor;
  std::vector<std::string> notes;
};

struct SupervisorConfig {
  std::string child_dir;  // directory holding redoubt-keyd, -netd, -ui
  std::vector<std::string> keyd_args;
  std::vector<std::string> netd_args;
  std::vector<std::string> ui_args;
  bool ui_inherits_terminal = true;
  std::string keystore_dir;          // bound writable into keyd's view
  std::string tor_socket;            // the only socket in netd's view ("" = none)
  std::string netd_policy = "netd";  // or "netd-transproxy" (TCP proxy, transproxy)
  // Read-only paths added to every child's view: only for test harnesses
  // that run stand-in children from outside the install tree (--child-dir).
  std::vector<policies::Bind> extra_binds;
  kj::Duration hello_timeout = 5 * kj::SECONDS;
  kj::Duration backoff_initial = 100 * kj::MILLISECONDS;
  kj::Duration backoff_max = 10 * kj::SECONDS;
  kj::Duration stable_after = 30 * kj::SECONDS;  // up this long: backoff resets
  kj::Duration term_grace = 2 * kj::SECONDS;     // SIGTERM, then SIGKILL
  unsigned max_ui_restarts = 5;                  // then the run ends with an error
};

class Supervisor : private kj::TaskSet::ErrorHandler {
 public:
  // `make_ui_bootstrap` returns the capability the ui gets (the Wallet).
  Supervisor(kj::AsyncIoContext& io, SupervisorConfig config,
             std::function<capnp::Capability::Client()> make_ui_bootstrap);
  ~Supervisor() noexcept(false);

  // Starts all three children.
  void start();
  // Resolves once every running child has answered hello or failed to.
  kj::Promise<void> settled();
  // Resolves with the process exit code once the tree is down.
  kj::Promise<int> done();
  // Orderly shutdown: EOF to each child, SIGTERM, SIGKILL after the grace time.
  void shutdown(int exit_code);

  bool stopping() const { return stopping_; }
  const ChildStatus& status(Role r) const { return slots_[static_cast<int>(r)].status; }
  // The policy (policies/) the child was spawned under.
  std::string policy_of(Role r) const {
    return r == Role::kNetd ? config_.netd_policy : role_name(r);
  }
  // Capabilities of the running children (broken when the child is down).
  ipc::schema::Signer::Client signer();
  ipc::schema::Network::Client network();

  // Called with a message for the user (keyd restarted, a child misbehaved).
  void on_notice(std::function<void(const std::string&)> cb) { notice_ = std::move(cb); }

 private:
  struct Slot {
    ChildStatus status;
    kj::Maybe<pid_t> pid;  // nulled by kj once reaped
    kj::Own<ipc::Peer> peer;
    // Promises that reference `peer`: destroyed before it.
    kj::Maybe<kj::Promise<void>> watch;
    kj::Maybe<kj::ForkedPromise<void>> hello;
    kj::Duration backoff;
    kj::TimePoint started = kj::origin<kj::TimePoint>();
    unsigned generation = 0;  // bumps each start; stale callbacks check it
  };

  void spawn_child(Role r);
  void on_exit(Role r, unsigned generation, int wait_status);
  void kill_child(Role r, const std::string& why);
  void schedule_restart(Role r);
  kj::Promise<void> say_hello(Role r, unsigned generation);
  void apply_info(Role r, ipc::schema::ChildInfo::Reader info);
  void maybe_finish();
  void notice(const std::string& msg);
  void taskFailed(kj::Exception&& exception) override;

  kj::AsyncIoContext& io_;
  SupervisorConfig config_;
  std::function<capnp::Capability::Client()> make_ui_bootstrap_;
  std::function<void(const std::string&)> notice_;
  std::array<Slot, kRoleCount> slots_;
  kj::TaskSet tasks_;
  bool stopping_ = false;
  int exit_code_ = 0;
  kj::Own<kj::PromiseFulfiller<int>> done_fulfiller_;
  kj::ForkedPromise<int> done_promise_;
};

}  // namespace redoubt::broker
