// redoubt-testnet: the local regtest universe as a program for `make demo`
// and end-to-end tests. Prints one JSON ready line on stdout, then serves
// until SIGTERM or SIGINT.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "tests/support/control.h"
#include "tests/support/universe.h"

namespace {
void usage() {
  std::cerr << "usage: redoubt-testnet --datadir DIR [--tcp-port P] [--tls-port P] "
               "[--blocks N]\n";
}

bool parse_port(const char* s, uint16_t& out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (!*s || *end || v < 0 || v > 65535) return false;
  out = static_cast<uint16_t>(v);
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  // `redoubt-testnet ctl SOCKET WORDS...`: one control command, its JSON
  // reply on stdout (for scripts such as the demo; exit 1 if not ok).
  if (argc >= 4 && std::string(argv[1]) == "ctl") {
    try {
      redoubt::testsupport::ControlClient c(argv[2]);
      std::string line;
      for (int i = 3; i < argc; ++i) line += (i > 3 ? " " : "") + std::string(argv[i]);
      std::string reply = c.command(line);
      std::cout << reply << "\n";
      return reply.find("\"ok\":true") != std::string::npos ? 0 : 1;
    } catch (const std::exception& e) {
      std::cerr << "redoubt-testnet ctl: " << e.what() << "\n";
      return 1;
    }
  }
  redoubt::testsupport::UniverseOptions opts;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--datadir" && has_value) {
      opts.datadir = argv[++i];
    } else if (a == "--tcp-port" && has_value) {
      if (!parse_port(argv[++i], opts.tcp_port)) return usage(), 2;
    } else if (a == "--tls-port" && has_value) {
      if (!parse_port(argv[++i], opts.tls_port)) return usage(), 2;
    } else if (a == "--blocks" && has_value) {
      opts.initial_blocks = std::atoi(argv[++i]);
    } else {
      usage();
      return 2;
    }
  }
  if (opts.datadir.empty()) {
    usage();
    return 2;
  }

  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    redoubt::testsupport::Universe universe(opts);
    universe.start();
    std::cout << universe.endpoints().to_json().dump() << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    universe.stop();
  } catch (const std::exception& e) {
    std::cerr << "redoubt-testnet: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
