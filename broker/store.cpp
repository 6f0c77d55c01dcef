#include "broker/store.h"

#include <sqlite3.h>

#include <cstring>
#include <ctime>
#include <fstream>

#include "broker/migrations.h"
#include "chain/pure_header.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using chain::ByteSpan;
using chain::Hash256;

ByteSpan span(const Hash256& h) {
  return {h.data(), h.size()};
}

std::string what_to_do(const std::filesystem::path& path) {
  return "; the file was left untouched. Restore " + path.string() +
         " from a backup, or move it aside and restore the wallet from its seed "
         "(transactions and names are fetched again from the network)";
}

// Checks an existing file without writing to it: the SQLite magic, then a
// read-only connection running quick_check and reading the schema version.
void check_existing(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw StoreError("cannot read wallet database " + path.string());
  char magic[16] = {};
  f.read(magic, sizeof magic);
  if (f.gcount() == 0) return;  // an empty file is a new database
  if (f.gcount() != 16 || std::memcmp(magic, "SQLite format 3", 16) != 0)
    throw StoreError("wallet database " + path.string() +
                     " is not an SQLite database (corrupt or a different file)" + what_to_do(path));
  std::string check;
  int version = 0;
  try {
    sqlite3* raw = nullptr;
    // Read-only: SQLite must not repair, truncate or convert anything here.
    std::string uri = "file:" + path.string() + "?mode=ro";
    if (sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) !=
        SQLITE_OK) {
      std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
      sqlite3_close(raw);
      throw StoreError(msg);
    }
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
    {
      Stmt q(raw, "PRAGMA quick_check");
      while (q.step()) check += (check.empty() ? "" : "; ") + q.text(0);
    }
    Stmt v(raw, "PRAGMA user_version");
    if (v.step()) version = v.i32(0);
  } catch (const StoreError& e) {
    throw StoreError("wallet database " + path.string() + " is corrupt (" + e.what() + ")" +
                     what_to_do(path));
  }
  if (check != "ok")
    throw StoreError("wallet database " + path.string() + " is corrupt (" + check + ")" +
                     what_to_do(path));
  if (version > static_cast<int>(schema_migrations().size()))
    throw StoreError("wallet database " + path.string() + " has schema version " +
                     std::to_string(version) + ", newer than this program supports (" +
                     std::to_string(schema_migrations().size()) +
                     "); upgrade Redoubt. The file was left untouched");
}

std::optional<chain::NameOp> decode_op(ByteSpan script) {
  auto ns = chain::decode_name_script(script);
  if (!ns) return std::nullopt;
  return ns->op;
}

}  // namespace

const char* queue_state_name(QueueState s) {
  switch (s) {
    case QueueState::kWaiting:
      return "waiting";
    case QueueState::kBroadcast:
      return "broadcast";
    case QueueState::kDone:
      return "done";
    case QueueState::kFailed:
      return "failed";
  }
  return "?";
}

static QueueState parse_queue_state(const std::string& s) {
  if (s == "waiting") return QueueState::kWaiting;
  if (s == "broadcast") return QueueState::kBroadcast;
  if (s == "done") return QueueState::kDone;
  if (s == "failed") return QueueState::kFailed;
  throw StoreError("unknown name queue state '" + s + "'");
}

Store Store::open(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) check_existing(path);
  Store s(std::make_unique<Database>(path, true));
  // WAL: readers never block the writer and a commit is one append. FULL
  // makes every commit fsync the WAL before returning, so a transaction we
  // recorded as sent (before broadcasting it) survives power loss too; NORMAL
  // would only guarantee consistency, and could forget the last sends.
  s.db_->exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
      "PRAGMA secure_delete=ON;");
  s.migrate();
  return s;
}

void Store::migrate() {
  auto steps = schema_migrations();
  int v = schema_version();
  if (v > static_cast<int>(steps.size()))
    throw StoreError("wallet database " + path().string() + " has a newer schema version");
  for (; v < static_cast<int>(steps.size()); ++v) {
    Batch b(*this);
    db_->exec(steps[static_cast<size_t>(v)]);
    db_->exec("PRAGMA user_version=" + std::to_string(v + 1));
    b.commit();
  }
}

int Store::schema_version() {
  Stmt& q = db_->prepare("PRAGMA user_version");
  int v = q.step() ? q.i32(0) : 0;
  q.reset();
  return v;
}

std::string Store::integrity_check() {
  std::string out;
  Stmt& q = db_->prepare("PRAGMA integrity_check");
  while (q.step()) out += (out.empty() ? "" : "; ") + q.text(0);
  return out;
}

Store::Batch::Batch(Store& s) : s_(s), outer_(s.depth_ == 0) {
  if (outer_) s_.db_->exec("BEGIN IMMEDIATE");
  ++s_.depth_;
}

Store::Batch::~Batch() {
  --s_.depth_;
  if (outer_ && !done_) {
    try {
      s_.db_->exec("ROLLBACK");
    } catch (...) {
      // Nothing better to do: SQLite rolls back an open transaction on close.
    }
  }
}

void Store::Batch::commit() {
  if (outer_) s_.db_->exec("COMMIT");
  done_ = true;
}

Store::Relaxed::Relaxed(Store& s) : s_(s) {
  if (s_.relaxed_++ == 0) s_.db_->exec("PRAGMA synchronous=NORMAL");
}

Store::Relaxed::~Relaxed() {
  if (--s_.relaxed_ != 0) return;
  try {
    s_.db_->exec("PRAGMA synchronous=FULL");
  } catch (...) {
    // Cannot happen outside a failing disk; the next open sets FULL again.
  }
}

// ---- accounts and addresses ----

AccountId Store::add_account(const AccountRecord& a) {
  db_->prepare(
         "INSERT INTO accounts(path, xpub, script_type, gap_receive, gap_change) "
         "VALUES(?,?,?,?,?)")
      .bind(1, a.path)
      .bind(2, a.xpub)
      .bind(3, static_cast<int>(a.script_type))
      .bind(4, a.gap_receive)
      .bind(5, a.gap_change)
      .run();
  return db_->last_insert_rowid();
}

std::vector<AccountRecord> Store::accounts() {
  std::vector<AccountRecord> out;
  Stmt& q = db_->prepare(
      "SELECT id, path, xpub, script_type, gap_receive, gap_change FROM accounts ORDER BY id");
  while (q.step()) {
    AccountRecord a;
    a.id = q.i64(0);
    a.path = q.text(1);
    a.xpub = q.text(2);
    a.script_type = static_cast<chain::KeyScriptType>(q.i32(3));
    a.gap_receive = static_cast<uint32_t>(q.i64(4));
    a.gap_change = static_cast<uint32_t>(q.i64(5));
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<AddressRecord> Store::add_addresses(std::vector<AddressRecord> addrs) {
  Batch b(*this);
  for (auto& a : addrs) {
    db_->prepare(
           "INSERT INTO addresses(account_id, change, idx, script, scripthash, used, frozen, "
           "label) VALUES(?,?,?,?,?,?,?,?)")
        .bind(1, a.account_id)
        .bind(2, a.change)
        .bind(3, a.index)
        .bind(4, ByteSpan(a.script))
        .bind(5, a.scripthash)
        .bind(6, a.used)
        .bind(7, a.frozen)
        .bind(8, a.label)
        .run();
    a.id = db_->last_insert_rowid();
  }
  b.commit();
  return addrs;
}

static constexpr const char* kAddressCols =
    "SELECT id, account_id, change, idx, script, scripthash, used, frozen, "
    "coalesce(label, '') FROM addresses ";

static AddressRecord read_address(const Stmt& q) {
  AddressRecord a;
  a.id = q.i64(0);
  a.account_id = q.i64(1);
  a.change = q.i64(2) != 0;
  a.index = static_cast<uint32_t>(q.i64(3));
  a.script = q.blob(4);
  a.scripthash = q.text(5);
  a.used = q.i64(6) != 0;
  a.frozen = q.i64(7) != 0;
  a.label = q.text(8);
  return a;
}

std::vector<AddressRecord> Store::addresses() {
  std::vector<AddressRecord> out;
  Stmt& q = db_->prepare(std::string(kAddressCols) + "ORDER BY id");
  while (q.step()) out.push_back(read_address(q));
  return out;
}

std::optional<AddressRecord> Store::address_by_script(ByteSpan script) {
  Stmt& q = db_->prepare(std::string(kAddressCols) + "WHERE script = ?");
  q.bind(1, script);
  std::optional<AddressRecord> out;
  if (q.step()) out = read_address(q);
  q.reset();
  return out;
}

void Store::set_address_used(AddressId id, bool used) {
  db_->prepare("UPDATE addresses SET used = ? WHERE id = ?").bind(1, used).bind(2, id).run();
}
void Store::set_address_frozen(AddressId id, bool frozen) {
  db_->prepare("UPDATE addresses SET frozen = ? WHERE id = ?").bind(1, frozen).bind(2, id).run();
}
void Store::set_address_label(AddressId id, std::string_view label) {
  db_->prepare("UPDATE addresses SET label = ? WHERE id = ?").bind(1, label).bind(2, id).run();
}

// ---- transactions ----

void Store::put_transaction(const TxRecord& tx, const std::vector<OutputRecord>& outputs,
                            const std::vector<SpendRecord>& spends) {
  Batch b(*this);
  db_->prepare(
         "INSERT INTO transactions(txid, raw, height, position, verified, first_seen, fee, "
         "local, label) VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(txid) DO UPDATE SET "
         "height = excluded.height, position = excluded.position, verified = excluded.verified, "
         "fee = coalesce(excluded.fee, fee), local = excluded.local")
      .bind(1, span(tx.txid))
      .bind(2, ByteSpan(tx.raw))
      .bind(3, tx.height)
      .bind(4, tx.position)
      .bind(5, tx.verified)
      .bind(6, tx.first_seen)
      .bind(7, tx.fee)
      .bind(8, tx.local)
      .bind(9, tx.label)
      .run();
  for (const auto& o : outputs) {
    Stmt& q = db_->prepare(
        "INSERT OR REPLACE INTO outputs(txid, vout, value, script, address_id, name_op, name, "
        "name_value) VALUES(?,?,?,?,?,?,?,?)");
    q.bind(1, span(o.outpoint.txid))
        .bind(2, o.outpoint.index)
        .bind(3, o.value)
        .bind(4, ByteSpan(o.script))
        .bind(5, o.address_id);
    if (o.name_op) {
      q.bind(6, static_cast<int>(o.name_op->type))
          .bind(7, ByteSpan(o.name_op->type == chain::NameOpType::kNameNew ? o.name_op->commitment
                                                                           : o.name_op->name))
          .bind(8, ByteSpan(o.name_op->value));
    }
    q.run();
  }
  for (const auto& s : spends) {
    db_->prepare(
           "INSERT OR IGNORE INTO spends(prev_txid, prev_vout, spending_txid, input_index) "
           "VALUES(?,?,?,?)")
        .bind(1, span(s.prevout.txid))
        .bind(2, s.prevout.index)
        .bind(3, span(s.spending_txid))
        .bind(4, s.input_index)
        .run();
  }
  b.commit();
}

static constexpr const char* kTxCols =
    "SELECT txid, raw, height, position, verified, first_seen, fee, local, coalesce(label, '') "
    "FROM transactions ";

static TxRecord read_tx(const Stmt& q) {
  TxRecord t;
  t.txid = q.hash(0);
  t.raw = q.blob(1);
  t.height = q.i32(2);
  t.position = q.i32(3);
  t.verified = q.i64(4) != 0;
  t.first_seen = q.i64(5);
  t.fee = q.opt_i64(6);
  t.local = q.i64(7) != 0;
  t.label = q.text(8);
  return t;
}

std::optional<TxRecord> Store::transaction(const Hash256& txid) {
  Stmt& q = db_->prepare(std::string(kTxCols) + "WHERE txid = ?");
  q.bind(1, span(txid));
  std::optional<TxRecord> out;
  if (q.step()) out = read_tx(q);
  q.reset();
  return out;
}

std::vector<TxRecord> Store::transactions() {
  std::vector<TxRecord> out;
  Stmt& q = db_->prepare(std::string(kTxCols) +
                         "ORDER BY height = 0, height, position, first_seen, txid");
  while (q.step()) out.push_back(read_tx(q));
  return out;
}

void Store::set_tx_confirmation(const Hash256& txid, int32_t height, int32_t position,
                                bool verified) {
  db_->prepare("UPDATE transactions SET height = ?, position = ?, verified = ? WHERE txid = ?")
      .bind(1, height)
      .bind(2, position)
      .bind(3, verified)
      .bind(4, span(txid))
      .run();
}

void Store::set_tx_local(const Hash256& txid, bool local) {
  db_->prepare("UPDATE transactions SET local = ? WHERE txid = ?")
      .bind(1, local)
      .bind(2, span(txid))
      .run();
}

void Store::set_tx_fee(const Hash256& txid, int64_t fee) {
  db_->prepare("UPDATE transactions SET fee = ? WHERE txid = ?")
      .bind(1, fee)
      .bind(2, span(txid))
      .run();
}

void Store::set_tx_label(const Hash256& txid, std::string_view label) {
  db_->prepare("UPDATE transactions SET label = ? WHERE txid = ?")
      .bind(1, label)
      .bind(2, span(txid))
      .run();
}

void Store::remove_transaction(const Hash256& txid) {
  db_->prepare("DELETE FROM transactions WHERE txid = ?").bind(1, span(txid)).run();
}

void Store::drop_transaction(const DroppedTx& d) {
  Batch b(*this);
  Stmt& q = db_->prepare(
      "INSERT OR REPLACE INTO dropped_transactions(txid, raw, reason, by_txid, dropped_at) "
      "VALUES(?,?,?,?,?)");
  q.bind(1, span(d.txid)).bind(2, ByteSpan(d.raw)).bind(3, d.reason);
  if (d.by)
    q.bind(4, span(*d.by));
  else
    q.bind_null(4);
  q.bind(5, d.dropped_at).run();
  remove_transaction(d.txid);
  b.commit();
}

std::optional<DroppedTx> Store::dropped_transaction(const Hash256& txid) {
  Stmt& q = db_->prepare(
      "SELECT txid, raw, reason, by_txid, dropped_at FROM dropped_transactions WHERE txid = ?");
  q.bind(1, span(txid));
  std::optional<DroppedTx> out;
  if (q.step()) {
    out.emplace();
    out->txid = q.hash(0);
    out->raw = q.blob(1);
    out->reason = q.text(2);
    if (!q.is_null(3)) out->by = q.hash(3);
    out->dropped_at = q.i64(4);
  }
  q.reset();
  return out;
}

void Store::undrop_transaction(const Hash256& txid) {
  db_->prepare("DELETE FROM dropped_transactions WHERE txid = ?").bind(1, span(txid)).run();
}

int Store::unconfirm_above(int32_t fork_height) {
  Batch b(*this);
  db_->prepare("UPDATE transactions SET height = 0, position = -1, verified = 0 WHERE height > ?")
      .bind(1, fork_height)
      .run();
  int n = db_->changes();
  db_->prepare("UPDATE names SET height = 0 WHERE height > ?").bind(1, fork_height).run();
  b.commit();
  return n;
}

std::vector<OutputRecord> Store::outputs() {
  std::vector<OutputRecord> out;
  Stmt& q = db_->prepare("SELECT txid, vout, value, script, address_id FROM outputs");
  while (q.step()) {
    OutputRecord o;
    o.outpoint.txid = q.hash(0);
    o.outpoint.index = static_cast<uint32_t>(q.i64(1));
    o.value = q.i64(2);
    o.script = q.blob(3);
    o.address_id = q.opt_i64(4);
    o.name_op = decode_op(o.script);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<SpendRecord> Store::spends() {
  std::vector<SpendRecord> out;
  Stmt& q = db_->prepare("SELECT prev_txid, prev_vout, spending_txid, input_index FROM spends");
  while (q.step()) {
    SpendRecord s;
    s.prevout.txid = q.hash(0);
    s.prevout.index = static_cast<uint32_t>(q.i64(1));
    s.spending_txid = q.hash(2);
    s.input_index = static_cast<uint32_t>(q.i64(3));
    out.push_back(s);
  }
  return out;
}

// ---- names ----

void Store::put_name(const NameRecord& n) {
  db_->prepare(
         "INSERT INTO names(name, value, txid, vout, height, owner_address_id, identifier) "
         "VALUES(?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, "
         "txid = excluded.txid, vout = excluded.vout, height = excluded.height, "
         "owner_address_id = excluded.owner_address_id, "
         "identifier = coalesce(excluded.identifier, identifier)")
      .bind(1, ByteSpan(n.name))
      .bind(2, ByteSpan(n.value))
      .bind(3, span(n.outpoint.txid))
      .bind(4, n.outpoint.index)
      .bind(5, n.height)
      .bind(6, n.owner)
      .bind(7, n.identifier)
      .run();
}

static NameRecord read_name(const Stmt& q) {
  NameRecord n;
  n.name = q.blob(0);
  n.value = q.blob(1);
  n.outpoint.txid = q.hash(2);
  n.outpoint.index = static_cast<uint32_t>(q.i64(3));
  n.height = q.i32(4);
  n.owner = q.opt_i64(5);
  if (!q.is_null(6)) n.identifier = q.text(6);
  return n;
}

static constexpr const char* kNameCols =
    "SELECT name, value, txid, vout, height, owner_address_id, identifier FROM names ";

std::optional<NameRecord> Store::name(ByteSpan name) {
  Stmt& q = db_->prepare(std::string(kNameCols) + "WHERE name = ?");
  q.bind(1, name);
  std::optional<NameRecord> out;
  if (q.step()) out = read_name(q);
  q.reset();
  return out;
}

std::vector<NameRecord> Store::names() {
  std::vector<NameRecord> out;
  Stmt& q = db_->prepare(std::string(kNameCols) + "ORDER BY name");
  while (q.step()) out.push_back(read_name(q));
  return out;
}

void Store::remove_name(ByteSpan name) {
  db_->prepare("DELETE FROM names WHERE name = ?").bind(1, name).run();
}

int64_t Store::enqueue_firstupdate(const QueuedFirstUpdate& q) {
  db_->prepare(
         "INSERT INTO name_queue(name, salt, value, new_txid, new_vout, state, created) "
         "VALUES(?,?,?,?,?,?,?)")
      .bind(1, ByteSpan(q.name))
      .bind(2, ByteSpan(q.salt))
      .bind(3, ByteSpan(q.value))
      .bind(4, span(q.name_new.txid))
      .bind(5, q.name_new.index)
      .bind(6, queue_state_name(q.state))
      .bind(7, q.created ? q.created : static_cast<int64_t>(std::time(nullptr)))
      .run();
  return db_->last_insert_rowid();
}

std::vector<QueuedFirstUpdate> Store::queued_firstupdates() {
  std::vector<QueuedFirstUpdate> out;
  Stmt& q = db_->prepare(
      "SELECT id, name, salt, value, new_txid, new_vout, state, coalesce(error, ''), created "
      "FROM name_queue ORDER BY id");
  while (q.step()) {
    QueuedFirstUpdate f;
    f.id = q.i64(0);
    f.name = q.blob(1);
    f.salt = q.blob(2);
    f.value = q.blob(3);
    f.name_new.txid = q.hash(4);
    f.name_new.index = static_cast<uint32_t>(q.i64(5));
    f.state = parse_queue_state(q.text(6));
    f.error = q.text(7);
    f.created = q.i64(8);
    out.push_back(std::move(f));
  }
  return out;
}

void Store::set_queue_state(int64_t id, QueueState state, std::string_view error) {
  db_->prepare("UPDATE name_queue SET state = ?, error = ? WHERE id = ?")
      .bind(1, queue_state_name(state))
      .bind(2, error)
      .bind(3, id)
      .run();
}

// ---- coin control, certificates, settings ----

void Store::set_coin_frozen(const chain::OutPoint& op, bool frozen) {
  if (frozen)
    db_->prepare("INSERT OR IGNORE INTO frozen_coins(txid, vout) VALUES(?,?)")
        .bind(1, span(op.txid))
        .bind(2, op.index)
        .run();
  else
    db_->prepare("DELETE FROM frozen_coins WHERE txid = ? AND vout = ?")
        .bind(1, span(op.txid))
        .bind(2, op.index)
        .run();
}

std::vector<chain::OutPoint> Store::frozen_coins() {
  std::vector<chain::OutPoint> out;
  Stmt& q = db_->prepare("SELECT txid, vout FROM frozen_coins");
  while (q.step()) out.push_back({q.hash(0), static_cast<uint32_t>(q.i64(1))});
  return out;
}

void Store::pin_certificate(std::string_view host_port, ByteSpan der) {
  db_->prepare("INSERT OR REPLACE INTO pinned_certs(host_port, der, pinned_at) VALUES(?,?,?)")
      .bind(1, host_port)
      .bind(2, der)
      .bind(3, static_cast<int64_t>(std::time(nullptr)))
      .run();
}

std::optional<Bytes> Store::pinned_certificate(std::string_view host_port) {
  Stmt& q = db_->prepare("SELECT der FROM pinned_certs WHERE host_port = ?");
  q.bind(1, host_port);
  std::optional<Bytes> out;
  if (q.step()) out = q.blob(0);
  q.reset();
  return out;
}

void Store::unpin_certificate(std::string_view host_port) {
  db_->prepare("DELETE FROM pinned_certs WHERE host_port = ?").bind(1, host_port).run();
}

void Store::set_setting(std::string_view key, std::string_view value) {
  db_->prepare("INSERT OR REPLACE INTO settings(key, value) VALUES(?,?)")
      .bind(1, key)
      .bind(2, value)
      .run();
}

void Store::remove_setting(std::string_view key) {
  db_->prepare("DELETE FROM settings WHERE key = ?").bind(1, key).run();
}

std::optional<std::string> Store::setting(std::string_view key) {
  Stmt& q = db_->prepare("SELECT value FROM settings WHERE key = ?");
  q.bind(1, key);
  std::optional<std::string> out;
  if (q.step()) out = q.text(0);
  q.reset();
  return out;
}

std::vector<std::string> Store::setting_keys(std::string_view prefix) {
  // substr rather than LIKE: '_' and '%' in a prefix are not wildcards.
  Stmt& q = db_->prepare("SELECT key FROM settings WHERE substr(key, 1, ?) = ? ORDER BY key");
  q.bind(1, static_cast<int64_t>(prefix.size())).bind(2, prefix);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.text(0));
  q.reset();
  return out;
}

// ---- headers ----

void Store::replace_headers_from(int32_t from_height, const std::vector<StoredHeader>& headers) {
  Batch b(*this);
  db_->prepare("DELETE FROM headers WHERE height >= ?").bind(1, from_height).run();
  for (const auto& h : headers) {
    db_->prepare("INSERT INTO headers(height, hash, header, work) VALUES(?,?,?,?)")
        .bind(1, h.height)
        .bind(2, span(h.hash))
        .bind(3, ByteSpan(h.header80))
        .bind(4, span(h.work))
        .run();
  }
  b.commit();
}

static StoredHeader read_header(const Stmt& q) {
  StoredHeader h;
  h.height = q.i32(0);
  h.hash = q.hash(1);
  h.header80 = q.blob(2);
  h.work = q.hash(3);
  if (h.header80.size() != chain::kPureHeaderSize)
    throw StoreError("stored header is not 80 bytes");
  return h;
}

std::vector<StoredHeader> Store::load_headers() {
  std::vector<StoredHeader> out;
  Stmt& q = db_->prepare("SELECT height, hash, header, work FROM headers ORDER BY height");
  while (q.step()) out.push_back(read_header(q));
  return out;
}

std::optional<StoredHeader> Store::header_at(int32_t height) {
  Stmt& q = db_->prepare("SELECT height, hash, header, work FROM headers WHERE height = ?");
  q.bind(1, height);
  std::optional<StoredHeader> out;
  if (q.step()) out = read_header(q);
  q.reset();
  return out;
}

}  // namespace redoubt::broker
