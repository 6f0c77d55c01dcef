// Decodes real namecoind regtest name transactions field by field and compares
// every field with namecoind's own decoderawtransaction output.
#include <gtest/gtest.h>

#include <cmath>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/names.h"
#include "chain/script.h"
#include "chain/tx.h"
#include "regtest_vectors.h"

namespace redoubt::chain {
namespace {

using testing::regtest_vectors;

int64_t to_sat(double v) {
  return std::llround(v * 1e8);
}

std::string as_string(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

TEST(TxNames, DecodesEveryTransactionLikeNamecoind) {
  const auto& txs = regtest_vectors()["transactions"];
  ASSERT_EQ(txs.size(), 3u);
  for (const auto& t : txs) {
    SCOPED_TRACE(t["role"].get<std::string>());
    const auto& d = t["decoded_by_namecoind"];
    Bytes raw = from_hex(t["raw"].get<std::string>());
    Transaction tx = parse_transaction(raw);
    EXPECT_EQ(to_hex_reversed(tx.txid()), d["txid"].get<std::string>());
    EXPECT_EQ(to_hex_reversed(tx.wtxid()), d["hash"].get<std::string>());
    EXPECT_EQ(tx.version, d["version"].get<int>());
    EXPECT_TRUE(tx.is_name_tx());
    EXPECT_EQ(tx.size(), d["size"].get<size_t>());
    EXPECT_EQ(tx.vsize(), d["vsize"].get<size_t>());
    EXPECT_EQ(tx.weight(), d["weight"].get<size_t>());
    EXPECT_EQ(tx.locktime, d["locktime"].get<uint32_t>());
    EXPECT_EQ(tx.serialize(), raw);

    ASSERT_EQ(tx.inputs.size(), d["vin"].size());
    for (size_t i = 0; i < tx.inputs.size(); ++i) {
      const auto& dv = d["vin"][i];
      const TxIn& in = tx.inputs[i];
      EXPECT_EQ(to_hex_reversed(in.prevout.txid), dv["txid"].get<std::string>());
      EXPECT_EQ(in.prevout.index, dv["vout"].get<uint32_t>());
      EXPECT_EQ(to_hex(in.script_sig), dv["scriptSig"]["hex"].get<std::string>());
      EXPECT_EQ(in.sequence, dv["sequence"].get<uint32_t>());
      if (dv.contains("txinwitness")) {
        ASSERT_EQ(in.witness.size(), dv["txinwitness"].size());
        for (size_t k = 0; k < in.witness.size(); ++k)
          EXPECT_EQ(to_hex(in.witness[k]), dv["txinwitness"][k].get<std::string>());
      } else {
        EXPECT_TRUE(in.witness.empty());
      }
    }

    ASSERT_EQ(tx.outputs.size(), d["vout"].size());
    int name_outputs = 0;
    for (size_t i = 0; i < tx.outputs.size(); ++i) {
      const auto& dv = d["vout"][i];
      const auto& spk = dv["scriptPubKey"];
      const TxOut& out = tx.outputs[i];
      EXPECT_EQ(out.value, to_sat(dv["value"].get<double>()));
      EXPECT_EQ(to_hex(out.script_pubkey), spk["hex"].get<std::string>());
      EXPECT_EQ(script_to_address(out.script_pubkey, regtest_params()).value_or("<none>"),
                spk["address"].get<std::string>());
      ScriptInfo info = classify_script(strip_name_prefix(out.script_pubkey));
      EXPECT_EQ(script_type_name(info.type), spk["type"].get<std::string>());

      auto ns = decode_name_script(out.script_pubkey);
      ASSERT_EQ(ns.has_value(), spk.contains("nameOp"));
      if (!ns) {
        EXPECT_EQ(script_to_asm(out.script_pubkey), spk["asm"].get<std::string>());
        continue;
      }
      ++name_outputs;
      EXPECT_NO_THROW(check_name_op(ns->op));
      EXPECT_EQ(out.value, kNameLockedAmount);
      const auto& nop = spk["nameOp"];
      EXPECT_EQ(name_op_type_name(ns->op.type), nop["op"].get<std::string>());
      switch (ns->op.type) {
        case NameOpType::kNameNew:
          EXPECT_EQ(to_hex(ns->op.commitment), nop["hash"].get<std::string>());
          break;
        case NameOpType::kNameFirstUpdate:
          EXPECT_EQ(to_hex(ns->op.salt), nop["rand"].get<std::string>());
          [[fallthrough]];
        case NameOpType::kNameUpdate:
          EXPECT_EQ(as_string(ns->op.name), nop["name"].get<std::string>());
          EXPECT_EQ(as_string(ns->op.value), nop["value"].get<std::string>());
          break;
      }
      // Rebuilding the name script from its parts gives back the same bytes.
      EXPECT_EQ(build_name_script(ns->op, ns->address_script), out.script_pubkey);
    }
    EXPECT_EQ(name_outputs, 1);
  }
}

TEST(TxNames, CommitmentAndNameIndexMatchTheChain) {
  const auto& v = regtest_vectors();
  const std::string name = v["name"];
  Bytes salt = from_hex(v["salt_hex"].get<std::string>());
  Hash160 c = name_commitment(salt, as_span(name));
  const auto& new_out = v["transactions"][0]["decoded_by_namecoind"]["vout"][0]["scriptPubKey"];
  EXPECT_EQ(to_hex(c), new_out["nameOp"]["hash"].get<std::string>());

  EXPECT_EQ(to_hex(name_index_script(as_span(name))),
            v["name_index"]["script_hex"].get<std::string>());
  EXPECT_EQ(name_index_script_hash(as_span(name)),
            v["name_index"]["scripthash"].get<std::string>());
  EXPECT_EQ(electrum_script_hash(name_index_script(as_span(name))),
            v["name_index"]["scripthash"].get<std::string>());
  // The owner's bech32 address round-trips through its script.
  const std::string owner = v["owner_address"];
  EXPECT_EQ(script_to_address(address_to_script(owner, regtest_params()), regtest_params()), owner);
}

TEST(TxNames, TruncatedOrPaddedTransactionsAreRejected) {
  Bytes raw = from_hex(regtest_vectors()["transactions"][2]["raw"].get<std::string>());
  for (size_t n = 0; n < raw.size(); ++n) {
    Bytes cut(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(parse_transaction(cut), ChainError) << "prefix length " << n;
  }
  Bytes padded = raw;
  padded.push_back(0);
  EXPECT_THROW(parse_transaction(padded), ChainError);
}

TEST(TxNames, SegwitFlagWithEmptyWitnessIsRejected) {
  // version, marker 00, flag 01, one input, one output, empty witness, locktime.
  Bytes raw = from_hex("02000000000101" + std::string(64, '1') + "00000000" + "00" + "ffffffff" +
                       "01" + "0000000000000000" + "00" + "00" + "00000000");
  EXPECT_THROW(parse_transaction(raw), ChainError);
  // Unknown flag value.
  raw[5] = 0x02;
  EXPECT_THROW(parse_transaction(raw), ChainError);
}

TEST(TxNames, NonCanonicalCompactSizeIsRejected) {
  // Input count 1 encoded as fd 01 00.
  Bytes raw = from_hex("01000000fd0100" + std::string(64, '1') + "00000000" + "00" + "ffffffff" +
                       "00" + "00000000");
  EXPECT_THROW(parse_transaction(raw), ChainError);
}

TEST(TxNames, NameScriptLengthRules) {
  Bytes addr = p2pkh_script(Hash160{});
  Bytes salt(20, 7);
  Bytes name255(255, 'a'), name256(256, 'a'), value520(520, 'v'), value521(521, 'v');
  EXPECT_NO_THROW(name_update_script(name255, value520, addr));
  EXPECT_THROW(name_update_script(name256, value520, addr), ChainError);
  EXPECT_THROW(name_update_script(name255, value521, addr), ChainError);
  EXPECT_THROW(name_firstupdate_script(name255, Bytes(19, 1), value520, addr), ChainError);
  Bytes ok = name_firstupdate_script(name255, salt, value520, addr);
  auto ns = decode_name_script(ok);
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->op.name, name255);
  EXPECT_EQ(ns->op.value, value520);
  EXPECT_EQ(ns->address_script, addr);
  // A decoded op with an over-long name is reported by check_name_op.
  NameOp bad{NameOpType::kNameUpdate, name256, {}, {}, {}};
  EXPECT_THROW(check_name_op(bad), ChainError);
  NameOp bad_new{NameOpType::kNameNew, {}, {}, {}, Bytes(19, 0)};
  EXPECT_THROW(check_name_op(bad_new), ChainError);
  // Wrong argument counts are not name scripts.
  // namecoind accepts any run of DROP/2DROP/NOP after the arguments.
  auto lenient = decode_name_script(from_hex("53016101626d6d51"));
  ASSERT_TRUE(lenient);
  EXPECT_EQ(lenient->address_script, Bytes{OP_1});
  EXPECT_FALSE(decode_name_script(from_hex("5301616d")));  // update with one arg
  EXPECT_FALSE(decode_name_script(from_hex("530161")));    // no drop at all
  EXPECT_FALSE(decode_name_script(p2pkh_script(Hash160{})));
}

}  // namespace
}  // namespace redoubt::chain
