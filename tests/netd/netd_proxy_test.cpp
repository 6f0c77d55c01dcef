// Proxy selection: each source is chosen in the documented order, and every
// configuration that would leak (names for the proxy, "none" off regtest) is refused.
#include <gtest/gtest.h>

#include "netd/error.h"
#include "netd/proxy.h"

namespace redoubt::netd {
namespace {

ProxyInputs mk(std::string ex = "", std::string ipc = "", std::string host = "",
               std::string port = "", bool trans = false, bool sys = false,
               Network net = Network::mainnet) {
  ProxyInputs in;
  in.explicit_proxy = ex;
  in.tor_socks_ipc_path = ipc;
  in.tor_socks_host = host;
  in.tor_socks_port = port;
  in.tor_transproxy = trans;
  in.system_socket_exists = sys;
  in.network = net;
  return in;
}

struct Case {
  const char* name;
  ProxyInputs in;
  ProxyKind kind;
  const char* address;
  const char* source;
};

TEST(NetdProxy, SelectionOrderTable) {
  const Case cases[] = {
      {"explicit unix wins over everything",
       mk("unix:/tmp/x.sock", "/run/a", "10.0.0.1", "9150", true, true, Network::mainnet),
       ProxyKind::unix_socket, "/tmp/x.sock", "--proxy"},
      {"explicit socks5 ipv4", mk("socks5:127.0.0.1:9150", "/run/a"), ProxyKind::tcp,
       "127.0.0.1:9150", "--proxy"},
      {"explicit socks5 ipv6", mk("socks5:[::1]:9050"), ProxyKind::tcp, "[::1]:9050", "--proxy"},
      {"explicit none on regtest", mk("none", "", "", "", false, false, Network::regtest),
       ProxyKind::none, "", "--proxy"},
      {"transproxy outranks the SOCKS variables", mk("", "/run/a", "10.0.0.1", "", true, true),
       ProxyKind::transproxy, "", "TOR_TRANSPROXY"},
      {"TOR_SOCKS_IPC_PATH", mk("", "/run/whonix/socks", "10.0.0.1", "9100", false, true),
       ProxyKind::unix_socket, "/run/whonix/socks", "TOR_SOCKS_IPC_PATH"},
      {"TOR_SOCKS_HOST and PORT", mk("", "", "10.152.152.10", "9111", false, true), ProxyKind::tcp,
       "10.152.152.10:9111", "TOR_SOCKS_HOST/TOR_SOCKS_PORT"},
      {"TOR_SOCKS_HOST alone: port 9050", mk("", "", "10.152.152.10", "", false, true),
       ProxyKind::tcp, "10.152.152.10:9050", "TOR_SOCKS_HOST/TOR_SOCKS_PORT"},
      {"TOR_SOCKS_PORT alone: host 127.0.0.1 (Tails)", mk("", "", "", "9062", false, true),
       ProxyKind::tcp, "127.0.0.1:9062", "TOR_SOCKS_HOST/TOR_SOCKS_PORT"},
      {"system Tor socket", mk("", "", "", "", false, true), ProxyKind::unix_socket,
       "/run/tor/socks", "system Tor socket"},
      {"default 127.0.0.1:9050", mk("", "", "", "", false, false), ProxyKind::tcp, "127.0.0.1:9050",
       "default"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ProxyChoice p = select_proxy(c.in);
    EXPECT_EQ(p.kind, c.kind);
    EXPECT_EQ(p.address, c.address);
    EXPECT_EQ(p.source, c.source);
  }
}

TEST(NetdProxy, NoneOnlyOnRegtest) {
  for (Network n : {Network::mainnet, Network::testnet}) {
    ProxyInputs in;
    in.explicit_proxy = "none";
    in.network = n;
    try {
      select_proxy(in);
      FAIL() << "none accepted off regtest";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("only allowed on regtest"), std::string::npos);
    }
  }
}

TEST(NetdProxy, ProxyHostMustBeIpLiteral) {
  ProxyInputs in;
  in.tor_socks_host = "localhost";  // would need the resolver: refused
  EXPECT_THROW(select_proxy(in), UsageError);
  ProxyInputs ex;
  ex.explicit_proxy = "socks5:tor.example:9050";
  EXPECT_THROW(select_proxy(ex), UsageError);
}

TEST(NetdProxy, MalformedValuesRefused) {
  for (const char* spec :
       {"socks5:127.0.0.1", "socks5:127.0.0.1:0", "socks5:127.0.0.1:70000", "socks5:127.0.0.1:9x",
        "unix:relative/path", "http://x", "socks5:[::1"}) {
    SCOPED_TRACE(spec);
    ProxyInputs in;
    in.explicit_proxy = spec;
    EXPECT_THROW(select_proxy(in), UsageError);
  }
  ProxyInputs port;
  port.tor_socks_port = "90500";
  EXPECT_THROW(select_proxy(port), UsageError);
  ProxyInputs ipc;
  ipc.tor_socks_ipc_path = std::string(200, 'a').insert(0, "/");
  EXPECT_THROW(select_proxy(ipc), UsageError);
}

}  // namespace
}  // namespace redoubt::netd
