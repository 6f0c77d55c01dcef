// redoubt-netd: the network process. Serves schema::Network to the broker on
// fd 3 (ipc::run_child); it holds no secret and may reach only the proxy.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

#include "ipc/child.h"
#include "netd/rpc_server.h"
#include "netd/transport.h"
#if __has_include("sandbox/confine.h")
#include "sandbox/confine.h"
#define REDOUBT_NETD_CONFINE 1
#endif

namespace {

using redoubt::netd::NetdOptions;
using redoubt::netd::Network;

int usage(const char* msg) {
  fprintf(stderr,
          "redoubt-netd: %s\n"
          "usage: redoubt-netd --network mainnet|testnet|regtest\n"
          "       [--policy netd|netd-transproxy] [--connect-timeout-ms N]\n"
          "       [--request-timeout-ms N]\n"
          "(started by the broker with its socket on fd 3)\n",
          msg);
  return 64;  // EX_USAGE
}

bool parse_ms(std::string_view s, std::chrono::milliseconds& out) {
  char* end = nullptr;
  std::string str(s);
  long v = std::strtol(str.c_str(), &end, 10);
  if (str.empty() || *end != '\0' || v < 10 || v > 600'000) return false;
  out = std::chrono::milliseconds(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  NetdOptions opts;
  // The policy the broker spawned us under; netd-transproxy allows TCP.
  std::string policy = "netd";
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) return usage("missing value after an option");
    std::string_view v = argv[++i];
    if (a == "--network") {
      if (v == "mainnet")
        opts.network = Network::mainnet;
      else if (v == "testnet")
        opts.network = Network::testnet;
      else if (v == "regtest")
        opts.network = Network::regtest;
      else
        return usage("unknown network");
    } else if (a == "--policy") {
      if (v != "netd" && v != "netd-transproxy") return usage("unknown policy");
      policy = v;
    } else if (a == "--connect-timeout-ms") {
      if (!parse_ms(v, opts.connect_timeout)) return usage("bad --connect-timeout-ms");
    } else if (a == "--request-timeout-ms") {
      if (!parse_ms(v, opts.request_timeout)) return usage("bad --request-timeout-ms");
    } else {
      return usage("unknown option");
    }
  }
  if (!opts.network) return usage("--network is required");
  redoubt::netd::prewarm_tls();
  struct stat st;
  opts.system_tor_socket_exists =
      ::stat(redoubt::netd::kSystemTorSocket, &st) == 0 && S_ISSOCK(st.st_mode);
  // lock_down runs after the event loop and fd 3 are set up and before any
  // byte from the broker is read; single-threaded (no session exists yet).
  std::function<void()> lock_down;
#ifdef REDOUBT_NETD_CONFINE
  lock_down = [&opts, &policy] {
    redoubt::sandbox::ConfineReport r = redoubt::sandbox::confine_self(policy);
    opts.seccomp_applied = r.seccomp;
    opts.policy = policy;
    opts.landlock_abi = r.landlock.applied_abi;
    opts.landlock_applied = redoubt::sandbox::landlock_summary(r.landlock);
    opts.apparmor_label = r.apparmor_label;
    opts.unix_sockets_only = r.seccomp && policy == "netd";
    opts.confinement_notes = r.notes;
  };
#else
  opts.confinement_notes.push_back("built without sandbox/confine.h: no self-confinement");
#endif
  return redoubt::ipc::run_child(
      [&opts](kj::AsyncIoContext& io) -> capnp::Capability::Client {
        return kj::heap<redoubt::netd::NetworkImpl>(*io.lowLevelProvider, opts);
      },
      lock_down);
}
