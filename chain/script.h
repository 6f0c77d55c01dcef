// Bitcoin/Namecoin scripts: opcodes, bounds-checked parsing into operations,
// standard output templates (P2PKH, P2SH, P2WPKH, P2WSH, P2TR, OP_RETURN), asm text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/bytes.h"

namespace redoubt::chain {

enum Opcode : uint8_t {
  OP_0 = 0x00,
  OP_PUSHDATA1 = 0x4c,
  OP_PUSHDATA2 = 0x4d,
  OP_PUSHDATA4 = 0x4e,
  OP_1NEGATE = 0x4f,
  OP_RESERVED = 0x50,
  OP_1 = 0x51,
  OP_2 = 0x52,
  OP_3 = 0x53,
  OP_16 = 0x60,
  OP_NOP = 0x61,
  OP_VERIFY = 0x69,
  OP_RETURN = 0x6a,
  OP_2DROP = 0x6d,
  OP_DROP = 0x75,
  OP_DUP = 0x76,
  OP_EQUAL = 0x87,
  OP_EQUALVERIFY = 0x88,
  OP_HASH160 = 0xa9,
  OP_CODESEPARATOR = 0xab,
  OP_CHECKSIG = 0xac,
  OP_CHECKSIGVERIFY = 0xad,
  OP_CHECKMULTISIG = 0xae,
  OP_INVALIDOPCODE = 0xff,
  // Namecoin's name operations reuse the small-integer opcodes (namecoind script.h).
  OP_NAME_NEW = OP_1,
  OP_NAME_FIRSTUPDATE = OP_2,
  OP_NAME_UPDATE = OP_3,
};

// One parsed operation: an opcode and, for pushes (opcode <= OP_PUSHDATA4), its data.
struct ScriptOp {
  uint8_t opcode = 0;
  Bytes data;
  size_t offset = 0;  // byte position of the opcode in the script
  bool is_push() const { return opcode <= OP_PUSHDATA4; }
  bool operator==(const ScriptOp& o) const { return opcode == o.opcode && data == o.data; }
};

// Parses every operation; throws ChainError("truncated push ...") if a push
// runs past the end (Core's GetScriptOp fails in the same places).
std::vector<ScriptOp> parse_script(ByteSpan script);
// Non-throwing variant for classification: false on a malformed script.
bool try_parse_script(ByteSpan script, std::vector<ScriptOp>& ops);

// Appends a push of `data` using the smallest push opcode, as CScript << vector does
// (size 0 gives OP_0; no conversion of 1-byte values to OP_n).
void append_push(Bytes& script, ByteSpan data);

// Human-readable script as Bitcoin Core's ScriptToAsmStr prints it (pushes of
// up to 4 bytes as numbers, longer ones as hex) without sighash-type decoding.
// Malformed scripts end in "[error]" as in Core.
std::string script_to_asm(ByteSpan script);
std::string opcode_name(uint8_t opcode);

enum class ScriptType {
  kNonStandard,
  kP2PK,
  kP2PKH,
  kP2SH,
  kP2WPKH,
  kP2WSH,
  kP2TR,
  kWitnessUnknown,  // witness version 1..16 other than P2TR shape
  kNullData,        // OP_RETURN
};

// The type's name as Bitcoin Core's RPC reports it ("pubkeyhash", "witness_v0_keyhash", ...).
const char* script_type_name(ScriptType t);

struct ScriptInfo {
  ScriptType type = ScriptType::kNonStandard;
  // Payload: pubkey hash (P2PKH/P2WPKH), script hash (P2SH/P2WSH), x-only key
  // (P2TR), witness program (unknown), pubkey (P2PK), pushed data (OP_RETURN).
  Bytes payload;
  int witness_version = -1;  // 0..16 for witness programs
};

// Classifies an address script (a name prefix must be stripped first, see names.h).
ScriptInfo classify_script(ByteSpan script);

Bytes p2pkh_script(const Hash160& pubkey_hash);
Bytes p2sh_script(const Hash160& script_hash);
Bytes p2wpkh_script(const Hash160& pubkey_hash);
Bytes p2wsh_script(const Hash256& script_sha256);
// Witness program output: OP_n <program>, version 0..16, program 2..40 bytes (BIP141).
Bytes witness_script(int version, ByteSpan program);
Bytes op_return_script(ByteSpan data);

}  // namespace redoubt::chain
