#include "tests/tor/tor_network.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/net.h"
#include "tests/support/universe_fixture.h"
#include "tests/tor/tor_control.h"

extern char** environ;

namespace redoubt::tortest {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kAuthorities = 3;
constexpr int kRelays = 3;  // the first one is the exit

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

void make_private_dir(const std::string& d) {
  fs::create_directories(d);
  // Tor refuses a DataDirectory (and a Unix socket's directory) others can read.
  if (::chmod(d.c_str(), 0700) != 0) throw std::runtime_error("chmod " + d);
}

// Runs a program to completion with `input` on stdin; returns its stdout.
std::string run_capture(std::vector<std::string> args, const std::string& input) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 2);
    ::execve(argv[0], argv.data(), environ);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  if (!input.empty() && ::write(in[1], input.data(), input.size()) < 0) {
    // the program may not read stdin; its exit status tells
  }
  ::close(in[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    throw std::runtime_error(args[0] + " failed (" + args[1] + "...)");
  }
  return text;
}

uint16_t free_port(std::vector<testsupport::Fd>& held) {
  auto [fd, port] = testsupport::listen_tcp_loopback(0);
  held.push_back(std::move(fd));  // held until all ports are picked: no duplicates
  return port;
}

void stop_pid(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    int st;
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(100ms);
  }
  ::kill(pid, SIGKILL);
  int st;
  ::waitpid(pid, &st, 0);
  pid = -1;
}

std::string tail(const std::string& path, size_t lines) {
  std::string text = read_file(path);
  size_t pos = text.size();
  for (size_t i = 0; i <= lines && pos != std::string::npos && pos > 0; ++i) {
    pos = text.rfind('\n', pos - 1);
  }
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

}  // namespace

bool tor_installed() {
  return ::access(kTorBinary, X_OK) == 0 && ::access(kTorGencert, X_OK) == 0;
}

TorNetwork::TorNetwork(uint16_t service_target_port, uint16_t onion_port)
    : target_port_(service_target_port), onion_port_(onion_port) {}

TorNetwork::~TorNetwork() {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

void TorNetwork::stop() {
  // The client and service first (they hold circuits), then the relays.
  stop_pid(client_pid_);
  stop_pid(service_pid_);
  for (auto& n : nodes_) stop_pid(n.pid);
}

void TorNetwork::stop_client() {
  stop_pid(client_pid_);
}

void TorNetwork::start_client() {
  if (client_pid_ > 0) return;
  launch(client_dir_, client_torrc_, client_pid_);
}

void TorNetwork::generate_keys(Node& n) {
  make_private_dir(n.dir + "/keys");
  if (n.authority) {
    // The v3 authority identity and signing keys (empty passphrase on fd 0).
    run_capture({kTorGencert, "--create-identity-key", "--passphrase-fd", "0", "-i",
                 n.dir + "/keys/authority_identity_key", "-s",
                 n.dir + "/keys/authority_signing_key", "-c", n.dir + "/keys/authority_certificate",
                 "-m", "12", "-a", "127.0.0.1:" + std::to_string(n.dir_port)},
                "\n");
    std::istringstream cert(read_file(n.dir + "/keys/authority_certificate"));
    std::string line;
    while (std::getline(cert, line)) {
      if (line.rfind("fingerprint ", 0) == 0) n.v3ident = line.substr(12);
    }
    if (n.v3ident.size() != 40) throw std::runtime_error("no v3ident for " + n.name);
  }
  // The relay identity: `tor --list-fingerprint` creates the keys and prints
  // "<nickname> <fingerprint in groups of four>".
  std::string out = run_capture(
      {kTorBinary, "--defaults-torrc", "/dev/null", "-f", "/dev/null", "--ignore-missing-torrc",
       "--quiet", "--list-fingerprint", "--DataDirectory", n.dir, "--ORPort",
       "127.0.0.1:" + std::to_string(n.or_port), "--Address", "127.0.0.1", "--Nickname", n.name},
      "");
  auto sp = out.find(' ');
  for (size_t i = sp == std::string::npos ? out.size() : sp; i < out.size(); ++i) {
    if (std::isxdigit(static_cast<unsigned char>(out[i]))) n.fingerprint += out[i];
  }
  if (n.fingerprint.size() != 40)
    throw std::runtime_error("no fingerprint for " + n.name + ": " + out);
}

std::string TorNetwork::common_config(const std::string& dir, const std::string& nick) const {
  std::ostringstream c;
  c << "TestingTorNetwork 1\n"
    << "DataDirectory " << dir << "\n"
    << "PidFile " << dir << "/pid\n"
    << "Log notice file " << dir << "/notice.log\n"
    << "Nickname " << nick << "\n"
    << "SafeLogging 0\n"
    << "ShutdownWaitLength 0\n"
    << "RunAsDaemon 0\n"
    << "ClientUseIPv6 0\n"
    << "UseDefaultFallbackDirs 0\n"
    << "OutboundBindAddress 127.0.0.1\n"
    << "SocksPort 0\n"
    // Never the host's resolver: it points off the machine. The stub names
    // only 127.0.0.1 (where nothing answers), and no hijack test queries.
    << "ServerDNSResolvConfFile " << resolv_ << "\n"
    << "ServerDNSDetectHijacking 0\n"
    << "ServerDNSTestAddresses\n"
    << "__OwningControllerProcess " << ::getpid() << "\n";
  for (const auto& a : nodes_) {
    if (!a.authority) continue;
    c << "DirAuthority " << a.name << " orport=" << a.or_port << " no-v2 v3ident=" << a.v3ident
      << " 127.0.0.1:" << a.dir_port << " " << a.fingerprint << "\n";
  }
  return c.str();
}

void TorNetwork::launch(const std::string& dir, const std::string& torrc, pid_t& pid) {
  write_file(dir + "/torrc", torrc);
  std::vector<std::string> args = {kTorBinary, "--defaults-torrc", "/dev/null", "-f",
                                   dir + "/torrc"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    int out = ::open((dir + "/stdout.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execve(kTorBinary, argv.data(), environ);
    ::_exit(127);
  }
}

void TorNetwork::start() {
  dir_ = testsupport::make_temp_dir("rdt-tor");
  make_private_dir(dir_);
  resolv_ = dir_ + "/resolv.conf";
  write_file(resolv_, "nameserver 127.0.0.1\n");
  {
    std::vector<testsupport::Fd> held;
    for (int i = 0; i < kAuthorities + kRelays; ++i) {
      Node n;
      n.authority = i < kAuthorities;
      n.exit = i == kAuthorities;
      n.name =
          n.authority ? "auth" + std::to_string(i) : "relay" + std::to_string(i - kAuthorities);
      n.dir = dir_ + "/" + n.name;
      n.or_port = free_port(held);
      if (n.authority) n.dir_port = free_port(held);
      nodes_.push_back(n);
    }
  }
  try {
    std::string all_fps, exit_fp;
    for (auto& n : nodes_) {
      make_private_dir(n.dir);
      generate_keys(n);
      all_fps += (all_fps.empty() ? "" : ",") + n.fingerprint;
      if (n.exit) exit_fp = n.fingerprint;
    }
    for (auto& n : nodes_) {
      std::ostringstream c;
      c << common_config(n.dir, n.name) << "Address 127.0.0.1\n"
        << "ORPort 127.0.0.1:" << n.or_port << "\n"
        << "AssumeReachable 1\n"
        << "ContactInfo redoubt-test\n"
        // Bandwidth reports re-upload descriptors; the churn opens windows
        // with no usable exit.
        << "TestingMinTimeToReportBandwidth 86400\n";
      if (n.exit) {
        c << "ExitRelay 1\nExitPolicyRejectPrivate 0\n"
          << "ExitPolicy accept 127.0.0.0/8:*, reject 0.0.0.0/1:*, reject 128.0.0.0/1:*, "
             "accept *:*\n";
      } else {
        c << "ExitRelay 0\nExitPolicy reject *:*\n";
      }
      if (n.authority) {
        c << "DirPort 127.0.0.1:" << n.dir_port << "\n"
          << "AuthoritativeDirectory 1\nV3AuthoritativeDirectory 1\n"
          << "AuthDirMaxServersPerAddr 0\n"
          << "TestingV3AuthInitialVotingInterval 10\nTestingV3AuthInitialVoteDelay 2\n"
          << "TestingV3AuthInitialDistDelay 2\nV3AuthVotingInterval 10\nV3AuthVoteDelay 2\n"
          << "V3AuthDistDelay 2\nTestingV3AuthVotingStartOffset 0\n"
          << "TestingDirAuthVoteExit " << exit_fp << "\nTestingDirAuthVoteExitIsStrict 1\n"
          << "TestingDirAuthVoteGuard " << all_fps << "\n"
          << "TestingDirAuthVoteHSDir " << all_fps << "\n";
      }
      launch(n.dir, c.str(), n.pid);
    }

    // The onion service: a client-only tor publishing one service.
    service_dir_ = dir_ + "/service";
    make_private_dir(service_dir_);
    make_private_dir(service_dir_ + "/hs");
    {
      std::ostringstream c;
      c << common_config(service_dir_, "service") << "VanguardsLiteEnabled 0\n"
        << "HiddenServiceDir " << service_dir_ << "/hs\n"
        << "HiddenServicePort " << onion_port_ << " 127.0.0.1:" << target_port_ << "\n";
      launch(service_dir_, c.str(), service_pid_);
    }

    // The client: SOCKS and control on Unix sockets in a 0700 directory.
    client_dir_ = dir_ + "/client";
    make_private_dir(client_dir_);
    socks_path_ = client_dir_ + "/socks";
    control_path_ = client_dir_ + "/control";
    cookie_path_ = client_dir_ + "/control_auth_cookie";
    {
      std::string c = common_config(client_dir_, "client");
      // SocksPort 0 from the common part is replaced by this one.
      c.replace(c.find("SocksPort 0\n"), 12,
                "SocksPort unix:" + socks_path_ + " IsolateSOCKSAuth ExtendedErrors\n");
      c += "ControlPort unix:" + control_path_ + "\nCookieAuthentication 1\n" + "CookieAuthFile " +
           cookie_path_ + "\n" +
           // Microdescriptor policy summaries drop private addresses: the
           // exit to 127/8 would look like no exit at all.
           "UseMicrodescriptors 0\n"
           // Conflux links two circuits under one stream's credentials.
           "ConfluxEnabled 0\nVanguardsLiteEnabled 0\n"
           // Fail fast: an unreachable target would otherwise cost 2 minutes.
           "SocksTimeout 30\n";
      client_torrc_ = c;
      launch(client_dir_, c, client_pid_);
    }

    // The service's address appears once its keys are made.
    for (int i = 0; i < 200 && onion_host_.empty(); ++i) {
      std::string h = read_file(service_dir_ + "/hs/hostname");
      while (!h.empty() && (h.back() == '\n' || h.back() == ' ')) h.pop_back();
      if (h.size() == 62)
        onion_host_ = h;
      else
        std::this_thread::sleep_for(50ms);
    }
    if (onion_host_.empty()) throw std::runtime_error("the onion service made no address");
  } catch (...) {
    stop();
    throw;
  }
}

int socks_connect_probe(const std::string& socks_path, const std::string& host, uint16_t port,
                        const std::string& user, int timeout_ms) {
  testsupport::Fd c;
  try {
    c = testsupport::connect_unix(socks_path);
  } catch (const std::system_error&) {
    return -1;
  }
  auto read_n = [&](uint8_t* b, size_t n) {
    size_t got = 0;
    while (got < n) {
      pollfd p{c.get(), POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) != 1) return false;
      ssize_t r = ::read(c.get(), b + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  };
  // One step at a time: tor answers a greeting pipelined with the
  // authentication with the authentication reply only.
  uint8_t r[4];
  std::string hello = {0x05, 0x01, 0x02};
  if (!testsupport::write_all(c.get(), hello) || !read_n(r, 2) || r[1] != 0x02) return -1;
  std::string auth = {0x01, static_cast<char>(user.size())};
  auth += user;
  auth += {0x01, 'x'};
  if (!testsupport::write_all(c.get(), auth) || !read_n(r, 2) || r[1] != 0x00) return -1;
  std::string req = {0x05, 0x01, 0x00, 0x03, static_cast<char>(host.size())};
  req += host;
  req += {static_cast<char>(port >> 8), static_cast<char>(port & 0xff)};
  if (!testsupport::write_all(c.get(), req) || !read_n(r, 4)) return -1;
  return r[1];  // VER REP RSV ATYP
}

void TorNetwork::wait_ready(uint16_t exit_probe_port, std::chrono::seconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  auto left_ms = [&] {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                deadline - std::chrono::steady_clock::now())
                                .count());
  };
  std::string phase;
  std::unique_ptr<TorControl> ctl;
  while (left_ms() > 0) {
    try {
      if (!ctl) ctl = std::make_unique<TorControl>(control_path_, cookie_path_);
      phase = ctl->getinfo("status/bootstrap-phase");
      if (phase.find("PROGRESS=100") != std::string::npos) break;
    } catch (const std::exception& e) {
      phase = e.what();
      ctl.reset();
    }
    std::this_thread::sleep_for(500ms);
  }
  if (phase.find("PROGRESS=100") == std::string::npos) {
    throw std::runtime_error("tor client did not bootstrap: " + phase + "\n" + log_tails());
  }
  // The first exit request after bootstrap can fail: retry.
  int code = -1, tries = 0;
  while (left_ms() > 0 && code != 0) {
    code = socks_connect_probe(socks_path_, "127.0.0.1", exit_probe_port,
                               "probe-exit-" + std::to_string(tries++), std::min(left_ms(), 30000));
    if (code != 0) std::this_thread::sleep_for(1s);
  }
  if (code != 0) {
    throw std::runtime_error("no connection through the exit (last SOCKS reply " +
                             std::to_string(code) + ")\n" + log_tails());
  }
  code = -1;
  tries = 0;
  while (left_ms() > 0 && code != 0) {
    code =
        socks_connect_probe(socks_path_, onion_host_, onion_port_,
                            "probe-onion-" + std::to_string(tries++), std::min(left_ms(), 60000));
    if (code != 0) {
      // Cached onion failures (descriptor not yet uploaded) would repeat.
      try {
        ctl->command("SIGNAL NEWNYM");
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(2s);
    }
  }
  if (code != 0) {
    throw std::runtime_error("the onion service was not reachable (last SOCKS reply " +
                             std::to_string(code) + ")\n" + log_tails());
  }
}

std::string TorNetwork::log_tails(size_t lines_each) const {
  std::string out;
  auto add = [&](const std::string& d) {
    out += "--- " + d + "/notice.log\n" + tail(d + "/notice.log", lines_each);
    out += tail(d + "/stdout.log", 3);
  };
  add(client_dir_);
  add(service_dir_);
  for (const auto& n : nodes_) add(n.dir);
  return out;
}

}  // namespace redoubt::tortest
