// Serialization primitives and script parsing/classification: bounds, canonical
// CompactSize, every push form, and the standard output templates.
#include <gtest/gtest.h>

#include "chain/error.h"
#include "chain/script.h"
#include "chain/serialize.h"

namespace redoubt::chain {
namespace {

TEST(Serialize, IntegersRoundTripInBothByteOrders) {
  Writer w;
  w.u8(0xab);
  w.u16le(0x1234);
  w.u32le(0xdeadbeef);
  w.u64le(0x0102030405060708ULL);
  w.u16be(0x1234);
  w.u32be(0xdeadbeef);
  w.u64be(0x0102030405060708ULL);
  w.i64le(-1);
  EXPECT_EQ(to_hex(w.data()),
            "ab"
            "3412"
            "efbeadde"
            "0807060504030201"
            "1234"
            "deadbeef"
            "0102030405060708"
            "ffffffffffffffff");
  Reader r(w.data());
  EXPECT_EQ(r.u8(), 0xab);
  EXPECT_EQ(r.u16le(), 0x1234);
  EXPECT_EQ(r.u32le(), 0xdeadbeefu);
  EXPECT_EQ(r.u64le(), 0x0102030405060708ULL);
  EXPECT_EQ(r.u16be(), 0x1234);
  EXPECT_EQ(r.u32be(), 0xdeadbeefu);
  EXPECT_EQ(r.u64be(), 0x0102030405060708ULL);
  EXPECT_EQ(r.i64le(), -1);
  EXPECT_TRUE(r.empty());
  EXPECT_THROW(r.u8("tail"), ChainError);
}

TEST(Serialize, CompactSizeIsCanonicalAndBounded) {
  const std::pair<uint64_t, const char*> cases[] = {
      {0, "00"},
      {0xfc, "fc"},
      {0xfd, "fdfd00"},
      {0xffff, "fdffff"},
      {0x10000, "fe00000100"},
      {0xffffffff, "feffffffff"},
      {0x100000000ULL, "ff0000000001000000"},
  };
  for (const auto& [v, hex] : cases) {
    Writer w;
    w.compact_size(v);
    EXPECT_EQ(to_hex(w.data()), hex);
    EXPECT_EQ(compact_size_len(v), w.data().size());
    Reader r(w.data());
    EXPECT_EQ(r.compact_size(UINT64_MAX), v);
  }
  Bytes b1 = from_hex("fdfc00"), b2 = from_hex("feffff0000"), b3 = from_hex("ffffffffff00000000");
  EXPECT_THROW(Reader(b1).compact_size(), ChainError);
  EXPECT_THROW(Reader(b2).compact_size(UINT64_MAX), ChainError);
  EXPECT_THROW(Reader(b3).compact_size(UINT64_MAX), ChainError);
  // Above the default maximum (Core's MAX_SIZE) and above a caller's limit.
  Bytes big = from_hex("fe01000002");
  EXPECT_THROW(Reader(big).compact_size(), ChainError);
  Bytes ten = from_hex("0a");
  EXPECT_THROW(Reader(ten).compact_size(9), ChainError);
  // Truncated encodings.
  Bytes t = from_hex("fd01");
  EXPECT_THROW(Reader(t).compact_size(), ChainError);
}

TEST(Serialize, VarBytesChecksLengthAgainstInput) {
  Bytes b = from_hex("0501020304");
  Reader r(b);
  try {
    r.var_bytes(kMaxCompactSize, "payload");
    FAIL() << "no exception";
  } catch (const ChainError& e) {
    EXPECT_STREQ(e.what(), "truncated payload");
  }
  Bytes ok = from_hex("03aabbcc");
  Reader r2(ok);
  EXPECT_EQ(to_hex(r2.var_bytes(3)), "aabbcc");
  Reader r3(ok);
  EXPECT_THROW(r3.var_bytes(2), ChainError);
}

TEST(Script, ParsesEveryPushForm) {
  Bytes s = from_hex(
      "00"
      "0101"
      "4c02aabb"
      "4d0300010203"
      "4e01000000ff"
      "51"
      "ac");
  auto ops = parse_script(s);
  ASSERT_EQ(ops.size(), 7u);
  EXPECT_TRUE(ops[0].data.empty());
  EXPECT_EQ(to_hex(ops[1].data), "01");
  EXPECT_EQ(to_hex(ops[2].data), "aabb");
  EXPECT_EQ(to_hex(ops[3].data), "010203");
  EXPECT_EQ(to_hex(ops[4].data), "ff");
  EXPECT_EQ(ops[5].opcode, OP_1);
  EXPECT_EQ(ops[6].opcode, OP_CHECKSIG);
  EXPECT_EQ(ops[6].offset, s.size() - 1);
  for (const char* bad : {"01", "4c", "4c01", "4d0100", "4d01", "4e01000000", "4effffffff00"}) {
    EXPECT_THROW(parse_script(from_hex(bad)), ChainError) << bad;
    EXPECT_EQ(script_to_asm(from_hex(bad)).find("[error]") != std::string::npos, true) << bad;
  }
}

TEST(Script, AppendPushIsMinimalLikeCore) {
  for (size_t n : {0u, 1u, 75u, 76u, 255u, 256u, 520u, 70000u}) {
    Bytes s;
    append_push(s, Bytes(n, 7));
    auto ops = parse_script(s);
    ASSERT_EQ(ops.size(), 1u);
    EXPECT_EQ(ops[0].data.size(), n);
    const size_t header = n < 76 ? 1 : n <= 255 ? 2 : n <= 0xffff ? 3 : 5;
    EXPECT_EQ(s.size(), header + n);
  }
}

TEST(Script, ClassifiesStandardTemplates) {
  Hash160 h{};
  h[0] = 0xaa;
  Hash256 w{};
  w[31] = 0xbb;
  EXPECT_EQ(classify_script(p2pkh_script(h)).type, ScriptType::kP2PKH);
  EXPECT_EQ(classify_script(p2sh_script(h)).type, ScriptType::kP2SH);
  EXPECT_EQ(classify_script(p2wpkh_script(h)).type, ScriptType::kP2WPKH);
  EXPECT_EQ(classify_script(p2wsh_script(w)).type, ScriptType::kP2WSH);
  ScriptInfo tr = classify_script(witness_script(1, w));
  EXPECT_EQ(tr.type, ScriptType::kP2TR);
  EXPECT_EQ(tr.witness_version, 1);
  EXPECT_EQ(tr.payload, Bytes(w.begin(), w.end()));
  EXPECT_EQ(classify_script(witness_script(2, Bytes(2, 1))).type, ScriptType::kWitnessUnknown);
  EXPECT_EQ(classify_script(from_hex("0011" + std::string(34, 'a'))).type,
            ScriptType::kNonStandard);
  ScriptInfo ret = classify_script(op_return_script(as_span("hello")));
  EXPECT_EQ(ret.type, ScriptType::kNullData);
  EXPECT_EQ(std::string(ret.payload.begin(), ret.payload.end()), "hello");
  EXPECT_EQ(classify_script(from_hex("6aac")).type, ScriptType::kNonStandard);
  EXPECT_EQ(classify_script(from_hex("21" + std::string(66, '2').replace(0, 2, "02") + "ac")).type,
            ScriptType::kP2PK);
  EXPECT_EQ(classify_script({}).type, ScriptType::kNonStandard);
  EXPECT_THROW(witness_script(17, Bytes(20, 0)), ChainError);
  EXPECT_THROW(witness_script(0, Bytes(21, 0)), ChainError);
  EXPECT_THROW(witness_script(1, Bytes(41, 0)), ChainError);
}

TEST(Script, AsmLikeCore) {
  EXPECT_EQ(
      script_to_asm(p2pkh_script(Hash160{})),
      "OP_DUP OP_HASH160 0000000000000000000000000000000000000000 OP_EQUALVERIFY OP_CHECKSIG");
  EXPECT_EQ(script_to_asm(from_hex("00514f60")), "0 1 -1 16");
  EXPECT_EQ(script_to_asm(from_hex("0281ff")), "-32641");  // CScriptNum of ff81 with sign bit
  EXPECT_EQ(script_to_asm(from_hex("0101")), "1");
}

}  // namespace
}  // namespace redoubt::chain
