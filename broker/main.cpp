// redoubt: the broker. Parses the global options, spawns keyd, netd and the
// ui, and supervises them until the ui's command is done. Exit codes: see
// ui/exit_codes.h (the ui's code is the broker's). With a daemon running
// (`redoubt daemon`), a command is a client front instead: it hands its
// terminal and command line to the daemon and exits with the command's code.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "broker/child_dir.h"
#include "broker/config.h"
#include "broker/daemon.h"
#include "broker/daemon_socket.h"
#include "broker/engine.h"
#include "broker/options.h"
#include "broker/supervisor.h"
#include "broker/wallet_events.h"
#include "broker/wallet_server.h"
#include "netd/proxy.h"
#include "ui/exit_codes.h"

namespace {

// fds 0-2 must be open before anything else opens a file, so that no socket
// or database ever lands on them by accident.
void ensure_std_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1) {
      int null = open("/dev/null", O_RDWR);
      if (null != fd) _exit(redoubt::ui::kExitInternal);
    }
  }
}

void make_private_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw std::runtime_error("cannot create data directory " + path + ": " + ec.message());
  if (chmod(path.c_str(), 0700) != 0) {
    throw std::runtime_error("cannot make " + path + " private (chmod 0700)");
  }
}

bool asks_help(const std::vector<std::string>& cmd) {
  for (const auto& a : cmd)
    if (a == "--help" || a == "-h") return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace redoubt;
  ensure_std_fds();
  umask(077);
  signal(SIGPIPE, SIG_IGN);

  broker::BrokerContext ctx;
  std::string cli_server, cli_proxy;
  std::string cli_crosscheck_given;  // --crosscheck-server on this command line
  broker::Config config_files;
  const auto config_paths =
      broker::ConfigPaths::standard(getenv("XDG_CONFIG_HOME"), getenv("HOME"));
  try {
    // Configuration, later winning: built-in defaults, /etc/redoubt.d,
    // /usr/local/etc/redoubt.d, the user's file, the Tor variables, and
    // then the command line (redoubt.conf(5)).
    config_files = broker::load_config(config_paths);
    broker::apply_tor_environment(config_files, getenv("TOR_TRANSPROXY"),
                                  getenv("TOR_SOCKS_IPC_PATH"), getenv("TOR_SOCKS_HOST"),
                                  getenv("TOR_SOCKS_PORT"));
    ctx.options =
        broker::parse_options(argc, argv, getenv("HOME"), getenv("XDG_DATA_HOME"),
                              config_files["network"].value, config_files["datadir"].value);
    cli_server = ctx.options.server;  // what this command line itself named
    cli_crosscheck_given = ctx.options.crosscheck_server;
    cli_proxy = ctx.options.proxy;
    // The command line is the last layer: record what it set, so that
    // `getconfig` tells where each effective value came from.
    const char* net_name = broker::network_name(ctx.options.network);
    if (config_files["network"].value != net_name)
      broker::set_config(config_files, "network", net_name, "command line");
    if (!ctx.options.server.empty())
      broker::set_config(config_files, "server", ctx.options.server, "command line");
    if (!ctx.options.proxy.empty())
      broker::set_config(config_files, "proxy", ctx.options.proxy, "command line");
    if (ctx.options.proxy.empty()) ctx.options.proxy = broker::explicit_proxy(config_files);
    if (!ctx.options.crosscheck_server.empty())
      broker::set_config(config_files, "crosscheck_server", ctx.options.crosscheck_server,
                         "command line");
    ctx.options.crosscheck_server = config_files["crosscheck_server"].value;
    if (ctx.options.crosscheck_server == "none") ctx.options.crosscheck_server.clear();
    const std::string& server = config_files["server"].value;
    if (ctx.options.server.empty() && server != "auto") ctx.options.server = server;
    ctx.options.anonymity = config_files["anonymity_mode"].value != "off";
    const std::string& fee = config_files["fee_rate"].value;
    if (fee != "auto") ctx.options.fee_rate = std::stoll(fee);  // validated by set_config
    ctx.config = config_files;
    ctx.user_config_file = config_paths.user_file;
  } catch (const broker::ConfigError& e) {
    fprintf(stderr, "redoubt: %s\n", e.what());
    return ui::kExitUsage;
  } catch (const broker::UsageError& e) {
    fprintf(stderr, "redoubt: %s\n", e.what());
    return ui::kExitUsage;
  }
  ctx.interactive = isatty(0) && isatty(1);

  broker::SupervisorConfig config;
  try {
    make_private_dir(ctx.options.datadir);
    config.child_dir = ctx.options.child_dir.empty()
                           ? broker::find_child_dir(REDOUBT_BIN_TO_LIBEXEC)
                           : ctx.options.child_dir;
  } catch (const std::exception& e) {
    fprintf(stderr, "redoubt: %s\n", e.what());
    return ui::kExitInternal;
  }
  // The daemon, its clients and `stop` (docs/architecture.md, "Daemon").
  const auto& cmd = ctx.options.command;
  const bool daemon_mode = !cmd.empty() && cmd[0] == "daemon" && !asks_help(cmd);
  const bool stop_command = cmd.size() == 1 && cmd[0] == "stop";
  if (daemon_mode && cmd.size() > 1) {
    fprintf(stderr, "redoubt: daemon takes no arguments (global options go before it)\n");
    return ui::kExitUsage;
  }
  const int password_fd = ctx.options.password_fd;
  if (password_fd >= 0 && fcntl(password_fd, F_GETFD) == -1) {
    fprintf(stderr, "redoubt: --password-fd %d: that file descriptor is not open\n", password_fd);
    return ui::kExitUsage;
  }
  std::unique_ptr<broker::DaemonListener> listener;
  try {
    const std::string socket = broker::daemon_socket_path(ctx.options, getenv("XDG_RUNTIME_DIR"));
    if (daemon_mode) {
      listener = std::make_unique<broker::DaemonListener>(socket);
    } else if (int sock = broker::connect_daemon(socket); sock >= 0) {
      if (!cli_crosscheck_given.empty()) {
        // The daemon's engine cross-checks with the server it was started
        // with; a client's choice (even "none", the override) would be
        // silently ignored.
        close(sock);
        fprintf(stderr,
                "redoubt: --crosscheck-server applies to the daemon's own sync: run 'redoubt "
                "stop', then start the daemon with --crosscheck-server %s\n",
                cli_crosscheck_given.c_str());
        return ui::kExitUsage;
      }
      broker::ClientRequest req;
      req.command = cmd;
      req.json = ctx.options.json;
      req.server = cli_server;
      req.proxy = cli_proxy;
      int code = broker::run_daemon_client(sock, req, password_fd);
      // What Electrum-NMC's `stop` prints, once the daemon's tree is down.
      if (stop_command && code == 0)
        printf(req.json ? "\"Daemon stopped\"\n" : "Daemon stopped.\n");
      return code;
    } else if (stop_command) {
      fprintf(stderr, "redoubt: no daemon is running for %s (no daemon at %s)\n",
              ctx.options.datadir.c_str(), socket.c_str());
      return ui::kExitError;
    }
  } catch (const broker::DaemonError& e) {
    fprintf(stderr, "redoubt: %s\n", e.what());
    return ui::kExitError;
  }

  const char* net = broker::network_name(ctx.options.network);
  config.keystore_dir = ctx.options.datadir + "/keyd";
  config.keyd_args = {"--datadir", ctx.options.datadir, "--network", net};
  try {
    // The proxy is chosen here, before netd exists, because it decides what
    // netd may see: a Unix socket is bound into its view and is the only
    // socket it can reach; a TCP proxy or transproxy needs the separate
    // netd-transproxy policy (AF_INET allowed). netd repeats the choice from
    // the same inputs and reports it in getinfo.
    std::filesystem::create_directories(config.keystore_dir);
    chmod(config.keystore_dir.c_str(), 0700);
    auto choice = broker::choose_proxy(ctx.options);
    config.tor_socket = choice.kind == netd::ProxyKind::unix_socket ? choice.address : "";
    config.netd_policy = choice.kind == netd::ProxyKind::unix_socket ? "netd" : "netd-transproxy";
    config.netd_args = {"--network", net, "--policy", config.netd_policy};
    if (!ctx.options.child_dir.empty())
      config.extra_binds = broker::test_child_binds(ctx.options.child_dir);
  } catch (const std::exception& e) {
    fprintf(stderr, "redoubt: %s\n", e.what());
    return ui::kExitUsage;
  }

  // Both must happen before the event loop exists.
  kj::UnixEventPort::captureChildExit();
  kj::UnixEventPort::captureSignal(SIGINT);
  kj::UnixEventPort::captureSignal(SIGTERM);
  auto io = kj::setupAsyncIo();

  broker::Supervisor supervisor(io, config,
                                [&ctx](broker::UiId id, unsigned attempt,
                                       const broker::UiLaunch& l) -> capnp::Capability::Client {
                                  ctx.ui_starts++;
                                  return kj::heap<broker::WalletServer>(
                                      ctx, attempt, id,
                                      broker::UiInvocation{l.command, l.json, l.interactive});
                                });
  ctx.supervisor = &supervisor;
  broker::WalletEventHub events;  // notices go to a subscribed ui, else stderr
  ctx.events = &events;
  supervisor.on_notice([&events](const std::string& m) { events.notice(m); });
  std::unique_ptr<broker::WalletEngine> engine;
  try {
    engine = std::make_unique<broker::WalletEngine>(
        io, supervisor, ctx.options, [&events](const std::string& m) { events.notice(m); });
  } catch (const std::exception& e) {
    // A corrupt or foreign wallet file: say so and leave it exactly as it is.
    fprintf(stderr, "redoubt: %s\n", e.what());
    return ui::kExitCorrupt;
  }
  ctx.engine = engine.get();
  events.attach(*engine);
  // The interactive ui restores the terminal on its own way out; if it was
  // killed outright (SIGKILL, OOM), the broker puts the modes back. Saved
  // before the ui exists, so they are the user's modes, never the ui's raw ones.
  termios saved{};
  bool tui = ctx.interactive && ctx.options.command.empty() && tcgetattr(0, &saved) == 0;
  supervisor.start();
  std::unique_ptr<broker::Daemon> daemon;
  if (daemon_mode) {
    daemon = std::make_unique<broker::Daemon>(io, supervisor, *listener, [](const std::string& m) {
      fprintf(stderr, "redoubt: %s\n", m.c_str());
    });
    daemon->set_endpoints(ctx.options.server, ctx.options.proxy);
    daemon->start(engine.get());
  } else {
    broker::UiLaunch launch;
    launch.command = cmd;
    launch.json = ctx.options.json;
    launch.interactive = ctx.interactive;
    // The ui gets its own copy at fd 4 (ui/password.h); ours stays unread.
    if (password_fd >= 0)
      launch.secret_fd = kj::AutoCloseFd(fcntl(password_fd, F_DUPFD_CLOEXEC, 10));
    supervisor.start_ui(kj::mv(launch), [&supervisor](int code) { supervisor.shutdown(code); });
  }
  // The main server session starts once netd is up (its hello has answered).
  auto net_start =
      supervisor.settled().then([&engine] { engine->start_network(); }).eagerlyEvaluate(nullptr);

  // A signal ends a one-shot run with 130/143; for the daemon it is the
  // ordinary way to stop it (systemd), which exits 0.
  auto on_signal = [&](int sig, int code) {
    return io.unixEventPort.onSignal(sig).then([&supervisor, &daemon, code](siginfo_t&&) {
      if (daemon) daemon->stop_listening();
      supervisor.shutdown(daemon ? ui::kExitOk : code);
    });
  };
  auto sigint = on_signal(SIGINT, ui::kExitInterrupted).eagerlyEvaluate(nullptr);
  auto sigterm = on_signal(SIGTERM, ui::kExitTerminated).eagerlyEvaluate(nullptr);
  int code = supervisor.done().wait(io.waitScope);
  if (daemon) daemon->finish(code);
  // Nothing the user was asked about stays spent; and a ui's WalletServer
  // destroyed after this point must not reach the engine.
  try {
    engine->forget_all_held();
  } catch (const std::exception& e) {
    fprintf(stderr, "redoubt: %s\n", e.what());
  }
  ctx.engine = nullptr;
  if (tui) {
    tcsetattr(0, TCSAFLUSH, &saved);
    static constexpr char kMainScreen[] = "\x1b[0m\x1b[?25h\x1b[?1049l";
    (void)!write(1, kMainScreen, sizeof kMainScreen - 1);
  }
  return code;
}
