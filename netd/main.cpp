// redoubt-netd: the network process. Serves schema::Network to the broker on
// fd 3 (ipc::run_child); it holds no secret and may reach only the proxy.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ipc/child.h"
#include "netd/rpc_server.h"

namespace {

using redoubt::netd::NetdOptions;
using redoubt::netd::Network;

int usage(const char* msg) {
  fprintf(stderr,
          "redoubt-netd: %s\n"
          "usage: redoubt-netd --network mainnet|testnet|regtest\n"
          "       [--connect-timeout-ms N] [--request-timeout-ms N]\n"
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
    } else if (a == "--connect-timeout-ms") {
      if (!parse_ms(v, opts.connect_timeout)) return usage("bad --connect-timeout-ms");
    } else if (a == "--request-timeout-ms") {
      if (!parse_ms(v, opts.request_timeout)) return usage("bad --request-timeout-ms");
    } else {
      return usage("unknown option");
    }
  }
  if (!opts.network) return usage("--network is required");
  // TODO(security): call redoubt::sandbox::confine_self("netd") here once
  // sandbox/confine.h lands; until then netd relies on what spawn() applies.
  opts.confinement_notes.push_back("netd applies no confinement of its own yet");
  return redoubt::ipc::run_child(
      [&opts](kj::AsyncIoContext& io) -> capnp::Capability::Client {
        return kj::heap<redoubt::netd::NetworkImpl>(*io.lowLevelProvider, opts);
      },
      /*lock_down=*/nullptr);
}
