// The initial sync of a bulk wallet (tests/support/bulk_wallet.h) through
// the real process tree, shared by the sync_100k benchmark and its small
// ctest variant: the wallet is restored offline from a known seed, the first
// `getbalance` given the server is the initial sync (timed), and what the
// wallet stored is then read back from its database. Also the baseline: the
// same Electrum requests issued raw, one at a time, through the same SOCKS
// proxy, without verification or storage.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "chain/hash.h"
#include "chain/names.h"
#include "tests/e2e/e2e_driver.h"
#include "tests/support/bulk_wallet.h"
#include "tests/support/json_client.h"
#include "tests/support/socks_server.h"

namespace redoubt::test {

// An Electrum segwit seed (the one tests/e2e/secrets_memory_test.cpp uses).
inline constexpr char kBulkPhrase[] =
    "bitter grass shiver impose acquire brush forget axis eager alone wine silver";

struct BulkSync {
  std::string error;  // non-empty: a command failed (its stderr)
  double seconds = 0;
  int64_t confirmed = 0, unconfirmed = 0;  // getbalance, satoshis
  int transactions = 0, verified = 0;      // rows in the wallet's database
  int receive_used = 0, change_used = 0;
};

// "12.5" (NMC, as the JSON output gives amounts) -> 1250000000 satoshis, exactly.
inline int64_t parse_sat(const std::string& s) {
  size_t dot = s.find('.');
  std::string whole = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  frac.resize(8, '0');
  return std::stoll(whole.empty() ? "0" : whole) * 100'000'000 + std::stoll(frac);
}

inline int sql_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  int v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

inline BulkSync bulk_sync(const testsupport::UniverseEndpoints& ep, const std::string& dir) {
  BulkSync out;
  std::vector<std::string> base = {bin("redoubt"),     "--datadir", dir,
                                   "--network",        "regtest",   "--proxy",
                                   "unix:" + ep.socks, "--json"};
  // Offline (no --server): the restore starts no sync of its own.
  std::vector<std::string> restore = base;
  restore.push_back("restore");
  Result rs = run(restore, std::string(kBulkPhrase) + "\nbulk-pw\n");
  if (rs.rc != 0) {
    out.error = "restore: " + rs.err;
    return out;
  }
  std::vector<std::string> balance = base;
  balance.insert(balance.end(), {"--server", "electrum.test:50001:t", "getbalance"});
  auto t0 = std::chrono::steady_clock::now();
  Result b = collect(spawn_with_input(balance, ""), 30 * 60 * 1000);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Json j = b.json();
  if (b.rc != 0 || !j.is_object()) {
    out.error = "getbalance (rc " + std::to_string(b.rc) + "): " + b.err;
    return out;
  }
  out.confirmed = parse_sat(j["confirmed"].get<std::string>());
  out.unconfirmed = parse_sat(j.value("unconfirmed", "0"));  // shown only when not zero

  sqlite3* db = nullptr;
  if (sqlite3_open_v2((dir + "/regtest/wallet.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    out.error = "cannot open the wallet database";
    sqlite3_close(db);
    return out;
  }
  out.transactions = sql_int(db, "SELECT count(*) FROM transactions");
  out.verified = sql_int(db, "SELECT count(*) FROM transactions WHERE verified = 1 AND height > 0");
  out.receive_used = sql_int(db, "SELECT count(*) FROM addresses WHERE used = 1 AND change = 0");
  out.change_used = sql_int(db, "SELECT count(*) FROM addresses WHERE used = 1 AND change = 1");
  sqlite3_close(db);
  return out;
}

struct FetchOnly {
  double seconds = 0;
  int requests = 0;
  int transactions = 0;
};

// The baseline: what the sync asks the server, raw, over one connection
// through the same SOCKS proxy and pipelined as the engine pipelines it
// (8 addresses at once: their subscriptions, then the histories of the used
// ones, then every new transaction and its merkle proof together): headers
// in chunks of 2016, and each transaction fetched once. No verification, no
// storage, no IPC. (The 30 never-used gap addresses the wallet also
// subscribes are left out: 0.15% of the requests at 20,000 addresses.)
inline FetchOnly electrum_fetch_only(const testsupport::UniverseEndpoints& ep,
                                     const testsupport::BulkWallet& w) {
  FetchOnly out;
  auto t0 = std::chrono::steady_clock::now();
  auto c = testsupport::JsonClient::adopt(
      testsupport::socks5_connect(ep.socks, "electrum.test", 50001, "fetch", "only"));
  int64_t next_id = 1000;
  // Sends every request, then reads their results (in request order).
  auto pipelined = [&](const std::vector<std::pair<std::string, Json>>& reqs) {
    std::map<int64_t, size_t> slot;
    std::string lines;
    for (size_t i = 0; i < reqs.size(); ++i) {
      slot[next_id] = i;
      if (i) lines += '\n';
      lines += Json{{"jsonrpc", "2.0"},
                    {"id", next_id++},
                    {"method", reqs[i].first},
                    {"params", reqs[i].second}}
                   .dump();
    }
    out.requests += static_cast<int>(reqs.size());
    std::vector<Json> results(reqs.size());
    if (reqs.empty()) return results;
    c.send_line(lines);
    for (size_t got = 0; got < reqs.size();) {
      auto line = c.read_line(60000, 8 << 20);
      if (!line) throw std::runtime_error("electrum_fetch_only: no reply");
      Json j = Json::parse(*line);
      if (!j.contains("id") || !slot.count(j["id"].get<int64_t>())) continue;  // a notification
      if (!j.contains("result")) throw std::runtime_error("electrum_fetch_only: " + j.dump());
      results[slot[j["id"].get<int64_t>()]] = j["result"];
      ++got;
    }
    return results;
  };
  pipelined({{"server.version", Json::array({"bench", "1.4"})}});
  int tip = pipelined({{"blockchain.headers.subscribe", Json::array()}})[0]["height"];
  for (int h = 1; h <= tip; h += 2016)
    pipelined({{"blockchain.block.headers", Json::array({h, 2016})}});
  std::vector<std::string> shs;
  for (const auto* scripts : {&w.receive_scripts, &w.change_scripts})
    for (const auto& s : *scripts) shs.push_back(chain::electrum_script_hash(s));
  std::set<std::string> seen;
  for (size_t i = 0; i < shs.size(); i += 8) {
    std::vector<std::pair<std::string, Json>> subs, hist, txs;
    for (size_t k = i; k < std::min(shs.size(), i + 8); ++k)
      subs.push_back({"blockchain.scripthash.subscribe", Json::array({shs[k]})});
    auto statuses = pipelined(subs);
    for (size_t k = 0; k < statuses.size(); ++k)
      if (!statuses[k].is_null())
        hist.push_back({"blockchain.scripthash.get_history", subs[k].second});
    for (const auto& h : pipelined(hist)) {
      for (const auto& e : h) {
        std::string txid = e["tx_hash"];
        if (!seen.insert(txid).second) continue;
        txs.push_back({"blockchain.transaction.get", Json::array({txid})});
        txs.push_back({"blockchain.transaction.get_merkle", Json::array({txid, e["height"]})});
      }
    }
    pipelined(txs);
  }
  out.transactions = static_cast<int>(seen.size());
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace redoubt::test
