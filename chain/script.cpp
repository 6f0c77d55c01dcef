#include "chain/script.h"

#include "chain/error.h"

namespace redoubt::chain {
namespace {

// Reads one op at `pos`; returns false on a truncated push.
bool read_op(ByteSpan s, size_t& pos, ScriptOp& op) {
  op.offset = pos;
  op.opcode = s[pos++];
  op.data.clear();
  if (op.opcode > OP_PUSHDATA4) return true;
  size_t len = 0;
  size_t avail = s.size() - pos;
  if (op.opcode < OP_PUSHDATA1) {
    len = op.opcode;
  } else if (op.opcode == OP_PUSHDATA1) {
    if (avail < 1) return false;
    len = s[pos];
    pos += 1;
  } else if (op.opcode == OP_PUSHDATA2) {
    if (avail < 2) return false;
    len = static_cast<size_t>(s[pos]) | (static_cast<size_t>(s[pos + 1]) << 8);
    pos += 2;
  } else {
    if (avail < 4) return false;
    len = static_cast<size_t>(s[pos]) | (static_cast<size_t>(s[pos + 1]) << 8) |
          (static_cast<size_t>(s[pos + 2]) << 16) | (static_cast<size_t>(s[pos + 3]) << 24);
    pos += 4;
  }
  if (len > s.size() - pos) return false;
  op.data.assign(s.begin() + static_cast<std::ptrdiff_t>(pos),
                 s.begin() + static_cast<std::ptrdiff_t>(pos + len));
  pos += len;
  return true;
}

// CScriptNum decoding of a push of up to 4 bytes (little-endian, sign bit in the top byte).
int64_t script_num(const Bytes& v) {
  if (v.empty()) return 0;
  int64_t r = 0;
  for (size_t i = 0; i < v.size(); ++i) r |= static_cast<int64_t>(v[i]) << (8 * i);
  if (v.back() & 0x80) return -(r & ~(static_cast<int64_t>(0x80) << (8 * (v.size() - 1))));
  return r;
}

}  // namespace

bool try_parse_script(ByteSpan script, std::vector<ScriptOp>& ops) {
  ops.clear();
  size_t pos = 0;
  while (pos < script.size()) {
    ScriptOp op;
    if (!read_op(script, pos, op)) return false;
    ops.push_back(std::move(op));
  }
  return true;
}

std::vector<ScriptOp> parse_script(ByteSpan script) {
  std::vector<ScriptOp> ops;
  if (!try_parse_script(script, ops)) throw ChainError("truncated push in script");
  return ops;
}

void append_push(Bytes& script, ByteSpan data) {
  size_t n = data.size();
  if (n < OP_PUSHDATA1) {
    script.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xff) {
    script.push_back(OP_PUSHDATA1);
    script.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xffff) {
    script.push_back(OP_PUSHDATA2);
    script.push_back(static_cast<uint8_t>(n));
    script.push_back(static_cast<uint8_t>(n >> 8));
  } else {
    if (n > 0xffffffffULL) throw ChainError("push too large");
    script.push_back(OP_PUSHDATA4);
    for (int i = 0; i < 4; ++i) script.push_back(static_cast<uint8_t>(n >> (8 * i)));
  }
  script.insert(script.end(), data.begin(), data.end());
}

std::string opcode_name(uint8_t op) {
  switch (op) {
    case 0x00:
      return "0";
    case 0x4c:
      return "OP_PUSHDATA1";
    case 0x4d:
      return "OP_PUSHDATA2";
    case 0x4e:
      return "OP_PUSHDATA4";
    case 0x4f:
      return "-1";
    case 0x50:
      return "OP_RESERVED";
    case 0x61:
      return "OP_NOP";
    case 0x62:
      return "OP_VER";
    case 0x63:
      return "OP_IF";
    case 0x64:
      return "OP_NOTIF";
    case 0x65:
      return "OP_VERIF";
    case 0x66:
      return "OP_VERNOTIF";
    case 0x67:
      return "OP_ELSE";
    case 0x68:
      return "OP_ENDIF";
    case 0x69:
      return "OP_VERIFY";
    case 0x6a:
      return "OP_RETURN";
    case 0x6b:
      return "OP_TOALTSTACK";
    case 0x6c:
      return "OP_FROMALTSTACK";
    case 0x6d:
      return "OP_2DROP";
    case 0x6e:
      return "OP_2DUP";
    case 0x6f:
      return "OP_3DUP";
    case 0x70:
      return "OP_2OVER";
    case 0x71:
      return "OP_2ROT";
    case 0x72:
      return "OP_2SWAP";
    case 0x73:
      return "OP_IFDUP";
    case 0x74:
      return "OP_DEPTH";
    case 0x75:
      return "OP_DROP";
    case 0x76:
      return "OP_DUP";
    case 0x77:
      return "OP_NIP";
    case 0x78:
      return "OP_OVER";
    case 0x79:
      return "OP_PICK";
    case 0x7a:
      return "OP_ROLL";
    case 0x7b:
      return "OP_ROT";
    case 0x7c:
      return "OP_SWAP";
    case 0x7d:
      return "OP_TUCK";
    case 0x7e:
      return "OP_CAT";
    case 0x7f:
      return "OP_SUBSTR";
    case 0x80:
      return "OP_LEFT";
    case 0x81:
      return "OP_RIGHT";
    case 0x82:
      return "OP_SIZE";
    case 0x83:
      return "OP_INVERT";
    case 0x84:
      return "OP_AND";
    case 0x85:
      return "OP_OR";
    case 0x86:
      return "OP_XOR";
    case 0x87:
      return "OP_EQUAL";
    case 0x88:
      return "OP_EQUALVERIFY";
    case 0x89:
      return "OP_RESERVED1";
    case 0x8a:
      return "OP_RESERVED2";
    case 0x8b:
      return "OP_1ADD";
    case 0x8c:
      return "OP_1SUB";
    case 0x8d:
      return "OP_2MUL";
    case 0x8e:
      return "OP_2DIV";
    case 0x8f:
      return "OP_NEGATE";
    case 0x90:
      return "OP_ABS";
    case 0x91:
      return "OP_NOT";
    case 0x92:
      return "OP_0NOTEQUAL";
    case 0x93:
      return "OP_ADD";
    case 0x94:
      return "OP_SUB";
    case 0x95:
      return "OP_MUL";
    case 0x96:
      return "OP_DIV";
    case 0x97:
      return "OP_MOD";
    case 0x98:
      return "OP_LSHIFT";
    case 0x99:
      return "OP_RSHIFT";
    case 0x9a:
      return "OP_BOOLAND";
    case 0x9b:
      return "OP_BOOLOR";
    case 0x9c:
      return "OP_NUMEQUAL";
    case 0x9d:
      return "OP_NUMEQUALVERIFY";
    case 0x9e:
      return "OP_NUMNOTEQUAL";
    case 0x9f:
      return "OP_LESSTHAN";
    case 0xa0:
      return "OP_GREATERTHAN";
    case 0xa1:
      return "OP_LESSTHANOREQUAL";
    case 0xa2:
      return "OP_GREATERTHANOREQUAL";
    case 0xa3:
      return "OP_MIN";
    case 0xa4:
      return "OP_MAX";
    case 0xa5:
      return "OP_WITHIN";
    case 0xa6:
      return "OP_RIPEMD160";
    case 0xa7:
      return "OP_SHA1";
    case 0xa8:
      return "OP_SHA256";
    case 0xa9:
      return "OP_HASH160";
    case 0xaa:
      return "OP_HASH256";
    case 0xab:
      return "OP_CODESEPARATOR";
    case 0xac:
      return "OP_CHECKSIG";
    case 0xad:
      return "OP_CHECKSIGVERIFY";
    case 0xae:
      return "OP_CHECKMULTISIG";
    case 0xaf:
      return "OP_CHECKMULTISIGVERIFY";
    case 0xb0:
      return "OP_NOP1";
    case 0xb1:
      return "OP_CHECKLOCKTIMEVERIFY";
    case 0xb2:
      return "OP_CHECKSEQUENCEVERIFY";
    case 0xb3:
      return "OP_NOP4";
    case 0xb4:
      return "OP_NOP5";
    case 0xb5:
      return "OP_NOP6";
    case 0xb6:
      return "OP_NOP7";
    case 0xb7:
      return "OP_NOP8";
    case 0xb8:
      return "OP_NOP9";
    case 0xb9:
      return "OP_NOP10";
    case 0xba:
      return "OP_CHECKSIGADD";
    default:
      break;
  }
  if (op >= OP_1 && op <= OP_16) return std::to_string(op - OP_1 + 1);
  return "OP_UNKNOWN";
}

std::string script_to_asm(ByteSpan script) {
  std::string out;
  size_t pos = 0;
  while (pos < script.size()) {
    if (!out.empty()) out += ' ';
    ScriptOp op;
    if (!read_op(script, pos, op)) {
      out += "[error]";
      break;
    }
    if (op.is_push()) {
      out += op.data.size() <= 4 ? std::to_string(script_num(op.data)) : to_hex(op.data);
    } else {
      out += opcode_name(op.opcode);
    }
  }
  return out;
}

const char* script_type_name(ScriptType t) {
  switch (t) {
    case ScriptType::kP2PK:
      return "pubkey";
    case ScriptType::kP2PKH:
      return "pubkeyhash";
    case ScriptType::kP2SH:
      return "scripthash";
    case ScriptType::kP2WPKH:
      return "witness_v0_keyhash";
    case ScriptType::kP2WSH:
      return "witness_v0_scripthash";
    case ScriptType::kP2TR:
      return "witness_v1_taproot";
    case ScriptType::kWitnessUnknown:
      return "witness_unknown";
    case ScriptType::kNullData:
      return "nulldata";
    case ScriptType::kNonStandard:
      break;
  }
  return "nonstandard";
}

ScriptInfo classify_script(ByteSpan s) {
  ScriptInfo info;
  auto payload = [&](size_t from, size_t len) {
    info.payload.assign(s.begin() + from, s.begin() + from + len);
  };
  const size_t n = s.size();
  if (n == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == 20 && s[23] == OP_EQUALVERIFY &&
      s[24] == OP_CHECKSIG) {
    info.type = ScriptType::kP2PKH;
    payload(3, 20);
  } else if (n == 23 && s[0] == OP_HASH160 && s[1] == 20 && s[22] == OP_EQUAL) {
    info.type = ScriptType::kP2SH;
    payload(2, 20);
  } else if (n >= 4 && n <= 42 && (s[0] == OP_0 || (s[0] >= OP_1 && s[0] <= OP_16)) &&
             static_cast<size_t>(s[1]) + 2 == n) {
    // BIP141 witness program: a version opcode then one 2..40-byte direct push.
    info.witness_version = s[0] == OP_0 ? 0 : s[0] - OP_1 + 1;
    payload(2, n - 2);
    if (info.witness_version == 0 && n == 22) {
      info.type = ScriptType::kP2WPKH;
    } else if (info.witness_version == 0 && n == 34) {
      info.type = ScriptType::kP2WSH;
    } else if (info.witness_version == 0) {
      info.type = ScriptType::kNonStandard;  // v0 programs must be 20 or 32 bytes
      info.payload.clear();
      info.witness_version = -1;
    } else if (info.witness_version == 1 && n == 34) {
      info.type = ScriptType::kP2TR;
    } else {
      info.type = ScriptType::kWitnessUnknown;
    }
  } else if ((n == 35 && s[0] == 33 && s[34] == OP_CHECKSIG && (s[1] == 2 || s[1] == 3)) ||
             (n == 67 && s[0] == 65 && s[66] == OP_CHECKSIG && s[1] == 4)) {
    info.type = ScriptType::kP2PK;
    payload(1, s[0]);
  } else if (n >= 1 && s[0] == OP_RETURN) {
    // Core's "nulldata": OP_RETURN followed only by pushes.
    std::vector<ScriptOp> ops;
    if (try_parse_script(s.subspan(1), ops)) {
      bool all_push = true;
      for (const auto& op : ops) {
        if (op.opcode > OP_16) all_push = false;
        info.payload.insert(info.payload.end(), op.data.begin(), op.data.end());
      }
      if (all_push) {
        info.type = ScriptType::kNullData;
      } else {
        info.payload.clear();
      }
    }
  }
  return info;
}

Bytes p2pkh_script(const Hash160& h) {
  Bytes s{OP_DUP, OP_HASH160, 20};
  s.insert(s.end(), h.begin(), h.end());
  s.push_back(OP_EQUALVERIFY);
  s.push_back(OP_CHECKSIG);
  return s;
}

Bytes p2sh_script(const Hash160& h) {
  Bytes s{OP_HASH160, 20};
  s.insert(s.end(), h.begin(), h.end());
  s.push_back(OP_EQUAL);
  return s;
}

Bytes witness_script(int version, ByteSpan program) {
  if (version < 0 || version > 16) throw ChainError("witness version out of range");
  if (program.size() < 2 || program.size() > 40)
    throw ChainError("witness program length out of range");
  if (version == 0 && program.size() != 20 && program.size() != 32)
    throw ChainError("witness v0 program must be 20 or 32 bytes");
  Bytes s{static_cast<uint8_t>(version == 0 ? OP_0 : OP_1 + version - 1),
          static_cast<uint8_t>(program.size())};
  s.insert(s.end(), program.begin(), program.end());
  return s;
}

Bytes p2wpkh_script(const Hash160& h) {
  return witness_script(0, h);
}
Bytes p2wsh_script(const Hash256& h) {
  return witness_script(0, h);
}

Bytes op_return_script(ByteSpan data) {
  Bytes s{OP_RETURN};
  append_push(s, data);
  return s;
}

}  // namespace redoubt::chain
