// Fee bumping (BIP125 replace-by-fee) of one of our unconfirmed payments or
// name operations: the replacement keeps every input and every non-change
// output (a name output with its script and value), takes the extra fee
// from the change first and adds confirmed coins only if needed.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "broker/coin_select.h"
#include "broker/tx_builder.h"
#include "chain/tx.h"

namespace redoubt::broker {

struct BumpRequest {
  chain::Transaction original;  // as signed and broadcast
  std::vector<Coin> spent;      // the original's inputs as our coins, in input order
  // The original's change output and the address it pays (ours), if any.
  std::optional<uint32_t> change_index;
  // Where the change goes: the original's change address, or a fresh change
  // address when the original had none.
  OwnAddress change;
  // Other outputs that pay our own addresses (kept as they are; listed for
  // keyd as ours): output index in the original, key path.
  std::vector<std::pair<uint32_t, chain::KeyPath>> own_outputs;
  // Coins that may be added: confirmed, ours, not frozen, not names.
  std::vector<Coin> extra;
  int64_t fee_rate = 0;          // sat/kvB, already clamped
  int64_t incremental_rate = 0;  // BIP125 rule 4: the relay fee on the replacement's size
  int64_t max_fee = 10'000'000;
};

// Throws WalletError when the original does not signal replaceability, the
// new rate is not above the original's, or the result breaks a rule;
// SelectionError when even every extra coin cannot pay the new fee.
BuiltTx build_bumpfee(const BumpRequest& req);

// BIP125: some input has nSequence below 0xfffffffe.
bool signals_rbf(const chain::Transaction& tx);

}  // namespace redoubt::broker
