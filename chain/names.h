// Namecoin name operations in output scripts: decode a name prefix into a NameOp
// plus the address script behind it, build name scripts, and the ElectrumX
// name-index script hash.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chain/bytes.h"

namespace redoubt::chain {

// Consensus length limits (namecoind: MAX_NAME_LENGTH, MAX_VALUE_LENGTH; the
// name_new commitment is a HASH160, the firstupdate salt at most 20 bytes).
inline constexpr size_t kMaxNameLength = 255;
inline constexpr size_t kMaxValueLength = 520;
inline constexpr size_t kNameSaltLength = 20;
// Every name output locks this amount (0.01 NMC).
inline constexpr int64_t kNameLockedAmount = 1'000'000;

enum class NameOpType { kNameNew, kNameFirstUpdate, kNameUpdate };
const char* name_op_type_name(NameOpType t);  // "name_new", "name_firstupdate", "name_update"

struct NameOp {
  NameOpType type = NameOpType::kNameUpdate;
  Bytes name;        // firstupdate, update
  Bytes value;       // firstupdate, update
  Bytes salt;        // firstupdate ("rand" in namecoind)
  Bytes commitment;  // name_new: hash160(salt || name)
  bool operator==(const NameOp&) const = default;
};

struct NameScript {
  NameOp op;
  Bytes address_script;  // the ordinary script after the name prefix
};

// Decodes a name prefix exactly as namecoind's CNameScript does: the op, its
// pushes up to the first OP_DROP/OP_2DROP/OP_NOP, the right argument count for
// the op; everything after the drops is the address script. Returns nullopt
// for scripts without a name prefix. Does not apply length limits.
std::optional<NameScript> decode_name_script(ByteSpan script);
// Throws ChainError if the op breaks a consensus length rule (name <= 255,
// value <= 520, name_new commitment 20 bytes, salt <= 20 bytes).
void check_name_op(const NameOp& op);
// The ordinary address script: strips a name prefix if present.
Bytes strip_name_prefix(ByteSpan script);

// Builders (canonical form namecoind produces); they check the length rules.
Bytes name_new_script(const Hash160& commitment, ByteSpan address_script);
Bytes name_firstupdate_script(ByteSpan name, ByteSpan salt, ByteSpan value,
                              ByteSpan address_script);
Bytes name_update_script(ByteSpan name, ByteSpan value, ByteSpan address_script);
Bytes build_name_script(const NameOp& op, ByteSpan address_script);
// name_new commitment: HASH160(salt || name).
Hash160 name_commitment(ByteSpan salt, ByteSpan name);

// ElectrumX's name index: the history of
// `OP_NAME_UPDATE <name> <empty> OP_2DROP OP_DROP OP_RETURN` lists every operation
// on the name.
Bytes name_index_script(ByteSpan name);
// Electrum protocol script hash: sha256(script), byte-reversed, hex.
std::string electrum_script_hash(ByteSpan script);
std::string name_index_script_hash(ByteSpan name);

}  // namespace redoubt::chain
