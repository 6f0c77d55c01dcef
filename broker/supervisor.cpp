#include "broker/supervisor.h"

#include <sys/stat.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ipc/errors.h"
#include "sandbox/spawn.h"
#include "ui/exit_codes.h"

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
                       UiBootstrap make_ui_bootstrap)
    : io_(io),
      config_(std::move(config)),
      make_ui_bootstrap_(std::move(make_ui_bootstrap)),
      tasks_(*this),
      done_promise_(nullptr) {
  slots_[kKeydSlot].status.role = Role::kKeyd;
  slots_[kNetdSlot].status.role = Role::kNetd;
  for (auto& [id, s] : slots_) s.backoff = config_.backoff_initial;
  last_ui_status_.role = Role::kUi;
  auto paf = kj::newPromiseAndFulfiller<int>();
  done_fulfiller_ = kj::mv(paf.fulfiller);
  done_promise_ = paf.promise.fork();
}

Supervisor::~Supervisor() noexcept(false) {
  // Never leave a child behind, even on an unexpected unwind.
  for (auto& [id, s] : slots_) {
    KJ_IF_MAYBE (pid, s.pid) {
      ::kill(*pid, SIGKILL);
    }
    s.hello = nullptr;
    s.watch = nullptr;
    s.peer = nullptr;
  }
}

void Supervisor::start() {
  spawn_child(kKeydSlot);
  spawn_child(kNetdSlot);
}

UiId Supervisor::start_ui(UiLaunch launch, std::function<void(int)> on_done) {
  const UiId id = next_ui_++;
  Slot& s = slots_[id];
  s.status.role = Role::kUi;
  s.backoff = config_.backoff_initial;
  s.ui = kj::mv(launch);
  s.on_done = std::move(on_done);
  if (stopping_) {
    // Too late: answered as if it had been killed at shutdown, from the
    // event loop (the caller may not expect a callback before we return).
    tasks_.add(kj::evalLater([this, id] { ui_finished(id, ui::kExitTerminated); }));
    return id;
  }
  spawn_child(id);
  return id;
}

void Supervisor::kill_ui(UiId id, const std::string& why) {
  auto it = slots_.find(id);
  if (it == slots_.end() || id < kFirstUiSlot) return;
  Slot& s = it->second;
  s.on_done = nullptr;
  s.abandoned = true;
  notice(why);
  KJ_IF_MAYBE (pid, s.pid) {
    ::kill(*pid, SIGKILL);  // on_exit then forgets it
  } else {
    ui_finished(id, ui::kExitTerminated);  // between restarts: nothing to kill
  }
}

void Supervisor::signal_ui(UiId id, int sig) {
  auto it = slots_.find(id);
  if (it == slots_.end() || id < kFirstUiSlot) return;
  KJ_IF_MAYBE (pid, it->second.pid) {
    ::kill(*pid, sig);
  }
}

Supervisor::Slot* Supervisor::find(UiId id, unsigned generation) {
  auto it = slots_.find(id);
  if (it == slots_.end() || it->second.generation != generation) return nullptr;
  return &it->second;
}

std::string Supervisor::name_of(UiId id) const {
  auto it = slots_.find(id);
  return it == slots_.end() ? "ui" : role_name(it->second.status.role);
}

const ChildStatus& Supervisor::status(Role r) const {
  if (r == Role::kKeyd) return slots_.at(kKeydSlot).status;
  if (r == Role::kNetd) return slots_.at(kNetdSlot).status;
  auto last = slots_.rbegin();
  return last->first >= kFirstUiSlot ? last->second.status : last_ui_status_;
}

const ChildStatus& Supervisor::ui_status(UiId id) const {
  static const ChildStatus gone = [] {
    ChildStatus st;
    st.role = Role::kUi;
    return st;
  }();
  auto it = slots_.find(id);
  return it == slots_.end() || id < kFirstUiSlot ? gone : it->second.status;
}

kj::Promise<int> Supervisor::done() {
  return done_promise_.addBranch();
}

kj::Promise<void> Supervisor::settled() {
  kj::Vector<kj::Promise<void>> waits;
  for (auto& [id, s] : slots_) {
    KJ_IF_MAYBE (h, s.hello) {
      waits.add(h->addBranch());
    }
  }
  return kj::joinPromises(waits.releaseAsArray());
}

void Supervisor::spawn_child(UiId id) {
  auto found = slots_.find(id);
  if (found == slots_.end()) return;
  Slot& slot = found->second;
  const Role r = slot.status.role;
  int sv[2];
  // CLOEXEC on both ends: the child's end is dup2'ed to fd 3 (which clears
  // CLOEXEC on the copy only), so no other child ever inherits either end.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    notice(std::string("cannot create a socketpair for ") + role_name(r) + ": " + strerror(errno));
    schedule_restart(id);
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
  if (r == Role::kUi) {
    // A one-shot ui inherits the broker's terminal; a daemon's ui gets its
    // client's (and /dev/null for any the client did not send).
    bool explicit_stdio = false;
    for (int i = 0; i < 3; ++i) {
      if (slot.ui.stdio[i] != nullptr) {
        spec.stdio[i] = slot.ui.stdio[i].get();
        explicit_stdio = true;
      }
    }
    spec.inherit_stdio = !explicit_stdio;
    if (slot.ui.secret_fd != nullptr) spec.extra_fds.push_back(slot.ui.secret_fd.get());
    spec.new_session = slot.ui.new_session;
  }
  spec.policy = r == Role::kNetd ? config_.netd_policy : role_name(r);
  if (r == Role::kKeyd) spec.params["keystore"] = config_.keystore_dir;
  if (r == Role::kNetd && !config_.tor_socket.empty()) {
    spec.params["tor_socket"] = config_.tor_socket;
    struct stat st {};
    bool ok = ::stat(config_.tor_socket.c_str(), &st) == 0;
    tor_socket_dev_ = ok ? st.st_dev : 0;
    tor_socket_ino_ = ok ? st.st_ino : 0;
  }
  spec.extra_binds = config_.extra_binds;
  pid_t pid;
  std::string failure;
  try {
    pid = sandbox::spawn(spec, &failure);
  } catch (const std::exception& e) {
    close(sv[0]);
    close(sv[1]);
    notice(std::string("cannot start ") + role_name(r) + ": " + e.what());
    schedule_restart(id);
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
      [this, id, gen](int st) { on_exit(id, gen, st); }));

  capnp::Capability::Client bootstrap =
      r == Role::kUi ? make_ui_bootstrap_(id, slot.status.restarts, slot.ui)
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
              [this, id, gen] {
                // EOF: the child is leaving (the ui after its
                // command). One that closed its end but lingers is
                // of no use: killed after a second.
                tasks_.add(
                    io_.provider->getTimer().afterDelay(1 * kj::SECONDS).then([this, id, gen] {
                      Slot* s = find(id, gen);
                      if (s == nullptr || stopping_) return;
                      KJ_IF_MAYBE (pid, s->pid) {
                        notice(name_of(id) + " closed its connection but did not exit; killed it");
                        ::kill(*pid, SIGKILL);
                      }
                    }));
              },
              [this, id, gen](kj::Exception&& e) {
                if (find(id, gen) == nullptr || stopping_) return;
                kill_child(id, name_of(id) + " violated the protocol (" +
                                   e.getDescription().cStr() + "); killed it");
              })
          .eagerlyEvaluate(nullptr);
  slot.hello = say_hello(id, gen).eagerlyEvaluate(nullptr).fork();
}

kj::Promise<void> Supervisor::say_hello(UiId id, unsigned gen) {
  Slot& slot = slots_.at(id);
  auto handle = [this, id, gen](auto&& response) {
    if (find(id, gen) == nullptr) return;
    apply_info(id, response.getInfo());
  };
  kj::Promise<void> hello = nullptr;
  switch (slot.status.role) {
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
  auto failed = hello.catch_([this, id, gen](kj::Exception&& e) {
    if (find(id, gen) == nullptr || stopping_) return;
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
      kill_child(id, name_of(id) + " violated the protocol (" + d + "); killed it");
      return;
    }
    kill_child(
        id, name_of(id) + " violated the protocol (" + e.getDescription().cStr() + "); killed it");
  });
  auto late = io_.provider->getTimer().afterDelay(config_.hello_timeout).then([this, id, gen] {
    if (find(id, gen) == nullptr || stopping_) return;
    kill_child(id, name_of(id) + " did not answer hello in time; killed it");
  });
  return failed.exclusiveJoin(kj::mv(late));
}

void Supervisor::apply_info(UiId id, ipc::schema::ChildInfo::Reader info) {
  Slot& slot = slots_.at(id);
  ChildStatus& st = slot.status;
  // The child's word is only a report: the pid we trust is the one we forked
  // (the child sees another one inside its pid namespace).
  if (info.getProcess() != role_name(st.role)) {
    kill_child(id, name_of(id) + " answered hello as someone else; killed it");
    return;
  }
  st.answered = true;
  if (id == kNetdSlot) {
    for (auto& f : netd_ready_) f->fulfill();
    netd_ready_.clear();
  }
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

bool Supervisor::restart_netd_if_tor_socket_replaced() {
  if (config_.tor_socket.empty() || stopping_) return false;
  struct stat st {};
  if (::stat(config_.tor_socket.c_str(), &st) != 0) return false;  // tor is not back yet
  if (st.st_dev == tor_socket_dev_ && st.st_ino == tor_socket_ino_) return false;
  Slot& netd = slots_.at(kNetdSlot);
  if (netd.pid == nullptr) return false;  // not running: its next start binds the new one
  tor_socket_dev_ = st.st_dev;            // once per replacement
  tor_socket_ino_ = st.st_ino;
  kill_child(kNetdSlot, "Tor's socket " + config_.tor_socket +
                            " was replaced (tor restarted): restarting netd to reach the new one");
  return true;
}

kj::Promise<void> Supervisor::netd_ready() {
  auto paf = kj::newPromiseAndFulfiller<void>();
  netd_ready_.push_back(kj::mv(paf.fulfiller));
  return kj::mv(paf.promise);
}

void Supervisor::kill_child(UiId id, const std::string& why) {
  notice(why);
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  KJ_IF_MAYBE (pid, it->second.pid) {
    ::kill(*pid, SIGKILL);
  }
}

void Supervisor::on_exit(UiId id, unsigned gen, int wait_status) {
  Slot* found = find(id, gen);
  if (found == nullptr) return;
  Slot& slot = *found;
  slot.hello = nullptr;
  slot.watch = nullptr;
  slot.peer = nullptr;
  slot.status.pid = 0;
  slot.status.answered = false;
  const Role r = slot.status.role;
  if (r == Role::kUi) {
    if (slot.abandoned) {
      ui_finished(id, ui::kExitTerminated);  // its client is gone: nobody to tell
    } else if (stopping_) {
      ui_finished(id, WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : ui::kExitTerminated);
    } else if (WIFEXITED(wait_status)) {
      // The ui ran its command and exited with the command's code.
      ui_finished(id, WEXITSTATUS(wait_status));
    } else if (slot.status.restarts >= config_.max_ui_restarts) {
      // A ui that cannot stay up cannot show anything: give up rather than loop.
      notice(std::string("ui ") + describe_wait_status(wait_status) + "; it failed " +
             std::to_string(slot.status.restarts + 1) + " times, giving up");
      ui_finished(id, ui::kExitInternal);
    } else {
      notice(std::string("ui ") + describe_wait_status(wait_status) + "; restarting it");
      schedule_restart(id);
    }
    return;
  }
  if (stopping_) {
    maybe_finish();
    return;
  }
  std::string what = std::string(role_name(r)) + " " + describe_wait_status(wait_status);
  if (r == Role::kKeyd) {
    notice(what + "; the wallet is locked until you unlock it again; restarting keyd");
  } else {
    notice(what + "; restarting it");
  }
  schedule_restart(id);
}

void Supervisor::ui_finished(UiId id, int code) {
  auto it = slots_.find(id);
  if (it == slots_.end() || id < kFirstUiSlot) return;
  last_ui_status_ = it->second.status;
  auto on_done = std::move(it->second.on_done);
  slots_.erase(it);  // closes its copies of the client's fds
  if (on_done) on_done(code);
  maybe_finish();
}

void Supervisor::schedule_restart(UiId id) {
  auto found = slots_.find(id);
  if (found == slots_.end()) return;
  Slot& slot = found->second;
  if (slot.status.role == Role::kUi && slot.status.restarts >= config_.max_ui_restarts) {
    notice("ui could not be started " + std::to_string(slot.status.restarts + 1) +
           " times, giving up");
    ui_finished(id, ui::kExitInternal);
    return;
  }
  auto& timer = io_.provider->getTimer();
  if (timer.now() - slot.started >= config_.stable_after) slot.backoff = config_.backoff_initial;
  kj::Duration delay = slot.backoff;
  slot.backoff = kj::min(slot.backoff * 2, config_.backoff_max);
  slot.status.restarts++;
  tasks_.add(timer.afterDelay(delay).then([this, id] {
    if (!stopping_) spawn_child(id);
  }));
}

void Supervisor::shutdown(int exit_code) {
  if (stopping_) return;
  stopping_ = true;
  exit_code_ = exit_code;
  std::vector<UiId> idle;  // uis waiting to be restarted: nothing to kill
  for (auto& [id, s] : slots_) {
    s.hello = nullptr;
    s.watch = nullptr;
    s.peer = nullptr;  // EOF on fd 3: children exit on their own
    KJ_IF_MAYBE (pid, s.pid) {
      ::kill(*pid, SIGTERM);
    } else if (id >= kFirstUiSlot) {
      idle.push_back(id);
    }
  }
  for (UiId id : idle) ui_finished(id, ui::kExitTerminated);
  tasks_.add(io_.provider->getTimer().afterDelay(config_.term_grace).then([this] {
    for (auto& [id, s] : slots_) {
      KJ_IF_MAYBE (pid, s.pid) {
        ::kill(*pid, SIGKILL);
      }
    }
  }));
  maybe_finish();
}

void Supervisor::maybe_finish() {
  if (!stopping_) return;
  for (auto& [id, s] : slots_) {
    if (s.pid != nullptr) return;
  }
  if (done_fulfiller_->isWaiting()) done_fulfiller_->fulfill(kj::cp(exit_code_));
}

ipc::schema::Signer::Client Supervisor::signer() {
  auto& s = slots_.at(kKeydSlot);
  if (!s.peer) {
    return ipc::schema::Signer::Client(
        ipc::make_exception(ipc::ErrorCode::kLocked, "keyd is not running; it is being restarted"));
  }
  return s.peer->remote<ipc::schema::Signer>();
}

ipc::schema::Network::Client Supervisor::network() {
  auto& s = slots_.at(kNetdSlot);
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
