// The wallet's SQLite database: one file per wallet, WAL journal with
// synchronous=FULL, foreign keys on, schema migrations by user_version, and
// typed accessors for every table. Holds no private key material, ever.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/sqlite.h"
#include "broker/wallet_types.h"
#include "chain/bytes.h"

namespace redoubt::broker {

// A header as stored: 80 bytes, its hash and the cumulative chain work up to
// and including it (little-endian 256-bit).
struct StoredHeader {
  int32_t height = 0;
  chain::Hash256 hash{};
  chain::Bytes header80;
  chain::Hash256 work{};
};

// The settings key a send writes before it broadcasts: a transaction still
// marked after a crash was meant to go out (a signed-only one, from
// signtransaction or --no-broadcast, never is). Removed when the server
// answers, when a server lists the transaction, or when it is dropped.
inline std::string broadcast_pending_key(const chain::Hash256& txid) {
  return "broadcast_pending:" + chain::to_hex_reversed(txid);
}

class Store {
 public:
  // Opens or creates the wallet database at `path`. An existing file is
  // first checked read-only (SQLite header, quick_check, schema version), so
  // a corrupt or foreign file is reported with what to do and left exactly as
  // it was. Throws StoreError.
  static Store open(const std::filesystem::path& path);
  Store(Store&&) noexcept = default;
  ~Store() = default;

  int schema_version();
  // PRAGMA integrity_check: "ok" or the problems SQLite lists.
  std::string integrity_check();
  const std::filesystem::path& path() const { return db_->path(); }
  Database& db() { return *db_; }

  // Groups several calls into one atomic change; nests (only the outermost
  // scope commits). Destroyed without commit(): everything is rolled back.
  class Batch {
   public:
    explicit Batch(Store& s);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void commit();

   private:
    Store& s_;
    bool outer_;
    bool done_ = false;
  };

  // While one is alive, commits do not wait for the disk (synchronous=NORMAL
  // instead of FULL): for verified network data the next sync fetches again.
  // WAL keeps the database consistent; a power loss may forget the last such
  // commits, never an earlier FULL one, and the next FULL commit (a send)
  // syncs the whole log. A killed process loses nothing. Nests.
  class Relaxed {
   public:
    explicit Relaxed(Store& s);
    ~Relaxed();
    Relaxed(const Relaxed&) = delete;
    Relaxed& operator=(const Relaxed&) = delete;

   private:
    Store& s_;
  };

  // Accounts and addresses.
  AccountId add_account(const AccountRecord& a);
  std::vector<AccountRecord> accounts();
  // Inserts all (one transaction); returns the records with ids filled in.
  std::vector<AddressRecord> add_addresses(std::vector<AddressRecord> addrs);
  std::vector<AddressRecord> addresses();
  std::optional<AddressRecord> address_by_script(chain::ByteSpan script);
  void set_address_used(AddressId id, bool used);
  void set_address_frozen(AddressId id, bool frozen);
  void set_address_label(AddressId id, std::string_view label);

  // Transactions with their outputs and spends, written together.
  void put_transaction(const TxRecord& tx, const std::vector<OutputRecord>& outputs,
                       const std::vector<SpendRecord>& spends);
  std::optional<TxRecord> transaction(const chain::Hash256& txid);
  std::vector<TxRecord> transactions();  // ordered by height (unconfirmed last), position
  void set_tx_confirmation(const chain::Hash256& txid, int32_t height, int32_t position,
                           bool verified);
  void set_tx_local(const chain::Hash256& txid, bool local);
  void set_tx_fee(const chain::Hash256& txid, int64_t fee);
  void set_tx_label(const chain::Hash256& txid, std::string_view label);
  void remove_transaction(const chain::Hash256& txid);  // cascades to outputs/spends
  // Moves a transaction to dropped_transactions (replaced or conflicted), in
  // one database transaction; its outputs and spends go with it.
  void drop_transaction(const DroppedTx& d);
  std::optional<DroppedTx> dropped_transaction(const chain::Hash256& txid);
  // A dropped transaction that confirmed after all counts again.
  void undrop_transaction(const chain::Hash256& txid);
  // Reorg: every transaction above `fork_height` becomes unconfirmed and
  // unverified (one transaction). Returns how many changed.
  int unconfirm_above(int32_t fork_height);
  std::vector<OutputRecord> outputs();
  std::vector<SpendRecord> spends();

  // Names and the name_autoregister queue.
  void put_name(const NameRecord& n);
  std::optional<NameRecord> name(chain::ByteSpan name);
  std::vector<NameRecord> names();
  void remove_name(chain::ByteSpan name);
  int64_t enqueue_firstupdate(const QueuedFirstUpdate& q);
  std::vector<QueuedFirstUpdate> queued_firstupdates();
  void set_queue_state(int64_t id, QueueState state, std::string_view error = {});

  // Coin control.
  void set_coin_frozen(const chain::OutPoint& op, bool frozen);
  std::vector<chain::OutPoint> frozen_coins();

  // Pinned server certificates (trust on first use), keyed "host:port".
  void pin_certificate(std::string_view host_port, chain::ByteSpan der);
  std::optional<chain::Bytes> pinned_certificate(std::string_view host_port);
  void unpin_certificate(std::string_view host_port);

  // Settings.
  void set_setting(std::string_view key, std::string_view value);
  std::optional<std::string> setting(std::string_view key);
  void remove_setting(std::string_view key);
  // Every key starting with `prefix` (e.g. "held:"), in key order.
  std::vector<std::string> setting_keys(std::string_view prefix);

  // Headers (used by HeaderChain): replace everything from the first
  // header's height on with `headers` (contiguous), in one transaction.
  void replace_headers_from(int32_t from_height, const std::vector<StoredHeader>& headers);
  std::vector<StoredHeader> load_headers();
  std::optional<StoredHeader> header_at(int32_t height);

 private:
  explicit Store(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  void migrate();
  std::unique_ptr<Database> db_;
  int depth_ = 0;
  int relaxed_ = 0;
};

}  // namespace redoubt::broker
