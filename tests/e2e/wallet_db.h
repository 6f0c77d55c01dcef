// Reads a wallet's database from an e2e test while no broker runs
// (read-only): what the wallet stored, not what it reports.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "chain/bytes.h"

namespace redoubt::test {

// The rows of `sql`'s first column as text (blobs as hex), from the regtest
// wallet in `wallet_dir` (the --datadir given to redoubt).
inline std::vector<std::string> query_wallet_db(const std::string& wallet_dir,
                                                const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3* db = nullptr;
  const std::string file = wallet_dir + "/regtest/wallet.db";
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << file;
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        auto p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
        rows.push_back(
            chain::to_hex(chain::ByteSpan(p, static_cast<size_t>(sqlite3_column_bytes(st, 0)))));
      } else if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
        rows.emplace_back();
      } else {
        rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
      }
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

}  // namespace redoubt::test
