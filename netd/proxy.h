// Which SOCKS proxy (or none) netd uses: a pure function of the explicit
// configuration, the Whonix/Tails Tor variables and the system Tor socket.
#pragma once

#include <string>

namespace redoubt::netd {

enum class ProxyKind { unix_socket, tcp, transproxy, none };
enum class Network { mainnet, testnet, regtest };

struct ProxyInputs {
  std::string explicit_proxy;  // "unix:/path", "socks5:HOST:PORT", "none", "" = auto
  std::string tor_socks_ipc_path;
  std::string tor_socks_host;
  std::string tor_socks_port;
  bool tor_transproxy = false;
  bool system_socket_exists = false;  // whether kSystemTorSocket exists
  Network network = Network::mainnet;
};

struct ProxyChoice {
  ProxyKind kind = ProxyKind::none;
  std::string address;  // socket path, or "IP:PORT" for tcp; "" for transproxy/none
  std::string host;     // tcp: the IP literal
  unsigned port = 0;    // tcp: the port
  std::string source;   // "--proxy", "TOR_SOCKS_IPC_PATH", "TOR_SOCKS_HOST/PORT", ...
};

// Debian's tor package listens here (SocksPort unix:/run/tor/socks).
inline constexpr const char* kSystemTorSocket = "/run/tor/socks";

// The selection, in order: explicit configuration; TOR_SOCKS_IPC_PATH;
// TOR_SOCKS_HOST/TOR_SOCKS_PORT (127.0.0.1 / 9050 for the missing one); the
// system Tor's Unix socket if it exists, else 127.0.0.1:9050. TOR_TRANSPROXY
// set (and nothing explicit): connect directly, the OS torifies. "none" is
// refused except on regtest. A TCP proxy host must be an IP literal: netd
// never resolves a name, not even the proxy's. Throws UsageError.
ProxyChoice select_proxy(const ProxyInputs& in);

// "unix", "tcp", "transproxy", "none".
const char* to_string(ProxyKind k);

}  // namespace redoubt::netd
