// redoubt-inspect end to end: runs the built binary (REDOUBT_BIN_DIR) on real
// data and checks its JSON and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "regtest_vectors.h"

namespace redoubt::chain {
namespace {

struct Result {
  int status = -1;
  std::string out;
};

// Arguments are hex strings, names and fixed options: no shell metacharacters.
Result run(const std::string& args) {
  const char* dir = std::getenv("REDOUBT_BIN_DIR");
  EXPECT_NE(dir, nullptr) << "REDOUBT_BIN_DIR not set (run through ctest)";
  Result r;
  if (!dir) return r;
  std::string cmd = std::string(dir) + "/redoubt-inspect " + args + " 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) r.out.append(buf.data(), n);
  int st = pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(Inspect, TxMatchesNamecoindDecoding) {
  for (const auto& t : testing::regtest_vectors()["transactions"]) {
    SCOPED_TRACE(t["role"].get<std::string>());
    Result r = run("tx " + t["raw"].get<std::string>() + " --network regtest");
    ASSERT_EQ(r.status, 0);
    auto j = nlohmann::json::parse(r.out);
    const auto& d = t["decoded_by_namecoind"];
    EXPECT_EQ(j["txid"], d["txid"]);
    EXPECT_EQ(j["vsize"], d["vsize"]);
    for (size_t i = 0; i < d["vout"].size(); ++i) {
      const auto& want = d["vout"][i]["scriptPubKey"];
      const auto& got = j["vout"][i]["scriptPubKey"];
      EXPECT_EQ(got["asm"], want["asm"]);
      EXPECT_EQ(got["address"], want["address"]);
      EXPECT_EQ(got["type"], want["type"]);
      if (want.contains("nameOp")) {
        EXPECT_EQ(got["nameOp"]["op"], want["nameOp"]["op"]);
        if (want["nameOp"].contains("name")) {
          EXPECT_EQ(got["nameOp"]["name"], want["nameOp"]["name"]);
          EXPECT_EQ(got["nameOp"]["value"], want["nameOp"]["value"]);
        }
      }
    }
  }
}

TEST(Inspect, BadInputFailsWithNonZeroExit) {
  EXPECT_EQ(run("tx 0100").status, 1);
  EXPECT_EQ(run("tx zz").status, 1);
  EXPECT_EQ(run("address nc1qinvalid").status, 1);
  EXPECT_EQ(run("merkle --txid 00 --pos 0 --root 00").status, 1);
  EXPECT_EQ(run("nonsense").status, 2);
  EXPECT_EQ(run("sighash --tx 00").status, 2);
}

TEST(Inspect, HeaderAndMerkleAndNameIndex) {
  const auto& v = testing::regtest_vectors();
  const auto& h = v["headers"][2];  // height 197
  Result r =
      run("header " + h["electrumx_header"].get<std::string>() + " --network regtest --height 197");
  ASSERT_EQ(r.status, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["hash"], h["hash"]);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["auxpow"]["coinbase_index"], 0);
  // Corrupt the parent merkle root inside the AuxPoW: invalid, exit 1, with reason.
  std::string bad = h["electrumx_header"];
  bad[bad.size() - 100] = bad[bad.size() - 100] == '0' ? '1' : '0';
  r = run("header " + bad + " --network regtest");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(nlohmann::json::parse(r.out)["valid"], false);

  const auto& t = v["transactions"][0];
  const std::string root = j["merkle_root"];
  r = run("merkle --txid " + t["txid"].get<std::string>() + " --branch " +
          t["merkle"]["merkle"][0].get<std::string>() + " --pos 1 --root " + root);
  EXPECT_EQ(r.status, 0);
  r = run("merkle --txid " + t["txid"].get<std::string>() + " --branch " +
          t["merkle"]["merkle"][0].get<std::string>() + " --pos 0 --root " + root);
  EXPECT_EQ(r.status, 1);

  r = run("name-scripthash d/vectors");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["scripthash"], v["name_index"]["scripthash"]);
}

TEST(Inspect, SighashPrintsCoreOrder) {
  // BIP143 P2SH-P2WPKH example; Core-style output is byte-reversed.
  Result r =
      run("sighash --tx "
          "0100000001db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a54770100000000feff"
          "ffff02b8b4eb0b00"
          "0000001976a914a457b684d7f0d539a46a45bbc043f35b59d0d96388ac0008af2f000000001976a914fd270b"
          "1ee6abcaea97fea7"
          "ad0402e8bd8ad6d77c88ac92040000 --script "
          "76a91479091972186c449eb1ded22b78e40d009bdf008988ac --index 0 "
          "--hashtype ALL --amount 1000000000 --segwit");
  ASSERT_EQ(r.status, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["sighash_internal"],
            "64f3b0f4dd2bb3aa1ce8566d220cc74dda9df97d8490cc81d89d735c92e59fb6");
  EXPECT_EQ(j["sighash"], "b69fe5925c739dd881cc90847df99dda4dc70c226d56e81caab32bddf4b0f364");
}

}  // namespace
}  // namespace redoubt::chain
