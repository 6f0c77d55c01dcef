// The wallet model: addresses derived from account xpubs with a gap limit,
// verified transactions applied to outputs/spends/names/address use,
// balance, history with running balance, the UTXO set as coins for
// selection, reorg rollback, and the links the groupings are computed from.
// Everything is written through to the Store; each change is one database
// transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/coin_select.h"
#include "broker/groupings.h"
#include "broker/history_index.h"
#include "broker/store.h"
#include "broker/tx_builder.h"
#include "chain/bip32.h"
#include "chain/params.h"

namespace redoubt::broker {

struct Balance {
  int64_t confirmed = 0;        // spendable, in a verified block
  int64_t unconfirmed = 0;      // spendable, not yet in a verified block
  int64_t frozen = 0;           // frozen coins or addresses (not in the two above)
  int64_t locked_in_names = 0;  // 0.01 NMC per name output we hold
};

struct HistoryItem {
  chain::Hash256 txid{};
  int32_t height = kUnconfirmedHeight;
  int32_t position = -1;
  bool verified = false;
  int64_t delta = 0;  // what the wallet gained (negative: spent, fee included)
  std::optional<int64_t> fee;
  int64_t balance = 0;  // running balance after this transaction
  int64_t first_seen = 0;
  std::string label;
};

struct ApplyResult {
  bool is_new = false;
  std::vector<AddressRecord> new_addresses;  // derived to keep the gap: subscribe them
  std::vector<chain::Bytes> names_changed;
};

class WalletModel {
 public:
  WalletModel(Store& store, const chain::NetworkParams& params);

  // Adds an account (path like "m/0'", its xpub) and derives its first
  // gap-limit addresses. Returns the new addresses.
  std::vector<AddressRecord> add_account(const std::string& path, const std::string& xpub,
                                         chain::KeyScriptType type, uint32_t gap_receive = 20,
                                         uint32_t gap_change = 10);
  const std::vector<AccountRecord>& accounts() const { return accounts_; }
  const std::vector<AddressRecord>& addresses() const { return addresses_; }
  const AddressRecord* address(AddressId id) const;
  const AddressRecord* address_by_script(chain::ByteSpan script) const;
  chain::KeyPath path_of(const AddressRecord& a) const;
  // The first unused address of the receive or change chain (ours, fresh).
  OwnAddress fresh_address(bool change) const;

  // Records a transaction that passed SPV (verified=true with its height and
  // position) or came from the mempool (height 0) or was created here
  // (local). Idempotent: re-applying updates the confirmation.
  ApplyResult apply_transaction(const chain::Transaction& tx, int32_t height, int32_t position,
                                bool verified, bool local = false, int64_t now = 0);
  // Reorg: transactions above the fork become unconfirmed and unverified.
  int rollback_above(int32_t fork_height);
  void remove_transaction(const chain::Hash256& txid);  // e.g. a dropped local tx
  // Stops counting an unconfirmed transaction (and its unconfirmed
  // descendants, which can never confirm now): "replaced" by our fee bump or
  // "conflicted" by a confirmed spend of one of its inputs. Its coins are
  // free again; it leaves balance and history and is kept in the store's
  // dropped_transactions, so a sync does not bring it back unless it
  // confirms after all. Applying a verified confirmed transaction drops the
  // unconfirmed ones it conflicts with by itself.
  void drop_transaction(const chain::Hash256& txid, const std::string& reason,
                        std::optional<chain::Hash256> by, int64_t now = 0);
  std::optional<DroppedTx> dropped(const chain::Hash256& txid) const;
  // A server lists a transaction made here: it is no longer only ours, and
  // its broadcast_pending marker goes (one database transaction).
  void mark_listed(const chain::Hash256& txid);
  // Transactions made here that no server has listed yet, unconfirmed.
  std::vector<chain::Hash256> local_unconfirmed() const;
  // Our addresses a transaction not yet confirmed with a verified proof pays
  // or spends from: the only histories a new block can change without the
  // server announcing a new status (sorted, each once). O(transactions).
  std::vector<AddressId> addresses_awaiting_confirmation() const;

  void set_address_frozen(AddressId id, bool frozen);
  void set_coin_frozen(const chain::OutPoint& op, bool frozen);

  // Maintained as transactions come, confirm, roll back and drop: O(1).
  Balance balance() const { return balance_; }
  // The same, computed over every output (the reference balance() keeps).
  Balance compute_balance() const;
  // Every transaction, oldest first, with running balances computed here
  // over the whole wallet (the reference history_page() keeps).
  std::vector<HistoryItem> history() const;
  // `limit` items of history() from `offset` (limit 0: to the end), counted
  // from the oldest or, with newest_first, from the newest (and listed in
  // that order), from the maintained index: O(log n + page).
  std::vector<HistoryItem> history_page(size_t offset, size_t limit,
                                        bool newest_first = false) const;
  size_t history_size() const { return history_.size(); }
  // Counts transactions added (new to the model) since it was loaded: when it
  // has not moved, history() holds no transaction that was not there before.
  uint64_t additions() const { return additions_; }
  // Our unspent outputs (not spent by any known transaction, mempool and
  // local ones included), annotated for coin selection.
  std::vector<Coin> coins() const;
  std::optional<Coin> coin(const chain::OutPoint& op) const;
  // An output paying one of our addresses, spent or not (fee bumping needs
  // the coins its transaction already spends).
  std::optional<Coin> own_output(const chain::OutPoint& op) const;
  // The unspent output currently carrying `name`, if we hold it.
  std::optional<Coin> name_coin(chain::ByteSpan name) const;

  // Unspent value per address (name outputs included).
  std::unordered_map<AddressId, int64_t> balance_by_address() const;
  std::vector<GroupingLink> grouping_links() const;
  // Groupings over all transactions and queued firstupdates, with balances.
  Groupings groupings() const;

  size_t transaction_count() const { return txs_.size(); }
  std::optional<TxRecord> transaction(const chain::Hash256& txid) const;

 private:
  struct HashHasher {
    size_t operator()(const chain::Hash256& h) const;
  };
  struct OutPointHasher {
    size_t operator()(const chain::OutPoint& o) const;
  };
  struct TxState {
    TxRecord rec;  // raw dropped in memory (kept in the store)
    std::vector<chain::OutPoint> inputs;
    uint32_t n_outputs = 0;
    bool coinbase = false;
  };

  std::vector<AddressRecord> derive_gap(const AccountRecord& acc);
  void load();
  void index_address(const AddressRecord& a);
  bool is_spent(const chain::OutPoint& op) const;
  Coin make_coin(const OutputRecord& o) const;
  void forget(const chain::Hash256& txid);  // the in-memory part of removing
  // The name row our unspent output of `name` makes, leaving out what the
  // transaction `ignoring` creates or spends (one about to be dropped).
  std::optional<NameRecord> held_name(chain::ByteSpan name, const chain::Hash256& ignoring) const;

  Store& store_;
  const chain::NetworkParams& params_;
  std::vector<AccountRecord> accounts_;
  std::map<AccountId, std::pair<chain::ExtendedPublicKey, chain::ExtendedPublicKey>> chains_;
  std::vector<AddressRecord> addresses_;
  std::unordered_map<AddressId, size_t> addr_by_id_;
  std::unordered_map<std::string, size_t> addr_by_script_;
  std::unordered_map<chain::Hash256, TxState, HashHasher> txs_;
  std::unordered_map<chain::OutPoint, OutputRecord, OutPointHasher> outputs_;
  std::unordered_map<chain::OutPoint, std::vector<chain::Hash256>, OutPointHasher> spent_by_;
  std::set<std::pair<chain::Hash256, uint32_t>> frozen_coins_;
  // Per (account, change chain): number of derived addresses, highest used index.
  std::map<std::pair<AccountId, bool>, std::pair<int64_t, int64_t>> chain_state_;
  void note_used(const AddressRecord& a);

  // Maintenance of history_ and balance_ (both derived, never stored).
  int64_t delta_of(const TxState& s) const;
  void reindex(const chain::Hash256& txid);           // recomputes its key and delta
  void reindex_spenders(const chain::Hash256& txid);  // of its outputs
  // A spender seen before this transaction had an unknown fee; with every
  // input's value known now, it is computed and stored.
  void fill_spender_fees(const chain::Hash256& txid);
  // Adds (sign +1) or takes out (-1) what a coin counts for in `b`.
  void count_coin(Balance& b, const chain::OutPoint& op, int sign) const;
  HistoryIndex history_;
  Balance balance_;
  uint64_t additions_ = 0;
};

}  // namespace redoubt::broker
