// Signature hashes against published vectors: Bitcoin Core's sighash.json
// (legacy, a 58-case subset in tests/chain/data) and BIP143's worked examples.
#include <gtest/gtest.h>

#include "chain/error.h"
#include "chain/script.h"
#include "chain/sighash.h"
#include "chain/tx.h"
#include "regtest_vectors.h"

namespace redoubt::chain {
namespace {

TEST(Sighash, BitcoinCoreSighashJsonSubset) {
  const auto cases = testing::load_json("sighash_core_subset.json");
  size_t checked = 0;
  for (const auto& c : cases) {
    if (c.size() != 5) continue;  // comment row
    const std::string raw = c[0];
    SCOPED_TRACE(raw.substr(0, 16));
    Transaction tx = parse_transaction(from_hex(raw));
    Bytes script = from_hex(c[1].get<std::string>());
    const size_t index = c[2].get<size_t>();
    const uint32_t hash_type = static_cast<uint32_t>(c[3].get<int32_t>());
    // Core prints uint256::GetHex(): byte-reversed.
    EXPECT_EQ(to_hex_reversed(legacy_sighash(tx, index, script, hash_type)),
              c[4].get<std::string>());
    ++checked;
  }
  EXPECT_GE(checked, 50u);
}

TEST(Sighash, SingleWithoutMatchingOutputIsOne) {
  // Two inputs, one output: SIGHASH_SINGLE for input 1 hits Bitcoin's bug.
  Transaction tx;
  tx.inputs.resize(2);
  tx.outputs.resize(1);
  Hash256 h = legacy_sighash(tx, 1, p2pkh_script(Hash160{}), kSighashSingle);
  EXPECT_EQ(to_hex_reversed(h), "0000000000000000000000000000000000000000000000000000000000000001");
  Hash256 h2 =
      legacy_sighash(tx, 1, p2pkh_script(Hash160{}), kSighashSingle | kSighashAnyoneCanPay);
  EXPECT_EQ(h2, h);
  // With a matching output it is a real hash.
  EXPECT_NE(legacy_sighash(tx, 0, p2pkh_script(Hash160{}), kSighashSingle), h);
  EXPECT_THROW(legacy_sighash(tx, 2, {}, kSighashAll), ChainError);
}

TEST(Sighash, CodeSeparatorsAreRemovedButNotInsidePushes) {
  Transaction tx;
  tx.inputs.resize(1);
  tx.outputs.resize(1);
  // OP_CODESEPARATOR OP_1 <push 0xab> == OP_1 <push 0xab>
  Bytes with = from_hex("ab5101ab");
  Bytes without = from_hex("5101ab");
  EXPECT_EQ(legacy_sighash(tx, 0, with, kSighashAll), legacy_sighash(tx, 0, without, kSighashAll));
  EXPECT_NE(legacy_sighash(tx, 0, from_hex("5101ac"), kSighashAll),
            legacy_sighash(tx, 0, without, kSighashAll));
}

// BIP143 "Native P2WPKH": the second input spends 6 BTC from a P2WPKH output.
TEST(Sighash, Bip143NativeP2wpkh) {
  Transaction tx =
      parse_transaction(from_hex("0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db"
                                 "4e4ad969f0000000000eeffffffef51e1b804"
                                 "cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000f"
                                 "fffffff02202cb206000000001976a9148280"
                                 "b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143"
                                 "bde42dbee7e4dbe6a21b2d50ce2f0167faa81"
                                 "5988ac11000000"));
  SegwitPrecomputed pre(tx);
  EXPECT_EQ(to_hex(pre.hash_prevouts),
            "96b827c8483d4e9b96712b6713a7b68d6e8003a781feba36c31143470b4efd37");
  EXPECT_EQ(to_hex(pre.hash_sequence),
            "52b0a642eea2fb7ae638c36f6252b6750293dbe574a806984b8e4d8548339a3b");
  EXPECT_EQ(to_hex(pre.hash_outputs),
            "863ef3e1a92afbfdb97f31ad0fc7683ee943e9abcf2501590ff8f6551f47e5e5");
  Hash160 pkh;
  Bytes h = from_hex("1d0f172a0ecb48aee1be1f2687d2963ae33f71a1");
  std::copy(h.begin(), h.end(), pkh.begin());
  Hash256 sh = segwit_v0_sighash(tx, 1, p2wpkh_script_code(pkh), 600000000, kSighashAll, pre);
  EXPECT_EQ(to_hex(sh), "c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670");
}

// BIP143 "P2SH-P2WPKH": 10 BTC.
TEST(Sighash, Bip143P2shP2wpkh) {
  Transaction tx =
      parse_transaction(from_hex("0100000001db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3"
                                 "ceb1a54770100000000feffffff02b8b4eb0b"
                                 "000000001976a914a457b684d7f0d539a46a45bbc043f35b59d0d96388ac0008a"
                                 "f2f000000001976a914fd270b1ee6abcaea97"
                                 "fea7ad0402e8bd8ad6d77c88ac92040000"));
  SegwitPrecomputed pre(tx);
  EXPECT_EQ(to_hex(pre.hash_prevouts),
            "b0287b4a252ac05af83d2dcef00ba313af78a3e9c329afa216eb3aa2a7b4613a");
  EXPECT_EQ(to_hex(pre.hash_sequence),
            "18606b350cd8bf565266bc352f0caddcf01e8fa789dd8a15386327cf8cabe198");
  EXPECT_EQ(to_hex(pre.hash_outputs),
            "de984f44532e2173ca0d64314fcefe6d30da6f8cf27bafa706da61df8a226c83");
  Hash160 pkh;
  Bytes h = from_hex("79091972186c449eb1ded22b78e40d009bdf0089");
  std::copy(h.begin(), h.end(), pkh.begin());
  EXPECT_EQ(to_hex(segwit_v0_sighash(tx, 0, p2wpkh_script_code(pkh), 1000000000, kSighashAll)),
            "64f3b0f4dd2bb3aa1ce8566d220cc74dda9df97d8490cc81d89d735c92e59fb6");
}

// BIP143 "P2SH-P2WSH": a 6-of-6 multisig signed with all six hash types.
TEST(Sighash, Bip143P2shP2wshAllHashTypes) {
  Transaction tx =
      parse_transaction(from_hex("010000000136641869ca081e70f394c6948e8af409e18b619df2ed74aa106c1ca"
                                 "29787b96e0100000000ffffffff0200e9a435"
                                 "000000001976a914389ffce9cd9ae88dcc0631e88a821ffdbe9bfe2688acc0832"
                                 "f05000000001976a9147480a33f950689af51"
                                 "1e6e84c138dbbd3c3ee41588ac00000000"));
  Bytes witness_script = from_hex(
      "56210307b8ae49ac90a048e9b53357a2354b3334e9c8bee813ecb98e99a7e07e8c3ba32103b28f0c28bfab54554a"
      "e8c658ac5c"
      "3e0ce6e79ad336331f78c428dd43eea8449b21034b8113d703413d57761b8b9781957b8c0ac1dfe69f492580ca41"
      "95f50376ba"
      "4a21033400f6afecb833092a9a21cfdf1ed1376e58c5d1f47de74683123987e967a8f42103a6d48b1131e94ba04d"
      "9737d61acd"
      "aa1322008af9602b3b14862c07a1789aac162102d8b661b0b3302ee2f162b09e07a55ad5dfbe673a9f01d9f0c196"
      "1768102430"
      "6b56ae");
  const std::pair<uint32_t, const char*> kCases[] = {
      {0x01, "185c0be5263dce5b4bb50a047973c1b6272bfbd0103a89444597dc40b248ee7c"},
      {0x02, "e9733bc60ea13c95c6527066bb975a2ff29a925e80aa14c213f686cbae5d2f36"},
      {0x03, "1e1f1c303dc025bd664acb72e583e933fae4cff9148bf78c157d1e8f78530aea"},
      {0x81, "2a67f03e63a6a422125878b40b82da593be8d4efaafe88ee528af6e5a9955c6e"},
      {0x82, "781ba15f3779d5542ce8ecb5c18716733a5ee42a6f51488ec96154934e2c890a"},
      {0x83, "511e8e52ed574121fc1b654970395502128263f62662e076dc6baf05c2e6a99b"},
  };
  SegwitPrecomputed pre(tx);
  for (const auto& [type, expect] : kCases) {
    EXPECT_EQ(to_hex(segwit_v0_sighash(tx, 0, witness_script, 987654321, type, pre)), expect)
        << type;
  }
}

TEST(Sighash, PrecomputedMatchesPerInputComputationForManyInputs) {
  Transaction tx;
  for (uint32_t i = 0; i < 50; ++i) {
    TxIn in;
    in.prevout.txid[0] = static_cast<uint8_t>(i);
    in.prevout.index = i;
    in.sequence = 0xfffffffd - i;
    tx.inputs.push_back(in);
    tx.outputs.push_back(TxOut{1000 + i, p2wpkh_script(Hash160{})});
  }
  SegwitPrecomputed pre(tx);
  Bytes code = p2wpkh_script_code(Hash160{});
  for (size_t i = 0; i < tx.inputs.size(); i += 7) {
    EXPECT_EQ(segwit_v0_sighash(tx, i, code, 5000, kSighashAll, pre),
              segwit_v0_sighash(tx, i, code, 5000, kSighashAll));
  }
  // Different amounts sign different hashes (BIP143 commits to the amount).
  EXPECT_NE(segwit_v0_sighash(tx, 0, code, 5000, kSighashAll, pre),
            segwit_v0_sighash(tx, 0, code, 5001, kSighashAll, pre));
}

}  // namespace
}  // namespace redoubt::chain
