// What a Namecoin node checks about a transaction before it enters the mempool
// or a block: inputs exist and are unspent, coinbase maturity, amounts,
// signatures of the standard script types (P2PKH legacy, P2WPKH segwit v0),
// and namecoind's name rules. Rejections carry namecoind's reject reasons.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "chain/tx.h"
#include "tests/support/chain_builder.h"

namespace redoubt::testsupport {

struct TxCheckContext {
  // The coin an input spends (confirmed, or a mempool parent with height
  // kMempoolHeight), or nullopt if it does not exist or is already spent.
  std::function<std::optional<Coin>(const chain::OutPoint&)> coin;
  // The name database at the tip.
  std::function<std::optional<NameRecord>(const chain::Bytes&)> name;
  int spend_height = 0;     // height of the block the tx would be in (tip + 1)
  bool for_mempool = true;  // namecoind checks NAME_NEW maturity only for blocks
};

struct TxCheckResult {
  std::optional<std::string> reject;  // namecoind's reject reason, if rejected
  int64_t fee = 0;
};

// Context-free checks (namecoind CheckTransaction): empty, negative or
// oversized amounts, duplicate inputs, coinbase.
std::optional<std::string> check_transaction_basic(const chain::Transaction& tx);
// Everything else, against the given view.
TxCheckResult check_transaction(const chain::Transaction& tx, const TxCheckContext& ctx);

// Verifies input `i`'s signature against the coin it spends; on failure
// returns Core's script error text (e.g. "Script failed an OP_EQUALVERIFY
// operation"). Supports P2PKH and P2WPKH behind an optional name prefix.
std::optional<std::string> verify_input(const chain::Transaction& tx, size_t i,
                                        const chain::TxOut& spent);

}  // namespace redoubt::testsupport
