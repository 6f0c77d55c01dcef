// Server lists and "host:port:s|t" parsing; onion and IP-literal detection
// (which decide SNI and whether a direct connection is even possible).
#include <gtest/gtest.h>

#include <set>

#include "netd/error.h"
#include "netd/servers.h"

namespace redoubt::netd {
namespace {

TEST(NetdServers, ParsesConfiguredEntries) {
  EXPECT_EQ(parse_server("electrum.test:50002:s"), (ServerAddress{"electrum.test", 50002, true}));
  EXPECT_EQ(parse_server("x.onion:50001:t"), (ServerAddress{"x.onion", 50001, false}));
  EXPECT_EQ(parse_server("[2607:5300::1]:50002:s"), (ServerAddress{"2607:5300::1", 50002, true}));
  for (const char* bad :
       {"electrum.test", "electrum.test:50002", "electrum.test:50002:x", "electrum.test:0:s",
        "electrum.test:70000:s", ":50002:s", "electrum.test:5x:t"}) {
    EXPECT_THROW(parse_server(bad), UsageError) << bad;
  }
  EXPECT_EQ(to_string(ServerAddress{"2607:5300::1", 1, false}), "[2607:5300::1]:1:t");
}

TEST(NetdServers, OnionAndIpLiterals) {
  EXPECT_TRUE(is_onion("abc.onion"));
  EXPECT_TRUE(is_onion("ABC.ONION"));
  EXPECT_FALSE(is_onion("onion"));
  EXPECT_FALSE(is_onion("x.onion.evil.com"));
  EXPECT_TRUE(is_ip_literal("198.50.223.25"));
  EXPECT_TRUE(is_ip_literal("2607:5300:203:7ac5:198:50:223:25"));
  EXPECT_FALSE(is_ip_literal("electrum.namebrow.se"));
  EXPECT_FALSE(is_ip_literal("localhost"));
}

TEST(NetdServers, BuiltinMainnetListAsElectrumNmcShipsIt) {
  auto list = builtin_servers(Network::mainnet);
  EXPECT_EQ(list.size(), 25u);
  size_t onions = 0;
  std::set<std::string> seen;
  for (const auto& s : list) {
    EXPECT_GT(s.port, 0);
    EXPECT_TRUE(seen.insert(to_string(s)).second) << to_string(s);
    if (is_onion(s.host)) ++onions;
  }
  EXPECT_EQ(onions, 4u);
  EXPECT_TRUE(seen.count("electrumx1.nmc.dotbit.zone:50002:s"));
  EXPECT_TRUE(seen.count("ulrichard.ch:50005:t"));
  EXPECT_TRUE(builtin_servers(Network::regtest).empty());
}

}  // namespace
}  // namespace redoubt::netd
