// `redoubt-inspect seed`: the command function itself, compiled into this
// test (tests/chain links only redoubt_chain, and the command must be
// testable before the inspect binary is wired up). Expected addresses are
// Electrum's published Bitcoin ones re-encoded for Namecoin, so the test
// does not compare the tool against itself.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "inspect/cmd_seed.cpp"  // NOLINT: see above

namespace redoubt::inspect {
namespace {

struct Result {
  int rc;
  nlohmann::json out;
};

Result run_seed(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  int rc = cmd_seed(static_cast<int>(argv.size()), argv.data());
  std::cout.rdbuf(old);
  nlohmann::json j;
  if (rc == 0) j = nlohmann::json::parse(captured.str());
  return {rc, j};
}

// Electrum's published P2PKH (version 0) address, as a Namecoin address.
std::string nmc_from_btc_p2pkh(std::string_view btc, const chain::NetworkParams& net) {
  chain::Bytes payload = chain::base58check_decode(btc);
  chain::Hash160 h;
  std::copy(payload.begin() + 1, payload.end(), h.begin());
  return *chain::script_to_address(chain::p2pkh_script(h), net);
}

std::string nmc_from_btc_p2wpkh(std::string_view btc, const chain::NetworkParams& net) {
  chain::WitnessProgram w = chain::segwit_address_decode("bc", btc);
  return chain::segwit_address_encode(net.bech32_hrp, 0, w.program);
}

TEST(InspectSeed, CheckReportsTypes) {
  auto r =
      run_seed({"seed", "check",
                "cycle rocket west magnet parrot shuffle foot correct salt library feed song"});
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.out["type"], "standard");
  EXPECT_EQ(r.out["valid"], true);
  EXPECT_EQ(r.out["words"], 12);
  r = run_seed({"seed", "check",
                "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                "abandon about"});
  EXPECT_EQ(r.out["type"], "bip39");
  r = run_seed({"seed", "check",
                "universe topic remind silver february ranch shine worth innocent cattle enhance "
                "wise"});
  EXPECT_EQ(r.out["type"], "2fa_segwit");
  EXPECT_EQ(r.out["supported"], false);
  EXPECT_TRUE(r.out.contains("reason"));
  r = run_seed({"seed", "check", "not a seed at all"});
  EXPECT_EQ(r.out["type"], "none");
  EXPECT_EQ(r.out["valid"], false);
}

TEST(InspectSeed, DeriveSegwitMatchesElectrum) {
  auto r =
      run_seed({"seed", "derive",
                "bitter grass shiver impose acquire brush forget axis eager alone wine silver"});
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.out["script_type"], "p2wpkh");
  EXPECT_EQ(r.out["account_path"], "m/0'");
  EXPECT_EQ(r.out["account_xpub"],
            "zpub6nsHdRuY92FsMKdbn9BfjBCG6X8pyhCibNP6uDvpnw2cyrVhecvHRMa3Ne8kdJZxjxgwnpbHLkcR4bfnhH"
            "y6auHPJyDTQ3kianeuVLdkCYQ");
  const auto& net = chain::mainnet_params();
  EXPECT_EQ(r.out["keys"][0]["path"], "m/0'/0/0");
  EXPECT_EQ(r.out["keys"][0]["address"],
            nmc_from_btc_p2wpkh("bc1q3g5tmkmlvxryhh843v4dz026avatc0zzr6h3af", net));
  EXPECT_EQ(r.out["keys"][1]["path"], "m/0'/1/0");
  EXPECT_EQ(r.out["keys"][1]["address"],
            nmc_from_btc_p2wpkh("bc1qdy94n2q5qcp0kg7v9yzwe6wvfkhnvyzje7nx2p", net));
}

TEST(InspectSeed, DeriveStandardPathOnRegtest) {
  const char* words = "cycle rocket west magnet parrot shuffle foot correct salt library feed song";
  auto r = run_seed({"seed", "derive", words, "--network", "regtest", "--path", "m/1/0"});
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.out["network"], "regtest");
  ASSERT_EQ(r.out["keys"].size(), 1u);
  EXPECT_EQ(r.out["keys"][0]["address"],
            nmc_from_btc_p2pkh("1KSezYMhAJMWqFbVFB2JshYg69UpmEXR4D", chain::regtest_params()));
  // --count walks the last index.
  r = run_seed({"seed", "derive", words, "--path", "m/0/0", "--count", "3"});
  ASSERT_EQ(r.out["keys"].size(), 3u);
  EXPECT_EQ(r.out["keys"][0]["address"],
            nmc_from_btc_p2pkh("1NNkttn1YvVGdqBW4PR6zvc3Zx3H5owKRf", chain::mainnet_params()));
  EXPECT_EQ(r.out["keys"][2]["path"], "m/0/2");
}

TEST(InspectSeed, BadInputFailsWithExitCode) {
  EXPECT_EQ(run_seed({"seed"}).rc, 2);
  EXPECT_EQ(run_seed({"seed", "frobnicate", "x8"}).rc, 2);
  EXPECT_EQ(run_seed({"seed", "derive", "not a seed"}).rc, 1);
  EXPECT_EQ(run_seed({"seed", "derive", "x8", "--network", "moonnet"}).rc, 1);
  EXPECT_EQ(run_seed({"seed", "derive", "x8", "--path", "m/zz"}).rc, 1);
  EXPECT_EQ(run_seed({"seed", "derive", "x8", "--count", "0"}).rc, 1);
  EXPECT_EQ(run_seed({"seed", "derive", "x8", "--count", "5000"}).rc, 1);
  EXPECT_EQ(run_seed({"seed", "derive", "x8", "--path"}).rc, 1);
  EXPECT_EQ(run_seed({"seed", "check", "caf\xc3\xa9"}).rc, 1);
  // Old and 2FA seeds are refused for derivation with the reason.
  EXPECT_EQ(run_seed({"seed", "derive",
                      "powerful random nobody notice nothing important anyway look away hidden "
                      "message over"})
                .rc,
            1);
}

}  // namespace
}  // namespace redoubt::inspect
