#include "broker/migrations.h"

#include <array>

namespace redoubt::broker {
namespace {

// Version 1. Hashes (txids, block hashes) are 32-byte blobs in internal byte
// order; amounts are integer satoshis. No table may ever hold private key
// material: keyd alone has keys (docs/architecture.md).
constexpr std::string_view kV1 = R"sql(
CREATE TABLE accounts(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,                 -- derivation path of the account, e.g. m/0'
  xpub TEXT NOT NULL UNIQUE,
  script_type INTEGER NOT NULL,       -- 0 p2wpkh, 1 p2pkh
  gap_receive INTEGER NOT NULL DEFAULT 20,
  gap_change INTEGER NOT NULL DEFAULT 10);

CREATE TABLE addresses(
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  change INTEGER NOT NULL CHECK(change IN (0, 1)),
  idx INTEGER NOT NULL CHECK(idx >= 0),
  script BLOB NOT NULL UNIQUE,
  scripthash TEXT NOT NULL UNIQUE,    -- Electrum: sha256(script), reversed hex
  used INTEGER NOT NULL DEFAULT 0,
  frozen INTEGER NOT NULL DEFAULT 0,
  label TEXT,
  UNIQUE(account_id, change, idx));

CREATE TABLE transactions(
  txid BLOB PRIMARY KEY CHECK(length(txid) = 32),
  raw BLOB NOT NULL,
  height INTEGER NOT NULL DEFAULT 0,  -- 0: unconfirmed
  position INTEGER NOT NULL DEFAULT -1,
  verified INTEGER NOT NULL DEFAULT 0,-- merkle proof checked against our headers
  first_seen INTEGER NOT NULL,
  fee INTEGER,                        -- known when every input's value is known
  local INTEGER NOT NULL DEFAULT 0,   -- created here, not yet seen from a server
  label TEXT) WITHOUT ROWID;
CREATE INDEX transactions_height ON transactions(height);

CREATE TABLE outputs(
  txid BLOB NOT NULL REFERENCES transactions(txid) ON DELETE CASCADE,
  vout INTEGER NOT NULL,
  value INTEGER NOT NULL,
  script BLOB NOT NULL,
  address_id INTEGER REFERENCES addresses(id),  -- NULL: not ours
  name_op INTEGER,                    -- NULL, 0 new, 1 firstupdate, 2 update
  name BLOB,
  name_value BLOB,
  PRIMARY KEY(txid, vout)) WITHOUT ROWID;
CREATE INDEX outputs_address ON outputs(address_id);

CREATE TABLE spends(
  prev_txid BLOB NOT NULL,
  prev_vout INTEGER NOT NULL,
  spending_txid BLOB NOT NULL REFERENCES transactions(txid) ON DELETE CASCADE,
  input_index INTEGER NOT NULL,
  PRIMARY KEY(prev_txid, prev_vout, spending_txid)) WITHOUT ROWID;
CREATE INDEX spends_spending ON spends(spending_txid);

CREATE TABLE names(
  name BLOB PRIMARY KEY,
  value BLOB NOT NULL,
  txid BLOB NOT NULL,
  vout INTEGER NOT NULL,
  height INTEGER NOT NULL,            -- 0 while the last operation is unconfirmed
  owner_address_id INTEGER REFERENCES addresses(id),
  identifier TEXT) WITHOUT ROWID;     -- pseudonymous identifier shared by names

CREATE TABLE name_queue(
  id INTEGER PRIMARY KEY,
  name BLOB NOT NULL,
  salt BLOB NOT NULL CHECK(length(salt) <= 20),
  value BLOB NOT NULL,
  new_txid BLOB NOT NULL,             -- the name_new this firstupdate spends
  new_vout INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'waiting'
    CHECK(state IN ('waiting', 'broadcast', 'done', 'failed')),
  error TEXT,
  created INTEGER NOT NULL,
  UNIQUE(name, new_txid));

CREATE TABLE frozen_coins(
  txid BLOB NOT NULL,
  vout INTEGER NOT NULL,
  PRIMARY KEY(txid, vout)) WITHOUT ROWID;

CREATE TABLE pinned_certs(
  host_port TEXT PRIMARY KEY,
  der BLOB NOT NULL,
  pinned_at INTEGER NOT NULL) WITHOUT ROWID;

CREATE TABLE settings(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE headers(
  height INTEGER PRIMARY KEY,
  hash BLOB NOT NULL CHECK(length(hash) = 32),
  header BLOB NOT NULL CHECK(length(header) = 80),  -- AuxPoW dropped once verified
  work BLOB NOT NULL CHECK(length(work) = 32));      -- cumulative, little-endian
)sql";

// v2: transactions the wallet stopped counting: replaced by a fee bump of
// ours (BIP125) or conflicted (their inputs were spent by a confirmed
// transaction). Kept so a sync does not bring an evicted unconfirmed one
// back, and so the user can still see what happened.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE dropped_transactions(
  txid BLOB PRIMARY KEY CHECK(length(txid) = 32),
  raw BLOB NOT NULL,
  reason TEXT NOT NULL CHECK(reason IN ('replaced', 'conflicted')),
  by_txid BLOB CHECK(by_txid IS NULL OR length(by_txid) = 32),
  dropped_at INTEGER NOT NULL) WITHOUT ROWID;
)sql";

constexpr std::array<std::string_view, 2> kMigrations = {kV1, kV2};

}  // namespace

std::span<const std::string_view> schema_migrations() {
  return kMigrations;
}

}  // namespace redoubt::broker
