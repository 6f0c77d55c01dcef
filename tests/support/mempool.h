// The universe's mempool: accepts a transaction only if a node would (see
// tx_rules.h, plus mempool conflicts with BIP125 replacement and namecoind's
// one-pending-operation-per-name rule), and picks what the next block may contain (a
// name_firstupdate waits until its name_new is 12 blocks deep).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/tx.h"
#include "tests/support/chain_builder.h"

namespace redoubt::testsupport {

class Mempool {
 public:
  struct Entry {
    chain::Transaction tx;
    chain::Hash256 txid{};
    int64_t fee = 0;
  };
  struct Options {
    // Namecoin's -minrelaytxfee default: 0.001 NMC/kB = 100,000 sat per kvB.
    int64_t min_relay_fee_per_kvb = 100'000;
    // BIP125 rule 4: what a replacement pays on its own size on top of the
    // fees it evicts (Core's -incrementalrelayfee default).
    int64_t incremental_relay_fee_per_kvb = 1'000;
  };

  Mempool() = default;
  explicit Mempool(Options opts) : opts_(opts) {}

  // Validates `tx` against the chain tip and the mempool; adds it if valid.
  // Returns the reject reason otherwise.
  std::optional<std::string> accept(const RegtestChain& chain, const chain::Transaction& tx);

  // The coin `op` as the mempool sees it: unspent in the chain and not spent
  // by a mempool transaction, or an unspent output of a mempool transaction
  // (height kMempoolHeight).
  std::optional<Coin> coin(const RegtestChain& chain, const chain::OutPoint& op) const;
  bool spent_in_mempool(const chain::OutPoint& op) const;

  // Transactions for the next block, in dependency order, and their fees.
  std::vector<chain::Transaction> select_for_block(const RegtestChain& chain, int64_t& fees) const;
  // After the chain changed (a block, a reorg): drops what is mined or no
  // longer valid, keeps the rest in order.
  void resync(const RegtestChain& chain);
  // Puts transactions back (a reorg); invalid ones are dropped silently.
  void readd(const RegtestChain& chain, const std::vector<chain::Transaction>& txs);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const chain::Hash256& txid) const;
  bool has_unconfirmed_inputs(const Entry& e) const;

 private:
  Options opts_;
  std::vector<Entry> entries_;
};

}  // namespace redoubt::testsupport
