#include "chain/names.h"

#include <vector>

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/script.h"

namespace redoubt::chain {

const char* name_op_type_name(NameOpType t) {
  switch (t) {
    case NameOpType::kNameNew:
      return "name_new";
    case NameOpType::kNameFirstUpdate:
      return "name_firstupdate";
    case NameOpType::kNameUpdate:
      break;
  }
  return "name_update";
}

std::optional<NameScript> decode_name_script(ByteSpan script) {
  std::vector<ScriptOp> ops;
  if (script.empty() || !try_parse_script(script, ops) || ops.empty()) return std::nullopt;
  const uint8_t op = ops[0].opcode;
  if (op != OP_NAME_NEW && op != OP_NAME_FIRSTUPDATE && op != OP_NAME_UPDATE) return std::nullopt;
  std::vector<const Bytes*> args;
  size_t i = 1;
  for (;; ++i) {
    if (i >= ops.size()) return std::nullopt;  // no terminating drop
    const uint8_t c = ops[i].opcode;
    if (c == OP_DROP || c == OP_2DROP || c == OP_NOP) break;
    if (!ops[i].is_push()) return std::nullopt;
    args.push_back(&ops[i].data);
  }
  while (i < ops.size() &&
         (ops[i].opcode == OP_DROP || ops[i].opcode == OP_2DROP || ops[i].opcode == OP_NOP))
    ++i;
  const size_t addr_start = i < ops.size() ? ops[i].offset : script.size();

  NameScript out;
  switch (op) {
    case OP_NAME_NEW:
      if (args.size() != 1) return std::nullopt;
      out.op.type = NameOpType::kNameNew;
      out.op.commitment = *args[0];
      break;
    case OP_NAME_FIRSTUPDATE:
      if (args.size() != 3) return std::nullopt;
      out.op.type = NameOpType::kNameFirstUpdate;
      out.op.name = *args[0];
      out.op.salt = *args[1];
      out.op.value = *args[2];
      break;
    default:
      if (args.size() != 2) return std::nullopt;
      out.op.type = NameOpType::kNameUpdate;
      out.op.name = *args[0];
      out.op.value = *args[1];
      break;
  }
  out.address_script.assign(script.begin() + static_cast<std::ptrdiff_t>(addr_start), script.end());
  return out;
}

void check_name_op(const NameOp& op) {
  if (op.type == NameOpType::kNameNew) {
    if (op.commitment.size() != 20) throw ChainError("name_new commitment must be 20 bytes");
    return;
  }
  if (op.name.size() > kMaxNameLength) throw ChainError("name longer than 255 bytes");
  if (op.value.size() > kMaxValueLength) throw ChainError("name value longer than 520 bytes");
  if (op.type == NameOpType::kNameFirstUpdate && op.salt.size() > kNameSaltLength)
    throw ChainError("name_firstupdate salt longer than 20 bytes");
}

Bytes strip_name_prefix(ByteSpan script) {
  if (auto ns = decode_name_script(script)) return ns->address_script;
  return Bytes(script.begin(), script.end());
}

Hash160 name_commitment(ByteSpan salt, ByteSpan name) {
  Bytes buf(salt.begin(), salt.end());
  buf.insert(buf.end(), name.begin(), name.end());
  return hash160(buf);
}

Bytes name_new_script(const Hash160& commitment, ByteSpan address_script) {
  Bytes s{OP_NAME_NEW};
  append_push(s, commitment);
  s.push_back(OP_2DROP);
  s.insert(s.end(), address_script.begin(), address_script.end());
  return s;
}

Bytes name_firstupdate_script(ByteSpan name, ByteSpan salt, ByteSpan value,
                              ByteSpan address_script) {
  if (salt.size() != kNameSaltLength) throw ChainError("name_firstupdate salt must be 20 bytes");
  NameOp op{NameOpType::kNameFirstUpdate,
            Bytes(name.begin(), name.end()),
            Bytes(value.begin(), value.end()),
            Bytes(salt.begin(), salt.end()),
            {}};
  check_name_op(op);
  Bytes s{OP_NAME_FIRSTUPDATE};
  append_push(s, name);
  append_push(s, salt);
  append_push(s, value);
  s.push_back(OP_2DROP);
  s.push_back(OP_2DROP);
  s.insert(s.end(), address_script.begin(), address_script.end());
  return s;
}

Bytes name_update_script(ByteSpan name, ByteSpan value, ByteSpan address_script) {
  NameOp op{NameOpType::kNameUpdate,
            Bytes(name.begin(), name.end()),
            Bytes(value.begin(), value.end()),
            {},
            {}};
  check_name_op(op);
  Bytes s{OP_NAME_UPDATE};
  append_push(s, name);
  append_push(s, value);
  s.push_back(OP_2DROP);
  s.push_back(OP_DROP);
  s.insert(s.end(), address_script.begin(), address_script.end());
  return s;
}

Bytes build_name_script(const NameOp& op, ByteSpan address_script) {
  switch (op.type) {
    case NameOpType::kNameNew: {
      if (op.commitment.size() != 20) throw ChainError("name_new commitment must be 20 bytes");
      Hash160 c;
      std::copy(op.commitment.begin(), op.commitment.end(), c.begin());
      return name_new_script(c, address_script);
    }
    case NameOpType::kNameFirstUpdate:
      return name_firstupdate_script(op.name, op.salt, op.value, address_script);
    case NameOpType::kNameUpdate:
      break;
  }
  return name_update_script(op.name, op.value, address_script);
}

Bytes name_index_script(ByteSpan name) {
  if (name.size() > kMaxNameLength) throw ChainError("name longer than 255 bytes");
  Bytes s{OP_NAME_UPDATE};
  append_push(s, name);
  append_push(s, {});
  s.push_back(OP_2DROP);
  s.push_back(OP_DROP);
  s.push_back(OP_RETURN);
  return s;
}

std::string electrum_script_hash(ByteSpan script) {
  return to_hex_reversed(sha256(script));
}

std::string name_index_script_hash(ByteSpan name) {
  return electrum_script_hash(name_index_script(name));
}

}  // namespace redoubt::chain
