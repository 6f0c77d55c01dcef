// Electrum server lists: the built-in ones (as Electrum-NMC ships them) and
// parsing of user-configured "host:port:s|t" entries. Choosing the main
// server, the cross-check servers and reconnect backoff is the broker's job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "netd/proxy.h"

namespace redoubt::netd {

struct ServerAddress {
  std::string host;  // a name, an .onion or an IP literal; never resolved by netd
  uint16_t port = 0;
  bool tls = false;  // "s"; "t" is plain TCP
  bool operator==(const ServerAddress&) const = default;
};

bool is_onion(std::string_view host);
bool is_ip_literal(std::string_view host);

// Electrum-NMC's servers.json (mainnet), clearnet and onion. Testnet: none
// ship that we could source (Electrum-NMC reads servers_testnet.json, absent
// from its tree), so testnet and regtest use configured servers only.
std::vector<ServerAddress> builtin_servers(Network network);

// Parses "host:port:s" or "host:port:t" ("[v6]:port:s" for IPv6). Throws UsageError.
ServerAddress parse_server(std::string_view spec);
std::string to_string(const ServerAddress& s);

}  // namespace redoubt::netd
