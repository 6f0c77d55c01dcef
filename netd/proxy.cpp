#include "netd/proxy.h"

#include <charconv>

#include "netd/error.h"
#include "netd/servers.h"

namespace redoubt::netd {
namespace {

unsigned parse_port(const std::string& s, const std::string& what) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 65535) {
    throw UsageError(what + ": \"" + s + "\" is not a port number (1-65535)");
  }
  return v;
}

ProxyChoice tcp_choice(const std::string& host, unsigned port, const std::string& source) {
  if (!is_ip_literal(host)) {
    throw UsageError(source + ": proxy host \"" + host +
                     "\" must be an IP address; netd never resolves names, not even the "
                     "proxy's (use unix:/path for a socket)");
  }
  ProxyChoice c;
  c.kind = ProxyKind::tcp;
  c.host = host;
  c.port = port;
  c.address =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  c.source = source;
  return c;
}

ProxyChoice unix_choice(const std::string& path, const std::string& source) {
  if (path.empty() || path[0] != '/') {
    throw UsageError(source + ": the SOCKS socket path must be absolute, got \"" + path + "\"");
  }
  // sockaddr_un.sun_path is 108 bytes including the terminating NUL.
  if (path.size() > 107) throw UsageError(source + ": the SOCKS socket path is too long");
  ProxyChoice c;
  c.kind = ProxyKind::unix_socket;
  c.address = path;
  c.source = source;
  return c;
}

ProxyChoice parse_explicit(const std::string& spec, Network network) {
  const std::string source = "--proxy";
  if (spec == "none") {
    if (network != Network::regtest) {
      throw UsageError("--proxy none (a direct connection without Tor) is only allowed on regtest");
    }
    ProxyChoice c;
    c.kind = ProxyKind::none;
    c.source = source;
    return c;
  }
  if (spec.rfind("unix:", 0) == 0) return unix_choice(spec.substr(5), source);
  if (spec.rfind("socks5:", 0) == 0) {
    std::string rest = spec.substr(7);
    std::string host, port;
    if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
      auto close = rest.find(']');
      if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
        throw UsageError("--proxy: expected socks5:[IPv6]:PORT, got \"" + spec + "\"");
      }
      host = rest.substr(1, close - 1);
      port = rest.substr(close + 2);
    } else {
      auto colon = rest.rfind(':');
      if (colon == std::string::npos) {
        throw UsageError("--proxy: expected socks5:HOST:PORT, got \"" + spec + "\"");
      }
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    return tcp_choice(host, parse_port(port, source), source);
  }
  throw UsageError("--proxy: \"" + spec + "\" is not one of unix:/path, socks5:HOST:PORT or none");
}

}  // namespace

const char* to_string(ProxyKind k) {
  switch (k) {
    case ProxyKind::unix_socket:
      return "unix";
    case ProxyKind::tcp:
      return "tcp";
    case ProxyKind::transproxy:
      return "transproxy";
    case ProxyKind::none:
      return "none";
  }
  return "?";
}

ProxyChoice select_proxy(const ProxyInputs& in) {
  if (!in.explicit_proxy.empty()) return parse_explicit(in.explicit_proxy, in.network);
  // TOR_TRANSPROXY means "do not use SOCKS, the OS already torifies" (Tor
  // Browser and Whonix semantics), so it outranks the SOCKS variables.
  if (in.tor_transproxy) {
    ProxyChoice c;
    c.kind = ProxyKind::transproxy;
    c.source = "TOR_TRANSPROXY";
    return c;
  }
  if (!in.tor_socks_ipc_path.empty())
    return unix_choice(in.tor_socks_ipc_path, "TOR_SOCKS_IPC_PATH");
  if (!in.tor_socks_host.empty() || !in.tor_socks_port.empty()) {
    std::string host = in.tor_socks_host.empty() ? "127.0.0.1" : in.tor_socks_host;
    unsigned port =
        in.tor_socks_port.empty() ? 9050 : parse_port(in.tor_socks_port, "TOR_SOCKS_PORT");
    return tcp_choice(host, port, "TOR_SOCKS_HOST/TOR_SOCKS_PORT");
  }
  if (in.system_socket_exists) return unix_choice(kSystemTorSocket, "system Tor socket");
  return tcp_choice("127.0.0.1", 9050, "default");
}

}  // namespace redoubt::netd
