// Spawns keyd, netd and the uis (one per command: one in a one-shot run, one
// per client in daemon mode), connects to each over Cap'n Proto, and keeps
// them supervised: restart with capped backoff, kill on protocol violation,
// orderly shutdown with no process or zombie left behind.
#pragma once

#include <sys/types.h>

#include <capnp/capability.h>
#include <kj/async-io.h>
#include <kj/async-unix.h>

#include <kj/io.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
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

// One ui to run: the command it is to run and the terminal (or pipes) it
// talks to. Plain data, never a secret (the secret fd is an fd, not bytes).
struct UiLaunch {
  std::vector<std::string> command;  // the command and its arguments
  bool json = false;
  bool interactive = false;  // its stdin and stdout are terminals
  // 0, 1, 2 of the ui; null = the broker's own (a one-shot run).
  std::array<kj::AutoCloseFd, 3> stdio;
  kj::AutoCloseFd secret_fd;  // --password-fd: becomes fd 4 in the ui (ui/password.h)
  bool new_session = false;   // a daemon's ui: no controlling terminal
};

using UiId = uint64_t;

struct SupervisorConfig {
  std::string child_dir;  // directory holding redoubt-keyd, -netd, -ui
  std::vector<std::string> keyd_args;
  std::vector<std::string> netd_args;
  std::vector<std::string> ui_args;
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
  unsigned max_ui_restarts = 5;                  // then the ui's command fails (exit 70)
};

class Supervisor : private kj::TaskSet::ErrorHandler {
 public:
  // `make_ui_bootstrap` returns the capability a ui gets (the Wallet), given
  // the ui's id, how many times it was restarted, and what it is to run.
  using UiBootstrap =
      std::function<capnp::Capability::Client(UiId, unsigned attempt, const UiLaunch&)>;
  Supervisor(kj::AsyncIoContext& io, SupervisorConfig config, UiBootstrap make_ui_bootstrap);
  ~Supervisor() noexcept(false);

  // Starts keyd and netd.
  void start();
  // Starts a ui. `on_done` gets its command's exit code once it has exited
  // (70 when it kept crashing; 143 when it was killed at shutdown); a ui that
  // crashes is restarted first, like any child.
  UiId start_ui(UiLaunch launch, std::function<void(int)> on_done);
  // Kills a ui (its client went away); its on_done is not called.
  void kill_ui(UiId id, const std::string& why);
  // Sends `sig` to ui `id` (a daemon client's terminal was resized: SIGWINCH).
  void signal_ui(UiId id, int sig);
  size_t ui_count() const { return slots_.size() - 2; }
  // Resolves once every running child has answered hello or failed to.
  kj::Promise<void> settled();
  // Resolves with the process exit code once the tree is down.
  kj::Promise<int> done();
  // Orderly shutdown: EOF to each child, SIGTERM, SIGKILL after the grace time.
  void shutdown(int exit_code);

  bool stopping() const { return stopping_; }
  // keyd's or netd's status; for Role::kUi, the latest ui's (see ui_status).
  const ChildStatus& status(Role r) const;
  // The status of ui `id` (a ui that is gone: pid 0).
  const ChildStatus& ui_status(UiId id) const;
  // The policy (policies/) the child was spawned under.
  std::string policy_of(Role r) const {
    return r == Role::kNetd ? config_.netd_policy : role_name(r);
  }
  // Capabilities of the running children (broken when the child is down).
  ipc::schema::Signer::Client signer();
  ipc::schema::Network::Client network();

  // Tor's SOCKS socket is bound into netd's view when netd starts. A tor that
  // restarts makes a new socket at the same path, which the running netd can
  // never reach (its view holds the old one). When the path now names another
  // socket than the one netd was given, netd is restarted and this returns
  // true; netd_ready() resolves once the new netd has answered hello.
  bool restart_netd_if_tor_socket_replaced();
  kj::Promise<void> netd_ready();

  // Called with a message for the user (keyd restarted, a child misbehaved).
  void on_notice(std::function<void(const std::string&)> cb) { notice_ = std::move(cb); }

 private:
  // Slot ids: keyd and netd have fixed ones, each ui a fresh one.
  static constexpr UiId kKeydSlot = 0, kNetdSlot = 1, kFirstUiSlot = 2;
  struct Slot {
    ChildStatus status;
    kj::Maybe<pid_t> pid;  // nulled by kj once reaped
    kj::Own<ipc::Peer> peer;
    // Promises that reference `peer`: destroyed before it.
    kj::Maybe<kj::Promise<void>> watch;
    kj::Maybe<kj::ForkedPromise<void>> hello;
    kj::Duration backoff;
    kj::TimePoint started = kj::origin<kj::TimePoint>();
    unsigned generation = 0;           // bumps each start; stale callbacks check it
    UiLaunch ui;                       // uis only
    std::function<void(int)> on_done;  // uis only
    bool abandoned = false;            // uis only: killed because its client left
  };

  Slot* find(UiId id, unsigned generation);
  std::string name_of(UiId id) const;
  void spawn_child(UiId id);
  void on_exit(UiId id, unsigned generation, int wait_status);
  void ui_finished(UiId id, int code);
  void kill_child(UiId id, const std::string& why);
  void schedule_restart(UiId id);
  kj::Promise<void> say_hello(UiId id, unsigned generation);
  void apply_info(UiId id, ipc::schema::ChildInfo::Reader info);
  void maybe_finish();
  void notice(const std::string& msg);
  void taskFailed(kj::Exception&& exception) override;

  kj::AsyncIoContext& io_;
  SupervisorConfig config_;
  // The Tor socket netd's view holds (device, inode); 0/0 when none.
  dev_t tor_socket_dev_ = 0;
  ino_t tor_socket_ino_ = 0;
  std::vector<kj::Own<kj::PromiseFulfiller<void>>> netd_ready_;
  UiBootstrap make_ui_bootstrap_;
  std::function<void(const std::string&)> notice_;
  std::map<UiId, Slot> slots_;  // std::map: references stay valid across inserts
  UiId next_ui_ = kFirstUiSlot;
  ChildStatus last_ui_status_;  // what status(kUi) shows once that ui is gone
  kj::TaskSet tasks_;
  bool stopping_ = false;
  int exit_code_ = 0;
  kj::Own<kj::PromiseFulfiller<int>> done_fulfiller_;
  kj::ForkedPromise<int> done_promise_;
};

}  // namespace redoubt::broker
