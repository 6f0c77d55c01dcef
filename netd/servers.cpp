#include "netd/servers.h"

#include <arpa/inet.h>

#include <charconv>

#include "netd/error.h"

namespace redoubt::netd {

bool is_onion(std::string_view host) {
  constexpr std::string_view kSuffix = ".onion";
  if (host.size() < kSuffix.size()) return false;
  auto tail = host.substr(host.size() - kSuffix.size());
  for (size_t i = 0; i < kSuffix.size(); ++i) {
    char c = tail[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kSuffix[i]) return false;
  }
  return true;
}

bool is_ip_literal(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::vector<ServerAddress> builtin_servers(Network network) {
  if (network != Network::mainnet) return {};
  // electrum_nmc/electrum/servers.json of namecoin/electrum-nmc (v4.0.x),
  // every "s" (and the one "t") entry, onion services included.
  return {
      {"188.167.144.126", 50002, true},
      {"198.50.223.25", 50002, true},
      {"198.50.223.26", 50002, true},
      {"198.50.223.27", 50002, true},
      {"198.50.223.28", 50002, true},
      {"2607:5300:203:7ac5:198:50:223:25", 50002, true},
      {"2607:5300:203:7ac5:198:50:223:26", 50002, true},
      {"2607:5300:203:7ac5:198:50:223:27", 50002, true},
      {"2607:5300:203:7ac5:198:50:223:28", 50002, true},
      {"46.229.238.187", 57002, true},
      {"82.119.233.36", 50002, true},
      {"electrum.namebrow.se", 50002, true},
      {"electrum-nmc.le-space.de", 50002, true},
      {"electrumx1.nmc.dotbit.zone", 50002, true},
      {"electrumx2.nmc.dotbit.zone", 50002, true},
      {"electrumx3.nmc.dotbit.zone", 50002, true},
      {"electrumx4.nmc.dotbit.zone", 50002, true},
      {"nmc.bitcoins.sk", 50002, true},
      {"nmc2.bitcoins.sk", 57002, true},
      {"ulrichard.ch", 50006, true},
      {"ulrichard.ch", 50005, false},
      // Onion services: Electrum-NMC lists them with "s"; Tor already
      // authenticates an onion, and TLS on top is what these servers offer.
      {"h6qrnwxtwiaahsw4qhk2nbutswwb54vnqso6jrxeuk6nwtfbos7jkoqd.onion", 50002, true},
      {"mqhok2edqcxdpklwovquuvvl2q5or4g2o777qwrinydgzfxjbixq76yd.onion", 50002, true},
      {"wirg2tsto7rme7n26lkd3ivbvxmjyy2pktlozwjuep22jcsfsghfqbqd.onion", 50002, true},
      {"quuzpffsddq3aim3gk4oiczzyt5okjjzf4zpe6okzo6qidao6rshynqd.onion", 50002, true},
  };
}

ServerAddress parse_server(std::string_view spec) {
  auto fail = [&] {
    throw UsageError("server \"" + std::string(spec) + "\" is not host:port:s or host:port:t");
  };
  auto last = spec.rfind(':');
  if (last == std::string_view::npos || last + 2 != spec.size()) fail();
  char proto = spec[last + 1];
  if (proto != 's' && proto != 't') fail();
  auto rest = spec.substr(0, last);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) fail();
  auto host = rest.substr(0, colon);
  auto port_s = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
  if (host.empty() || host.size() > 255 || ec != std::errc() ||
      end != port_s.data() + port_s.size() || port == 0 || port > 65535) {
    fail();
  }
  return {std::string(host), static_cast<uint16_t>(port), proto == 's'};
}

std::string to_string(const ServerAddress& s) {
  std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
  return host + ":" + std::to_string(s.port) + (s.tls ? ":s" : ":t");
}

}  // namespace redoubt::netd
