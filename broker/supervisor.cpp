#include "broker/supervisor.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ipc/errors.h"
#include "sandbox/spawn.h"

namespace redoubt::broker {

const char* role_name(Role r) {
  switch (r) {
    case Role::kKeyd:
      return "keyd";
    case Role::kNetd:
      return "netd";
    case Role::kUi:
      return "ui";
  }
  return "?";
}

namespace {

ipc::Limits limits_for(Role r) {
  switch (r) {
    case Role::kKeyd:
      return ipc::kKeydLimits;
    case Role::kNetd:
      return ipc::kNetdLimits;
    case Role::kUi:
      return ipc::kUiLimits;
  }
  return ipc::kUiLimits;
}

std::string describe_wait_status(int st) {
  // 127 and 126 come from sandbox::spawn's child before exec.
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127) return "could not be executed (is it installed?)";
  if (WIFEXITED(st) && WEXITSTATUS(st) == 126) return "could not be set up (confinement failed)";
  if (WIFEXITED(st)) return "exited with status " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    int sig = WTERMSIG(st);
    const char* name = sigabbrev_np(sig);
    return std::string("was killed by SIG") + (name != nullptr ? name : std::to_string(sig));
  }
  return "stopped";
}

// The ui gets the terminal-related variables and nothing else; keyd and netd
// get an empty environment (the broker passes what they need over IPC).
std::vector<std::string> child_environment(Role r) {
  std::vector<std::string> env;
  if (r != Role::kUi) return env;
  for (const char* k : {"TERM", "LANG", "LC_ALL", "COLUMNS", "LINES", "NO_COLOR"}) {
    if (const char* v = getenv(k)) env.push_back(std::string(k) + "=" + v);
  }
  return env;
}

}  // namespace

Supervisor::Supervisor(kj::AsyncIoContext& io, SupervisorConfig config,
                       std::function<capnp::Capability::Client()> make_ui_bootstrap)
    : io_(io),
      config_(std::move(config)),
      make_ui_bootstrap_(std::move(make_ui_bootstrap)),
      tasks_(*this),
      done_promise_(nullptr) {
  for (int i = 0; i < kRoleCount; ++i) {
    slots_[i].status.role = static_cast<Role>(i);
    slots_[i].backoff = config_.backoff_initial;
  }
  auto paf = kj::newPromiseAndFulfiller<int>();
  done_fulfiller_ = kj::mv(paf.fulfiller);
  done_promise_ = paf.promise.fork();
}

Supervisor::~Supervisor() noexcept(false) {
  // Never leave a child behind, even on an unexpected unwind.
  for (auto& s : slots_) {
    KJ_IF_MAYBE (pid, s.pid) {
      ::kill(*pid, SIGKILL);
    }
    s.hello = nullptr;
    s.watch = nullptr;
    s.peer = nullptr;
  }
}

void Supervisor::start() {
  for (int i = 0; i < kRoleCount; ++i) spawn_child(static_cast<Role>(i));
}

kj::Promise<int> Supervisor::done() {
  return done_promise_.addBranch();
}

kj::Promise<void> Supervisor::settled() {
  kj::Vector<kj::Promise<void>> waits;
  for (auto& s : slots_) {
    KJ_IF_MAYBE (h, s.hello) {
      waits.add(h->addBranch());
    }
  }
  return kj::joinPromises(waits.releaseAsArray());
}

void Supervisor::spawn_child(Role r) {
  Slot& slot = slots_[static_cast<int>(r)];
  int sv[2];
  // CLOEXEC on both ends: the child's end is dup2'ed to fd 3 (which clears
  // CLOEXEC on the copy only), so no other child ever inherits either end.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    notice(std::string("cannot create a socketpair for ") + role_name(r) + ": " + strerror(errno));
    schedule_restart(r);
    return;
  }
  sandbox::SpawnSpec spec;
  std::string name = std::string("redoubt-") + role_name(r);
  spec.path = config_.child_dir + "/" + name;
  spec.argv.push_back(name);
  const auto& extra = r == Role::kKeyd   ? config_.keyd_args
                      : r == Role::kNetd ? config_.netd_args
                                         : config_.ui_args;
  spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
  spec.env = child_environment(r);
  spec.channel_fd = sv[1];
  spec.inherit_stdio = r == Role::kUi && config_.ui_inherits_terminal;
  spec.policy = r == Role::kNetd ? config_.netd_policy : role_name(r);
  if (r == Role::kKeyd) spec.params["keystore"] = config_.keystore_dir;
  if (r == Role::kNetd && !config_.tor_socket.empty())
    spec.params["tor_socket"] = config_.tor_socket;
  spec.extra_binds = config_.extra_binds;
  pid_t pid;
  std::string failure;
  try {
    pid = sandbox::spawn(spec, &failure);
  } catch (const std::exception& e) {
    close(sv[0]);
    close(sv[1]);
    notice(std::string("cannot start ") + role_name(r) + ": " + e.what());
    schedule_restart(r);
    return;
  }
  close(sv[1]);
  if (!failure.empty()) notice(std::string(role_name(r)) + ": " + failure);

  slot.generation++;
  const unsigned gen = slot.generation;
  slot.pid = pid;
  slot.status.pid = pid;
  slot.status.answered = false;
  slot.started = io_.provider->getTimer().now();
  // Must be registered before returning to the event loop (kj's rule).
  tasks_.add(io_.unixEventPort.onChildExit(slot.pid).then(
      [this, r, gen](int st) { on_exit(r, gen, st); }));

  capnp::Capability::Client bootstrap =
      r == Role::kUi ? make_ui_bootstrap_()
                     : capnp::Capability::Client(
                           capnp::newBrokenCap("the broker offers nothing to keyd or netd"));
  slot.peer = kj::heap<ipc::Peer>(*io_.lowLevelProvider, sv[0], kj::mv(bootstrap), limits_for(r),
                                  /*is_broker=*/true);
  // A broken connection (malformed or oversize message) is a protocol
  // violation; EOF means the child is going away. Either way the child is
  // killed (if it has not exited already) and restarted by on_exit.
  slot.watch =
      slot.peer->on_disconnect()
          .then(
              [this, r, gen] {
                // EOF: the child is leaving (the ui after its
                // command). One that closed its end but lingers is
                // of no use: killed after a second.
                tasks_.add(
                    io_.provider->getTimer().afterDelay(1 * kj::SECONDS).then([this, r, gen] {
                      Slot& s = slots_[static_cast<int>(r)];
                      if (s.generation != gen || stopping_) return;
                      KJ_IF_MAYBE (pid, s.pid) {
                        notice(std::string(role_name(r)) +
                               " closed its connection but did not exit; killed it");
                        ::kill(*pid, SIGKILL);
                      }
                    }));
              },
              [this, r, gen](kj::Exception&& e) {
                if (slots_[static_cast<int>(r)].generation != gen || stopping_) return;
                kill_child(r, std::string(role_name(r)) + " violated the protocol (" +
                                  e.getDescription().cStr() + "); killed it");
              })
          .eagerlyEvaluate(nullptr);
  slot.hello = say_hello(r, gen).eagerlyEvaluate(nullptr).fork();
}

kj::Promise<void> Supervisor::say_hello(Role r, unsigned gen) {
  Slot& slot = slots_[static_cast<int>(r)];
  auto handle = [this, r, gen](auto&& response) {
    if (slots_[static_cast<int>(r)].generation != gen) return;
    apply_info(r, response.getInfo());
  };
  kj::Promise<void> hello = nullptr;
  switch (r) {
    case Role::kKeyd:
      hello = slot.peer->remote<ipc::schema::Signer>().helloRequest().send().then(kj::cp(handle));
      break;
    case Role::kNetd:
      hello = slot.peer->remote<ipc::schema::Network>().helloRequest().send().then(kj::cp(handle));
      break;
    case Role::kUi:
      hello = slot.peer->remote<ipc::schema::Ui>().helloRequest().send().then(kj::cp(handle));
      break;
  }
  // A failed hello (an exception from the child, or a message that broke the
  // connection) is a protocol violation; no answer in time is a hang. Either
  // way the child is killed and on_exit restarts it.
  auto failed = hello.catch_([this, r, gen](kj::Exception&& e) {
    if (slots_[static_cast<int>(r)].generation != gen || stopping_) return;
    if (e.getType() == kj::Exception::Type::DISCONNECTED) {
      // Its connection is gone (a crash, an exec failure, or garbage that
      // ended the stream): a child we cannot talk to is killed either way,
      // and on_exit says how it ended.
      std::string d = e.getDescription().cStr();
      // A plain EOF: the child is exiting on its own (a ui whose command
      // needed no answer from us can be done before our hello arrives).
      // Killing it now could cut its output short; the EOF watch above
      // kills it only if it lingers.
      if (d.find("Peer disconnected") != std::string::npos) return;
      kill_child(r, std::string(role_name(r)) + " violated the protocol (" + d + "); killed it");
      return;
    }
    kill_child(r, std::string(role_name(r)) + " violated the protocol (" +
                      e.getDescription().cStr() + "); killed it");
  });
  auto late = io_.provider->getTimer().afterDelay(config_.hello_timeout).then([this, r, gen] {
    if (slots_[static_cast<int>(r)].generation != gen || stopping_) return;
    kill_child(r, std::string(role_name(r)) + " did not answer hello in time; killed it");
  });
  return failed.exclusiveJoin(kj::mv(late));
}

void Supervisor::apply_info(Role r, ipc::schema::ChildInfo::Reader info) {
  ChildStatus& st = slots_[static_cast<int>(r)].status;
  // The child's word is only a report: the pid we trust is the one we forked
  // (the child sees another one inside its pid namespace).
  if (info.getProcess() != role_name(r)) {
    kill_child(r, std::string(role_name(r)) + " answered hello as someone else; killed it");
    return;
  }
  st.answered = true;
  st.version = info.getVersion();
  auto c = info.getConfinement();
  st.landlock_abi = c.getLandlockAbi();
  st.landlock = c.getLandlockApplied();
  st.seccomp = c.getSeccompApplied();
  st.seccomp_policy = c.getSeccompPolicy();
  st.apparmor = c.getApparmorLabel();
  st.notes.clear();
  for (auto n : c.getNotes()) st.notes.emplace_back(n);
}

void Supervisor::kill_child(Role r, const std::string& why) {
  Slot& slot = slots_[static_cast<int>(r)];
  notice(why);
  KJ_IF_MAYBE (pid, slot.pid) {
    ::kill(*pid, SIGKILL);
  }
}

void Supervisor::on_exit(Role r, unsigned gen, int wait_status) {
  Slot& slot = slots_[static_cast<int>(r)];
  if (slot.generation != gen) return;
  slot.hello = nullptr;
  slot.watch = nullptr;
  slot.peer = nullptr;
  slot.status.pid = 0;
  slot.status.answered = false;
  if (stopping_) {
    maybe_finish();
    return;
  }
  if (r == Role::kUi && WIFEXITED(wait_status)) {
    // The ui ran its command and exited: the one-shot run is over.
    shutdown(WEXITSTATUS(wait_status));
    return;
  }
  std::string what = std::string(role_name(r)) + " " + describe_wait_status(wait_status);
  if (r == Role::kUi && slot.status.restarts >= config_.max_ui_restarts) {
    // A ui that cannot stay up cannot show anything: give up rather than loop.
    notice(what + "; it failed " + std::to_string(slot.status.restarts + 1) + " times, giving up");
    shutdown(70);
    return;
  }
  if (r == Role::kKeyd) {
    notice(what + "; the wallet is locked until you unlock it again; restarting keyd");
  } else {
    notice(what + "; restarting it");
  }
  schedule_restart(r);
}

void Supervisor::schedule_restart(Role r) {
  Slot& slot = slots_[static_cast<int>(r)];
  auto& timer = io_.provider->getTimer();
  if (timer.now() - slot.started >= config_.stable_after) slot.backoff = config_.backoff_initial;
  kj::Duration delay = slot.backoff;
  slot.backoff = kj::min(slot.backoff * 2, config_.backoff_max);
  slot.status.restarts++;
  tasks_.add(timer.afterDelay(delay).then([this, r] {
    if (!stopping_) spawn_child(r);
  }));
}

void Supervisor::shutdown(int exit_code) {
  if (stopping_) return;
  stopping_ = true;
  exit_code_ = exit_code;
  for (auto& s : slots_) {
    s.hello = nullptr;
    s.watch = nullptr;
    s.peer = nullptr;  // EOF on fd 3: children exit on their own
    KJ_IF_MAYBE (pid, s.pid) {
      ::kill(*pid, SIGTERM);
    }
  }
  tasks_.add(io_.provider->getTimer().afterDelay(config_.term_grace).then([this] {
    for (auto& s : slots_) {
      KJ_IF_MAYBE (pid, s.pid) {
        ::kill(*pid, SIGKILL);
      }
    }
  }));
  maybe_finish();
}

void Supervisor::maybe_finish() {
  if (!stopping_) return;
  for (auto& s : slots_) {
    if (s.pid != nullptr) return;
  }
  if (done_fulfiller_->isWaiting()) done_fulfiller_->fulfill(kj::cp(exit_code_));
}

ipc::schema::Signer::Client Supervisor::signer() {
  auto& s = slots_[static_cast<int>(Role::kKeyd)];
  if (!s.peer) {
    return ipc::schema::Signer::Client(
        ipc::make_exception(ipc::ErrorCode::kLocked, "keyd is not running; it is being restarted"));
  }
  return s.peer->remote<ipc::schema::Signer>();
}

ipc::schema::Network::Client Supervisor::network() {
  auto& s = slots_[static_cast<int>(Role::kNetd)];
  if (!s.peer) {
    return ipc::schema::Network::Client(ipc::make_exception(
        ipc::ErrorCode::kNetwork, "netd is not running; it is being restarted"));
  }
  return s.peer->remote<ipc::schema::Network>();
}

void Supervisor::notice(const std::string& msg) {
  if (notice_) {
    notice_(msg);
  } else {
    fprintf(stderr, "redoubt: %s\n", msg.c_str());
  }
}

void Supervisor::taskFailed(kj::Exception&& exception) {
  notice(std::string("internal: ") + exception.getDescription().cStr());
}

}  // namespace redoubt::broker
