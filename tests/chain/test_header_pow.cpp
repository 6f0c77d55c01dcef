// Headers, AuxPoW and proof of work against real chains: namecoind regtest
// headers served by ElectrumX, real merge-mined Namecoin mainnet headers, and
// Bitcoin Core's compact-target and retarget vectors. Every byte the AuxPoW
// commits to is flipped in turn and must be rejected.
#include <gtest/gtest.h>

#include "chain/error.h"
#include "chain/header.h"
#include "chain/merkle.h"
#include "chain/pow.h"
#include "chain/serialize.h"
#include "chain/tx.h"
#include "regtest_vectors.h"

namespace redoubt::chain {
namespace {

using testing::load_json;
using testing::regtest_vectors;

const nlohmann::json& mainnet_headers() {
  static const nlohmann::json j = load_json("namecoin-mainnet-headers.json");
  return j;
}

bool accepted(ByteSpan raw, const NetworkParams& p, int32_t height) {
  try {
    return check_header_pow(parse_block_header(raw), p, height).ok;
  } catch (const ChainError&) {
    return false;
  }
}

// Offset of the unused CMerkleTx::hashBlock field inside a serialized AuxPoW header.
size_t hash_block_offset(const BlockHeader& h) {
  return 80 + h.auxpow->coinbase.serialize().size();
}

TEST(HeaderPow, RegtestHeadersMatchNamecoindAndValidate) {
  for (const auto& v : regtest_vectors()["headers"]) {
    const int height = v["height"];
    SCOPED_TRACE(height);
    Bytes raw = from_hex(v["electrumx_header"].get<std::string>());
    BlockHeader h = parse_block_header(raw);
    EXPECT_EQ(to_hex_reversed(h.hash()), v["hash"].get<std::string>());
    // namecoind's getblockheader hex: the 80 bytes plus the AuxPoW, like ElectrumX.
    EXPECT_EQ(to_hex(h.serialize()), v["namecoind_header"].get<std::string>());
    EXPECT_EQ(to_hex(h.base.serialize()), v["namecoind_header"].get<std::string>().substr(0, 160));
    EXPECT_EQ(h.serialize(), raw);
    EXPECT_EQ(h.auxpow.has_value(), height > 0);
    Verdict verdict = check_header_pow(h, regtest_params(), height);
    EXPECT_TRUE(verdict.ok) << verdict.reason;
    if (height > 0) {
      EXPECT_EQ(h.base.chain_id(), 1);
      EXPECT_TRUE(h.base.has_auxpow_flag());
      EXPECT_EQ(h.base.base_version(), 4);
      // With cp_height ElectrumX cuts the header to its 80 bytes: a pure header,
      // but not a complete AuxPoW header.
      Bytes cut = from_hex(v["electrumx_header_with_cp_height_tip"]["header"].get<std::string>());
      EXPECT_EQ(parse_pure_header(cut), h.base);
      EXPECT_THROW(parse_block_header(cut), ChainError);
    }
  }
}

TEST(HeaderPow, RegtestAuxpowRejectsEveryCommittedByteFlip) {
  for (const auto& v : regtest_vectors()["headers"]) {
    const int height = v["height"];
    if (height == 0) continue;
    SCOPED_TRACE(height);
    const Bytes raw = from_hex(v["electrumx_header"].get<std::string>());
    const BlockHeader h = parse_block_header(raw);
    const size_t hb = hash_block_offset(h);
    const size_t parent = raw.size() - 80;
    size_t checked = 0;
    for (size_t i = 0; i < raw.size(); ++i) {
      // Not committed: the unused hashBlock field. Regtest's target accepts about
      // half of all hashes, so the parent header's fields other than its merkle
      // root (which commits to the coinbase) may still meet it after a flip.
      if (i >= hb && i < hb + 32) continue;
      if (i >= parent && !(i >= parent + 36 && i < parent + 68)) continue;
      Bytes m = raw;
      m[i] ^= 0x01;
      EXPECT_FALSE(accepted(m, regtest_params(), height)) << "byte " << i;
      ++checked;
    }
    EXPECT_GT(checked, 200u);
    // The unused field really is unused.
    Bytes m = raw;
    m[hb] ^= 0xff;
    EXPECT_TRUE(accepted(m, regtest_params(), height));
  }
}

TEST(HeaderPow, RealMainnetHeadersValidate) {
  for (const auto& v : mainnet_headers()["headers"]) {
    const int height = v["height"];
    SCOPED_TRACE(height);
    Bytes raw = from_hex(v["hex"].get<std::string>());
    BlockHeader h = parse_block_header(raw);
    EXPECT_EQ(h.serialize(), raw);
    Verdict verdict = check_header_pow(h, mainnet_params(), height);
    EXPECT_TRUE(verdict.ok) << verdict.reason;
    EXPECT_EQ(h.base.chain_id(), 1);
    if (v.contains("prev_hash")) {
      EXPECT_EQ(to_hex_reversed(h.base.prev_hash), v["prev_hash"].get<std::string>());
    }
    if (v.contains("coinbase_txid")) {
      EXPECT_EQ(to_hex_reversed(h.auxpow->coinbase.txid()), v["coinbase_txid"].get<std::string>());
    }
    if (v.contains("chain_merkle_index")) {
      EXPECT_EQ(h.auxpow->chain_index, v["chain_merkle_index"].get<int>());
    }
    // Legacy rule: this header is not version 1, so it is fine after 19200.
    EXPECT_FALSE(h.base.is_legacy());
  }
  // Electrum-NMC's published targets for 19414 and 37174.
  const auto& hs = mainnet_headers()["headers"];
  EXPECT_EQ(
      Uint256::from_compact(parse_block_header(from_hex(hs[1]["hex"].get<std::string>())).base.bits)
          .to_hex(),
      "000000000000b269000000000000000000000000000000000000000000000000");
  EXPECT_EQ(
      Uint256::from_compact(parse_block_header(from_hex(hs[2]["hex"].get<std::string>())).base.bits)
          .to_hex(),
      "000000000000242a4a0000000000000000000000000000000000000000000000");
}

TEST(HeaderPow, MainnetAuxpowRejectsEveryByteFlipButTheUnusedField) {
  for (const auto& v : mainnet_headers()["headers"]) {
    const int height = v["height"];
    Bytes raw = from_hex(v["hex"].get<std::string>());
    BlockHeader h = parse_block_header(raw);
    SCOPED_TRACE(height);
    const size_t hb = h.auxpow ? hash_block_offset(h) : raw.size();
    for (size_t i = 0; i < raw.size(); ++i) {
      if (i >= hb && i < hb + 32) continue;
      Bytes m = raw;
      m[i] ^= 0x01;
      EXPECT_FALSE(accepted(m, mainnet_params(), height)) << "byte " << i;
    }
  }
}

class AuxpowRules : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& hs = mainnet_headers()["headers"];
    h37174 = parse_block_header(from_hex(hs[2]["hex"].get<std::string>()));
    h19204 = parse_block_header(from_hex(hs[0]["hex"].get<std::string>()));
    h19414 = parse_block_header(from_hex(hs[1]["hex"].get<std::string>()));
  }
  std::string why(const BlockHeader& h) {
    return auxpow_check(*h.auxpow, h.hash(), h.base.chain_id(), mainnet_params().strict_chain_id);
  }
  BlockHeader h37174, h19204, h19414;
};

TEST_F(AuxpowRules, ValidHeadersPass) {
  EXPECT_EQ(why(h37174), "");
  EXPECT_EQ(why(h19414), "");
}

TEST_F(AuxpowRules, CoinbaseMustBeFirstTransaction) {
  h37174.auxpow->coinbase_index = 1;
  EXPECT_EQ(why(h37174), "AuxPow is not a generate");
}

TEST_F(AuxpowRules, ParentWithOurChainIdIsRejected) {
  h37174.auxpow->parent = h19204.base;  // a Namecoin header (chain id 1)
  EXPECT_EQ(why(h37174), "Aux POW parent has our chain ID");
  // Testnet does not enforce chain ids: the next failure is the merkle root.
  EXPECT_EQ(auxpow_check(*h37174.auxpow, h37174.hash(), 1, false), "Aux POW merkle root incorrect");
}

TEST_F(AuxpowRules, ChainBranchLongerThan30IsRejected) {
  h37174.auxpow->chain_branch.assign(31, Hash256{});
  EXPECT_EQ(why(h37174), "Aux POW chain merkle branch too long");
  // And more than 32 does not even parse.
  Bytes raw = h37174.serialize();
  h37174.auxpow->chain_branch.assign(33, Hash256{});
  EXPECT_THROW(parse_block_header(h37174.serialize()), ChainError);
  EXPECT_NO_THROW(parse_block_header(raw));
}

TEST_F(AuxpowRules, WrongChainIndexIsRejected) {
  h37174.auxpow->chain_index ^= 1;
  // The root moves, so it is no longer found in the coinbase.
  EXPECT_EQ(why(h37174), "Aux POW missing chain merkle root in parent coinbase");
  EXPECT_EQ(auxpow_expected_index(0, 1, 0), 0u);
  // The real header's slot: nonce 0 and merkle height 4 give index 11 for chain 1.
  EXPECT_EQ(auxpow_expected_index(0, 1, 4), 11u);
  EXPECT_THROW(auxpow_expected_index(0, 1, 31), ChainError);
}

TEST_F(AuxpowRules, OurBlockMustBeCommitted) {
  BlockHeader other = h37174;
  other.base.nonce ^= 1;
  EXPECT_EQ(auxpow_check(*other.auxpow, other.hash(), 1, true),
            "Aux POW missing chain merkle root in parent coinbase");
}

TEST_F(AuxpowRules, HeaderVersionRules) {
  // Wrong chain id in our own version.
  BlockHeader h = h37174;
  h.base.version = 0x00020101;
  EXPECT_FALSE(check_header_pow(h, mainnet_params(), 37174).ok);
  // AuxPoW flag without AuxPoW data.
  h = h19204;
  h.base.version |= PureHeader::kVersionAuxpow;
  EXPECT_EQ(check_header_pow(h, mainnet_params(), 19204).reason,
            "no auxpow on block with auxpow version");
  // A legacy (version 1) header after the merge-mining start.
  h = h19204;
  h.base.version = 1;
  EXPECT_EQ(check_header_pow(h, mainnet_params(), 19204).reason, "legacy block after auxpow start");
  // Parent checked against OUR target: tighten our bits and the parent fails.
  h = h37174;
  h.base.bits = 0x1a00242a;
  EXPECT_EQ(check_header_pow(h, mainnet_params(), 37174).reason, "AUX proof of work failed");
}

TEST(HeaderPow, MerkleProofsFromElectrumxVerify) {
  std::map<int, Hash256> roots;
  for (const auto& v : regtest_vectors()["headers"])
    roots[v["height"].get<int>()] =
        parse_block_header(from_hex(v["electrumx_header"].get<std::string>())).base.merkle_root;
  size_t verified = 0;
  for (const auto& t : regtest_vectors()["transactions"]) {
    SCOPED_TRACE(t["role"].get<std::string>());
    const Hash256 txid = hash_from_hex_reversed(t["txid"].get<std::string>());
    std::vector<Hash256> branch;
    for (const auto& b : t["merkle"]["merkle"])
      branch.push_back(hash_from_hex_reversed(b.get<std::string>()));
    const uint32_t pos = t["merkle"]["pos"];
    const Hash256 root = roots.at(t["height"].get<int>());
    EXPECT_TRUE(verify_merkle_proof(txid, branch, pos, root));
    EXPECT_FALSE(verify_merkle_proof(txid, branch, pos ^ 1, root));
    EXPECT_FALSE(verify_merkle_proof(txid, branch, pos + 2, root));  // index beyond the branch
    Hash256 wrong = txid;
    wrong[0] ^= 1;
    EXPECT_FALSE(verify_merkle_proof(wrong, branch, pos, root));
    // Two transactions (coinbase first): the root of the list matches too.
    EXPECT_EQ(merkle_root({branch[0], txid}), root);
    ++verified;
  }
  EXPECT_EQ(verified, 3u);
}

TEST(HeaderPow, MerkleRootRules) {
  Hash256 a{}, b{}, c{};
  a[0] = 1;
  b[0] = 2;
  c[0] = 3;
  EXPECT_EQ(merkle_root({a}), a);
  bool mutated = true;
  Hash256 r3 = merkle_root({a, b, c}, &mutated);
  EXPECT_FALSE(mutated);
  // The odd node is paired with itself, so [a b c] and [a b c c] share a root
  // (CVE-2012-2459) -- and the duplicate is flagged.
  EXPECT_EQ(merkle_root({a, b, c, c}, &mutated), r3);
  EXPECT_TRUE(mutated);
  EXPECT_EQ(merkle_root_from_branch(c, {c, merkle_root({a, b})}, 2), r3);
  std::vector<Hash256> too_long(33);
  EXPECT_FALSE(verify_merkle_proof(a, too_long, 0, a));
}

// Bitcoin Core arith_uint256 SetCompact/GetCompact vectors.
TEST(HeaderPow, CompactTargets) {
  struct Case {
    uint32_t bits;
    const char* value;
    bool negative;
    uint32_t back;
  };
  const Case cases[] = {
      {0x00000000, "0", false, 0},
      {0x00123456, "0", false, 0},
      {0x01003456, "0", false, 0},
      {0x02000056, "0", false, 0},
      {0x03000000, "0", false, 0},
      {0x04000000, "0", false, 0},
      {0x00923456, "0", false, 0},
      {0x01803456, "0", false, 0},
      {0x02800056, "0", false, 0},
      {0x03800000, "0", false, 0},
      {0x04800000, "0", false, 0},
      {0x01123456, "12", false, 0x01120000},
      {0x01fedcba, "7e", true, 0x01fe0000},
      {0x02123456, "1234", false, 0x02123400},
      {0x03123456, "123456", false, 0x03123456},
      {0x04123456, "12345600", false, 0x04123456},
      {0x04923456, "12345600", true, 0x04923456},
      {0x05009234, "92340000", false, 0x05009234},
  };
  for (const auto& c : cases) {
    bool neg = false, over = false;
    Uint256 t = Uint256::from_compact(c.bits, &neg, &over);
    std::string hex(c.value);
    EXPECT_EQ(t, Uint256::from_hex(std::string(64 - hex.size(), '0') + hex)) << std::hex << c.bits;
    EXPECT_EQ(neg, c.negative) << std::hex << c.bits;
    EXPECT_FALSE(over);
    EXPECT_EQ(t.to_compact(neg), c.back) << std::hex << c.bits;
  }
  bool neg = false, over = false;
  Uint256 big = Uint256::from_compact(0x20123456, &neg, &over);
  EXPECT_EQ(big.to_hex(), "1234560000000000000000000000000000000000000000000000000000000000");
  EXPECT_EQ(big.to_compact(), 0x20123456u);
  Uint256::from_compact(0xff123456, &neg, &over);
  EXPECT_TRUE(over);
  // Invalid targets fail the PoW check whatever the hash.
  EXPECT_FALSE(check_proof_of_work(Hash256{}, 0xff123456, mainnet_params()));
  EXPECT_FALSE(check_proof_of_work(Hash256{}, 0x04923456, mainnet_params()));
  EXPECT_FALSE(check_proof_of_work(Hash256{}, 0x1d01ffff, mainnet_params()));  // above the limit
  EXPECT_TRUE(check_proof_of_work(Hash256{}, 0x1d00ffff, mainnet_params()));
}

TEST(HeaderPow, ChainWorkAndDifficulty) {
  EXPECT_EQ(block_proof(0x1d00ffff), Uint256(0x100010001ULL));
  EXPECT_EQ(block_proof(0x207fffff), Uint256(2));
  EXPECT_TRUE(block_proof(0x04923456).is_zero());
  EXPECT_DOUBLE_EQ(difficulty(0x1d00ffff), 1.0);
  EXPECT_GT(block_proof(0x1b00b269), block_proof(0x1d00ffff));
}

// Bitcoin Core's pow_tests (the 2016-block retarget Namecoin shares).
TEST(HeaderPow, RetargetCalculation) {
  const auto& p = mainnet_params();
  EXPECT_EQ(calculate_next_work_required(0x1d00ffff, 1262152739, 1261130161, p), 0x1d00d86au);
  EXPECT_EQ(calculate_next_work_required(0x1d00ffff, 1233061996, 1231006505, p), 0x1d00ffffu);
  EXPECT_EQ(calculate_next_work_required(0x1c05a3f4, 1279297671, 1279008237, p), 0x1c0168fdu);
  EXPECT_EQ(calculate_next_work_required(0x1c387f6f, 1269211443, 1263163443, p), 0x1d00e1fdu);
  // Regtest never retargets.
  EXPECT_EQ(calculate_next_work_required(0x207fffff, 1000, 0, regtest_params()), 0x207fffffu);
}

TEST(HeaderPow, NamecoinLooksBackAFullIntervalAfterMergeMining) {
  const auto& p = mainnet_params();
  std::vector<int32_t> asked;
  auto ancestor = [&](int32_t height) {
    asked.push_back(height);
    return HeaderFacts{height, 0x1c05a3f4, 1279008237};
  };
  // Before merge mining: Bitcoin's 2015-block look-back.
  HeaderFacts last{2 * 2016 - 1, 0x1c05a3f4, 1279297671};
  EXPECT_EQ(next_work_required(last, last.time + 600, ancestor, p), 0x1c0168fdu);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], last.height - 2015);
  // After it: a full 2016.
  asked.clear();
  last.height = 10 * 2016 - 1;
  next_work_required(last, last.time + 600, ancestor, p);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], last.height - 2016);
  // Between retargets the bits stay.
  asked.clear();
  last.height = 10 * 2016;
  EXPECT_EQ(next_work_required(last, last.time + 600, ancestor, p), last.bits);
  EXPECT_TRUE(asked.empty());
}

TEST(HeaderPow, TestnetMinimumDifficultyRules) {
  const auto& p = testnet_params();
  const uint32_t limit = pow_limit(p).to_compact();
  HeaderFacts last{5000, 0x1c05a3f4, 1500000000};
  auto ancestor = [&](int32_t h) {
    return HeaderFacts{h, h == 4999 ? limit : 0x1c0fffff, 1500000000};
  };
  // More than 20 minutes late: minimum difficulty.
  EXPECT_EQ(next_work_required(last, last.time + 1201, ancestor, p), limit);
  // Earlier than the previous block: also minimum (old client's unsigned bug).
  EXPECT_EQ(next_work_required(last, last.time - 1, ancestor, p), limit);
  // On time: the last real difficulty.
  EXPECT_EQ(next_work_required(last, last.time + 600, ancestor, p), last.bits);
  HeaderFacts min_last{5000, limit, 1500000000};
  EXPECT_EQ(next_work_required(min_last, min_last.time + 600, ancestor, p), 0x1c0fffffu);
}

TEST(HeaderPow, NetworkParams) {
  EXPECT_EQ(to_hex_reversed(regtest_params().genesis_hash()),
            regtest_vectors()["headers"][0]["hash"].get<std::string>());
  EXPECT_EQ(mainnet_params().name_expiration_depth(500000), 36000);
  EXPECT_EQ(regtest_params().name_expiration_depth(210), 30);
  EXPECT_EQ(regtest_vectors()["namecoind_name_show"]["expires_in"].get<int>(),
            regtest_vectors()["namecoind_name_show"]["height"].get<int>() +
                regtest_params().name_expiration_depth(210) - regtest_vectors()["tip"].get<int>());
  EXPECT_EQ(&params_by_name("main"), &mainnet_params());
  EXPECT_THROW(params_by_name("bitcoin"), ChainError);
}

}  // namespace
}  // namespace redoubt::chain
