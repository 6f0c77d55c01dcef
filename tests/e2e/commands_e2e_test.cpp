// The command line as a whole, through the real process tree: `help` lists
// every command in its group and each one answers --help; commands missing
// their arguments are usage errors (exit 2) that say the usage; an unknown
// command is refused; and the outputs scripts rely on keep Electrum-NMC's
// shapes (validateaddress, deserialize, listaddressgroupings, listunspent).
#include <regex>
#include <set>
#include <sstream>

#include "tests/e2e/e2e_driver.h"

namespace redoubt::test {
namespace {

constexpr const char* kForeign = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";

class Commands : public E2E {
 protected:
  // Every command `help` lists, in order.
  std::vector<std::string> listed() {
    Result h = r({"help"});
    EXPECT_EQ(h.rc, 0) << h.err;
    std::vector<std::string> names;
    std::istringstream in(h.out);
    std::string line;
    static const std::regex cmd("^  ([a-z_]+)( |$).*");
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_match(line, m, cmd)) names.push_back(m[1]);
    return names;
  }
};

TEST_F(Commands, HelpListsEveryCommandByGroupAndEachAnswersHelp) {
  Result h = r({"help"});
  ASSERT_EQ(h.rc, 0) << h.err;
  for (const char* group : {"General:", "Wallet:", "Coin control:", "Sending:", "Names:"})
    EXPECT_NE(h.out.find(std::string("\n") + group + "\n"), std::string::npos) << group;
  std::vector<std::string> names = listed();
  // The Electrum-NMC names the issue promises.
  for (const char* want : {"create",
                           "restore",
                           "password",
                           "getinfo",
                           "getbalance",
                           "listaddresses",
                           "getunusedaddress",
                           "history",
                           "listunspent",
                           "freeze",
                           "unfreeze",
                           "payto",
                           "paytomany",
                           "signtransaction",
                           "broadcast",
                           "deserialize",
                           "validateaddress",
                           "listaddressgroupings",
                           "name_new",
                           "name_firstupdate",
                           "name_autoregister",
                           "name_update",
                           "name_show",
                           "name_list",
                           "getconfig",
                           "setconfig",
                           "audit",
                           "stop"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want << " not listed";
  }
  for (const auto& n : names) {
    Result c = r({n, "--help"});
    EXPECT_EQ(c.rc, 0) << n << ": " << c.err;
    EXPECT_EQ(c.out.rfind("usage: redoubt [GLOBAL OPTIONS] " + n, 0), 0u) << n << ": " << c.out;
  }
}

TEST_F(Commands, MissingArgumentsAndUnknownCommandsAreUsageErrors) {
  for (const char* c :
       {"payto", "paytomany", "freeze", "unfreeze", "deserialize", "validateaddress", "broadcast",
        "signtransaction", "name_new", "name_firstupdate", "name_show", "setconfig", "getconfig"}) {
    Result res = r({c});
    EXPECT_EQ(res.rc, 2) << c << ": " << res.err;
    EXPECT_NE(res.err.find("usage: "), std::string::npos) << c << ": " << res.err;
  }
  Result u = r({"sendtoaddress", kForeign, "1"});
  EXPECT_EQ(u.rc, 2);
  EXPECT_NE(u.err.find("unknown command 'sendtoaddress'"), std::string::npos) << u.err;
  Result bad_amount = r({"payto", kForeign, "1.123456789"});
  EXPECT_EQ(bad_amount.rc, 2) << "more than 8 decimals is not an amount: " << bad_amount.err;
}

TEST_F(Commands, ValidateaddressAndDeserializeKeepTheirShapes) {
  Result v = r({"validateaddress", kForeign});
  ASSERT_EQ(v.rc, 0) << v.err;
  EXPECT_EQ(v.json(), Json(true));
  Result nv = r({"validateaddress", "nc1qnotanaddress"});
  ASSERT_EQ(nv.rc, 0) << nv.err;
  EXPECT_EQ(nv.json(), Json(false));

  create();
  std::string addr = address();
  std::string txid = universe().fund(addr, 123'456'789, /*confirm=*/true);
  auto raw = universe().raw_tx(txid);
  ASSERT_TRUE(raw.has_value());
  Result d = r({"deserialize", chain::to_hex(*raw)});
  ASSERT_EQ(d.rc, 0) << d.err;
  Json j = d.json();
  EXPECT_EQ(j["txid"], txid);
  bool found = false;
  for (const auto& o : j["outputs"])
    found |= o["address"] == addr && o["value_sats"] == 123'456'789;
  EXPECT_TRUE(found) << j.dump(2);
  Result bad = r({"deserialize", "00"});
  EXPECT_NE(bad.rc, 0);
  EXPECT_NE(bad.err.find("transaction"), std::string::npos) << bad.err;
}

TEST_F(Commands, ListaddressgroupingsAndListunspentShowTheCoins) {
  create();
  std::vector<std::string> addrs = receiving();
  ASSERT_GE(addrs.size(), 2u);
  universe().fund(addrs[0], 200'000'000, /*confirm=*/true);
  universe().fund(addrs[1], 50'000'000, /*confirm=*/true);

  Result lu = r({"listunspent"});
  ASSERT_EQ(lu.rc, 0) << lu.err;
  ASSERT_TRUE(lu.json().is_array()) << lu.out;
  EXPECT_EQ(lu.json().size(), 2u);
  std::set<std::string> coin_addrs;
  for (const auto& c : lu.json()) {
    coin_addrs.insert(c["address"].get<std::string>());
    EXPECT_TRUE(c.contains("prevout_hash") || c.contains("txid")) << c.dump();
  }
  EXPECT_EQ(coin_addrs, (std::set<std::string>{addrs[0], addrs[1]}));

  // Electrum-NMC's shape: a list of groups, each a list of [address, amount].
  Result g = r({"listaddressgroupings"});
  ASSERT_EQ(g.rc, 0) << g.err;
  ASSERT_TRUE(g.json().is_array()) << g.out;
  int64_t total = 0;
  for (const auto& group : g.json())
    for (const auto& e : group) {
      ASSERT_TRUE(e.is_array() && e.size() == 2) << e.dump();
      if (e[0] != "name") total += sat(e[1]);
    }
  EXPECT_EQ(total, 250'000'000);

  // The human form is a table with one block per group.
  Result human = run({bin("redoubt"), "--datadir", wallet_, "--network", "regtest", "--proxy",
                      "unix:" + endpoints().socks, "--server", kServer, "listaddressgroupings"},
                     "");
  ASSERT_EQ(human.rc, 0) << human.err;
  EXPECT_EQ(human.out.rfind("GROUP", 0), 0u) << human.out;
  EXPECT_NE(human.out.find(addrs[0]), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("2.00000000"), std::string::npos) << human.out;
}

}  // namespace
}  // namespace redoubt::test
