// Fuzz target: script parsing, classification, asm, name-op decoding and the
// address of a script. Nothing may crash; decoded name ops must rebuild.
#include <cstdint>
#include <cstdlib>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/names.h"
#include "chain/script.h"

using namespace redoubt::chain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan script(data, size);
  std::vector<ScriptOp> ops;
  const bool parsed = try_parse_script(script, ops);
  try {
    (void)parse_script(script);
    if (!parsed) std::abort();
  } catch (const ChainError&) {
    if (parsed) std::abort();
  }
  (void)script_to_asm(script);
  (void)classify_script(script);
  (void)script_to_address(script, mainnet_params());
  if (auto ns = decode_name_script(script)) {
    // The address part is a suffix of the script.
    if (ns->address_script.size() > size) std::abort();
    try {
      check_name_op(ns->op);
      if (ns->op.type != NameOpType::kNameFirstUpdate || ns->op.salt.size() == 20) {
        Bytes rebuilt = build_name_script(ns->op, ns->address_script);
        auto again = decode_name_script(rebuilt);
        if (!again || !(again->op == ns->op) || again->address_script != ns->address_script)
          std::abort();
      }
    } catch (const ChainError&) {
    }
  }
  return 0;
}
