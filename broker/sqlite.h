// A thin RAII layer over SQLite: a connection, prepared statements (cached
// per SQL text), typed binding and columns, and scoped transactions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "broker/wallet_error.h"
#include "chain/bytes.h"

struct sqlite3;
struct sqlite3_stmt;

namespace redoubt::broker {

// One prepared statement. Bind parameters are 1-based as in SQLite; columns
// 0-based. Reset automatically before each new execution.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& reset();  // clears bindings and rewinds; returns *this for chaining
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, uint32_t v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& bind(int i, std::string_view text);
  Stmt& bind(int i, const char* text) { return bind(i, std::string_view(text)); }
  Stmt& bind(int i, chain::ByteSpan blob);
  Stmt& bind_null(int i);
  template <typename T>
  Stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }

  // Steps once: true when a row is available, false when done.
  bool step();
  // Runs to completion (for statements without result rows).
  void run();

  bool is_null(int col) const;
  int64_t i64(int col) const;
  int32_t i32(int col) const { return static_cast<int32_t>(i64(col)); }
  std::string text(int col) const;
  chain::Bytes blob(int col) const;
  chain::Hash256 hash(int col) const;  // a 32-byte blob; throws StoreError otherwise
  std::optional<int64_t> opt_i64(int col) const {
    return is_null(col) ? std::nullopt : std::optional<int64_t>(i64(col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // Opens (creating if `create`) the file. Throws StoreError naming the file.
  Database(const std::filesystem::path& path, bool create);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without results (schema, pragmas).
  void exec(std::string_view sql);
  // A cached prepared statement for this SQL text, reset and ready to bind.
  Stmt& prepare(const std::string& sql);
  int64_t last_insert_rowid() const;
  int changes() const;
  const std::filesystem::path& path() const { return path_; }
  sqlite3* raw() { return db_; }

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> cache_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called. Every
// multi-row change of the store runs inside one of these, so a crash leaves
// either all of it or none of it (SQLite's atomic commit).
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace redoubt::broker
