#include "broker/daemon.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "broker/engine.h"
#include "ui/exit_codes.h"

namespace redoubt::broker {
namespace {

kj::Exception refusal(const std::string& why) {
  return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__, kj::str(why));
}

}  // namespace

Daemon::Daemon(kj::AsyncIoContext& io, Supervisor& sup, DaemonListener& listener,
               std::function<void(const std::string&)> log)
    : io_(io), sup_(sup), listener_(listener), log_(std::move(log)), tasks_(*this) {}

Daemon::~Daemon() noexcept(false) {
  clients_.clear();
  accepting_ = nullptr;
  observer_ = nullptr;
}

void Daemon::stop_listening() {
  // The promise that waits on the observer goes first, then the observer
  // (it unregisters the fd), then the fd and the socket file.
  accepting_ = nullptr;
  observer_ = nullptr;
  listener_.close_now();
}

void Daemon::start(WalletEngine* engine) {
  observer_ = kj::heap<kj::UnixEventPort::FdObserver>(io_.unixEventPort, listener_.fd(),
                                                      kj::UnixEventPort::FdObserver::OBSERVE_READ);
  accepting_ = accept_loop().eagerlyEvaluate([this](kj::Exception&& e) {
    log_("daemon: accept: " + std::string(e.getDescription().cStr()));
  });
  if (engine != nullptr) tasks_.add(resync_loop(*engine, 10 * kj::SECONDS));
  log_("daemon listening on " + listener_.path());
}

kj::Promise<void> Daemon::accept_loop() {
  return observer_->whenBecomesReadable().then([this]() -> kj::Promise<void> {
    // Edge-triggered: take every pending connection.
    for (;;) {
      int fd = accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
          log_(std::string("daemon: accept: ") + strerror(errno));
        break;
      }
      accept_one(fd);
    }
    return accept_loop();
  });
}

void Daemon::accept_one(int fd) {
  // Only our own user may run commands: the socket is 0600 in a 0700
  // directory, and this check holds even if someone loosens both.
  auto cred = peer_cred(fd);
  if (!cred || cred->uid != geteuid()) {
    log_(cred ? "refused a client of uid " + std::to_string(cred->uid) + " (pid " +
                    std::to_string(cred->pid) + "): only uid " + std::to_string(geteuid()) +
                    " may use this daemon"
              : std::string("refused a client whose credentials cannot be read"));
    close(fd);
    return;
  }
  if (sup_.stopping()) {
    close(fd);  // the client reads EOF: the daemon is going away
    return;
  }
  auto c = kj::heap<Client>();
  c->id = next_id_++;
  c->fd = fd;
  c->stream =
      io_.lowLevelProvider->wrapUnixSocketFd(fd, kj::LowLevelAsyncIoProvider::TAKE_OWNERSHIP |
                                                     kj::LowLevelAsyncIoProvider::ALREADY_CLOEXEC |
                                                     kj::LowLevelAsyncIoProvider::ALREADY_NONBLOCK);
  Client& ref = *c;
  const uint64_t id = c->id;
  clients_.emplace(id, kj::mv(c));
  ref.task = serve(ref)
                 .catch_([this, id](kj::Exception&& e) {
                   log_("daemon: dropped a client: " + std::string(e.getDescription().cStr()));
                   drop(id);
                 })
                 .eagerlyEvaluate(nullptr);
}

kj::Promise<void> Daemon::serve(Client& c) {
  auto header = kj::heapArray<uint8_t>(kRequestHeaderSize);
  auto fds = kj::heapArray<kj::AutoCloseFd>(4);
  auto* hp = header.begin();
  auto* fp = fds.begin();
  auto request =
      c.stream->tryReadWithFds(hp, kRequestHeaderSize, kRequestHeaderSize, fp, fds.size())
          .then([this, &c, header = kj::mv(header), fds = kj::mv(fds)](
                    kj::AsyncCapabilityStream::ReadResult r) mutable -> kj::Promise<void> {
            if (r.byteCount == 0) return kj::READY_NOW;  // connected and left (a probe)
            auto h = decode_header(header.begin(), r.byteCount);
            if (!h) throw refusal("not a request from a redoubt front (or too large)");
            const size_t want = h->flags.secret_fd ? 4 : 3;
            if (r.capCount != want)
              throw refusal("expected " + std::to_string(want) + " fds, got " +
                            std::to_string(r.capCount));
            kj::Array<kj::AutoCloseFd> given = kj::heapArray<kj::AutoCloseFd>(want);
            for (size_t i = 0; i < want; ++i) {
              struct stat st {};
              // A directory fd would let the ui open files beneath it: only
              // terminals, pipes, sockets and files.
              if (fstat(fds[i].get(), &st) != 0 || S_ISDIR(st.st_mode))
                throw refusal("fd " + std::to_string(i) + " is a directory");
              given[i] = kj::mv(fds[i]);
            }
            auto payload = kj::heapArray<uint8_t>(h->payload);
            auto* pp = payload.begin();
            kj::Promise<void> read_payload =
                h->payload == 0 ? kj::Promise<void>(kj::READY_NOW)
                                : c.stream->read(pp, h->payload, h->payload).ignoreResult();
            return read_payload.then(
                [this, &c, h = *h, payload = kj::mv(payload), given = kj::mv(given)]() mutable {
                  auto args = decode_args(payload.begin(), payload.size(), h.argc);
                  if (!args) throw refusal("malformed command line");
                  ClientRequest req = h.flags;
                  if (h.endpoints) {  // decode_header checked argc >= 2
                    req.server = std::move((*args)[0]);
                    req.proxy = std::move((*args)[1]);
                    args->erase(args->begin(), args->begin() + 2);
                  }
                  req.command = std::move(*args);
                  launch(c, std::move(req), kj::mv(given));
                });
          });
  auto late = io_.provider->getTimer().afterDelay(kRequestTimeout).then([]() -> kj::Promise<void> {
    return refusal("no request within 10 s");
  });
  return request.exclusiveJoin(kj::mv(late)).then([this, &c]() -> kj::Promise<void> {
    if (c.ui == nullptr && !c.stopper) {
      drop(c.id);  // no command was started (or it is already answered)
      return kj::READY_NOW;
    }
    return watch(c);
  });
}

kj::Promise<void> Daemon::watch(Client& c) {
  // After its request a client only says "my terminal was resized"
  // (kResized); EOF means it is gone (Ctrl-C, killed), and so is whoever
  // would read its ui's output. Anything else is as good as gone.
  auto byte = kj::heapArray<uint8_t>(1);
  auto* bp = byte.begin();
  return c.stream->tryRead(bp, 1, 1)
      .then([bp](size_t n) { return n == 1 && *bp == kResized; },
            [](kj::Exception&&) { return false; })
      .attach(kj::mv(byte))
      .then([this, &c](bool resized) -> kj::Promise<void> {
        if (resized) {
          KJ_IF_MAYBE (ui, c.ui) {
            sup_.signal_ui(*ui, SIGWINCH);
          }
          return watch(c);
        }
        KJ_IF_MAYBE (ui, c.ui) {
          sup_.kill_ui(*ui, "a client went away before its command finished; killed its ui");
        }
        c.ui = nullptr;
        if (!c.stopper) drop(c.id);
        return kj::READY_NOW;
      });
}

void Daemon::launch(Client& c, ClientRequest req, kj::Array<kj::AutoCloseFd> fds) {
  if (req.command.size() == 1 && req.command[0] == "stop") {
    // An orderly shutdown of the whole tree; this client hears back once it
    // is done (finish), so `redoubt stop` returning means nothing is left.
    log_("daemon: stop requested by a client");
    c.stopper = true;
    stop_listening();
    sup_.shutdown(ui::kExitOk);
    return;
  }
  if (std::string why = endpoint_mismatch(req); !why.empty()) {
    // To the client's own stderr; the command never reaches a ui.
    std::string msg = "redoubt: " + why + "\n";
    (void)!write(fds[2].get(), msg.data(), msg.size());
    answer(c.id, ui::kExitUsage);
    return;
  }
  UiLaunch l;
  l.command = std::move(req.command);
  l.json = req.json;
  l.interactive = isatty(fds[0].get()) && isatty(fds[1].get());
  for (size_t i = 0; i < 3; ++i) l.stdio[i] = kj::mv(fds[i]);
  if (req.secret_fd) l.secret_fd = kj::mv(fds[3]);
  l.new_session = true;
  const uint64_t id = c.id;
  c.ui = sup_.start_ui(kj::mv(l), [this, id](int code) { answer(id, code); });
}

std::string Daemon::endpoint_mismatch(const ClientRequest& req) const {
  auto shown = [](const std::string& v, const char* automatic) {
    return v.empty() ? std::string(automatic) : v;
  };
  std::string asked;
  if (!req.server.empty() && req.server != server_) asked = "--server " + req.server;
  if (!req.proxy.empty() && req.proxy != proxy_)
    asked += (asked.empty() ? "" : " and ") + std::string("--proxy ") + req.proxy;
  if (asked.empty()) return "";
  return "the running daemon uses server " + shown(server_, "(built-in list)") + " and proxy " +
         shown(proxy_, "(automatic)") + ", not the " + asked +
         " this command asked for; nothing was sent. Run the command without them to use the "
         "daemon's, or stop the daemon ('redoubt stop') and start it with the ones you want.";
}

void Daemon::answer(uint64_t id, int code) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  c.ui = nullptr;
  int32_t v = code;
  // Four bytes into an empty socket buffer: never blocks. A client that is
  // gone gets EPIPE, which is fine.
  (void)!send(c.fd, &v, sizeof v, MSG_NOSIGNAL | MSG_DONTWAIT);
  drop(id);
}

void Daemon::drop(uint64_t id) {
  // Not from inside the client's own promise: later, from the event loop.
  tasks_.add(kj::evalLater([this, id] { clients_.erase(id); }));
}

void Daemon::finish(int code) {
  stop_listening();
  for (auto& [id, c] : clients_) {
    if (!c->stopper) continue;
    int32_t v = code;
    (void)!send(c->fd, &v, sizeof v, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  clients_.clear();
}

kj::Promise<void> Daemon::resync_loop(WalletEngine& engine, kj::Duration backoff) {
  return io_.provider->getTimer().afterDelay(backoff).then([this, &engine, backoff] {
    if (sup_.stopping()) return kj::Promise<void>(kj::NEVER_DONE);
    SyncStatus st = engine.status();
    kj::Duration next = 10 * kj::SECONDS;
    if (engine.has_wallet() && !st.connected && !st.error.empty()) {
      // The session was dropped (server gone, netd restarted): synced()
      // opens a new one; its outcome shows in getinfo.
      tasks_.add(engine.synced().ignoreResult().catch_([](kj::Exception&&) {}));
      next = kj::min(backoff * 2, 300 * kj::SECONDS);
    }
    return resync_loop(engine, next);
  });
}

void Daemon::taskFailed(kj::Exception&& exception) {
  log_(std::string("daemon: internal: ") + exception.getDescription().cStr());
}

namespace {

volatile sig_atomic_t resized = 0;
volatile sig_atomic_t interrupted = 0;  // SIGINT, SIGTERM or SIGHUP: which one

int ask_daemon(int sock, const ClientRequest& req, int secret_fd) {
  std::vector<int> fds = {0, 1, 2};
  if (secret_fd >= 0) fds.push_back(secret_fd);
  ClientRequest r = req;
  r.secret_fd = secret_fd >= 0;
  try {
    send_request(sock, r, fds);
  } catch (const DaemonError& e) {
    fprintf(stderr, "redoubt: %s\n", e.what());
    close(sock);
    return ui::kExitInternal;
  }
  // Wait for the exit code; meanwhile tell the daemon when our terminal is
  // resized, so that the ui (which has no controlling terminal) hears of it.
  // SIGWINCH stays blocked except inside ppoll: none is lost.
  // Ctrl-C (and SIGTERM, SIGHUP) end the client, not the daemon: it hangs
  // up, so the daemon kills its ui, and returns, so run_daemon_client puts
  // the terminal back (a ui killed at a password prompt left echo off).
  struct sigaction sa {};
  sa.sa_handler = [](int) { resized = 1; };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGWINCH, &sa, nullptr);
  struct sigaction stop {};
  stop.sa_handler = [](int sig) { interrupted = sig; };
  sigemptyset(&stop.sa_mask);
  sigset_t block, during;
  sigemptyset(&block);
  sigaddset(&block, SIGWINCH);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    sigaction(sig, &stop, nullptr);
    sigaddset(&block, sig);
  }
  sigprocmask(SIG_BLOCK, &block, &during);
  for (int sig : {SIGWINCH, SIGINT, SIGTERM, SIGHUP}) sigdelset(&during, sig);
  int32_t code = 0;
  size_t got = 0;
  while (got < sizeof code) {
    if (interrupted != 0) {
      close(sock);
      return 128 + interrupted;  // 130 for SIGINT, as ui/exit_codes.h
    }
    if (resized) {
      resized = 0;
      const uint8_t b = Daemon::kResized;
      (void)!send(sock, &b, 1, MSG_NOSIGNAL);
    }
    pollfd p{sock, POLLIN, 0};
    if (ppoll(&p, 1, nullptr, &during) < 0) continue;  // EINTR: a resize
    ssize_t n = read(sock, reinterpret_cast<char*>(&code) + got, sizeof code - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(sock);
  if (got != sizeof code) {
    fprintf(stderr, "redoubt: the daemon closed the connection before the command finished\n");
    return ui::kExitInternal;
  }
  return code >= 0 && code <= 255 ? code : ui::kExitInternal;
}

}  // namespace

int run_daemon_client(int sock, const ClientRequest& req, int secret_fd) {
  // The ui restores the terminal on its own way out; if it was killed
  // outright, its client puts the modes back (and, after the interactive
  // mode, the main screen).
  termios saved{};
  const bool tty = tcgetattr(0, &saved) == 0;
  int code = ask_daemon(sock, req, secret_fd);
  if (tty) {
    tcsetattr(0, TCSAFLUSH, &saved);
    static constexpr char kMainScreen[] = "\x1b[0m\x1b[?25h\x1b[?1049l";
    if (req.command.empty() && isatty(1)) (void)!write(1, kMainScreen, sizeof kMainScreen - 1);
  }
  return code;
}

}  // namespace redoubt::broker
