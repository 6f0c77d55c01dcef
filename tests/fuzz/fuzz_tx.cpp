// Fuzz target: transaction parsing. Any input either fails with ChainError or
// parses into a transaction whose serialization parses back to the same value.
#include <cstdint>
#include <cstdlib>

#include "chain/error.h"
#include "chain/names.h"
#include "chain/sighash.h"
#include "chain/tx.h"

using namespace redoubt::chain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Transaction tx;
  try {
    tx = parse_transaction(ByteSpan(data, size));
  } catch (const ChainError&) {
    return 0;
  }
  const Bytes again = tx.serialize();
  // Canonical encodings only: the bytes we accepted are exactly what we write.
  if (again != Bytes(data, data + size)) std::abort();
  if (!(parse_transaction(again) == tx)) std::abort();
  (void)tx.txid();
  if (tx.weight() < tx.size()) std::abort();
  for (const auto& out : tx.outputs) (void)decode_name_script(out.script_pubkey);
  if (!tx.inputs.empty() && tx.inputs.size() < 64) {
    const Bytes code = tx.inputs[0].script_sig;
    (void)legacy_sighash(tx, 0, code, static_cast<uint32_t>(size));
    (void)segwit_v0_sighash(tx, tx.inputs.size() - 1, code, 1, kSighashSingle);
  }
  return 0;
}
