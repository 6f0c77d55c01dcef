// The control protocol's commands (documented in README.md), mapped onto the
// Universe API. One command in, one JSON object out: {"ok": true, ...} or
// {"ok": false, "error": "..."}.
#include <cmath>
#include <sstream>

#include "chain/address.h"
#include "chain/params.h"
#include "tests/support/universe.h"

namespace redoubt::testsupport {

using nlohmann::json;

namespace {
// "1.5" NMC -> 150000000 satoshis; rejects more than 8 decimals.
int64_t parse_amount(const std::string& s) {
  size_t dot = s.find('.');
  std::string whole = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) throw std::invalid_argument("bad amount");
  if (frac.size() > 8) throw std::invalid_argument("amount has more than 8 decimals");
  for (char c : whole + frac) {
    if (c < '0' || c > '9') throw std::invalid_argument("bad amount: " + s);
  }
  if (whole.size() > 8) throw std::invalid_argument("amount too large");
  frac.resize(8, '0');
  return std::stoll(whole.empty() ? "0" : whole) * 100'000'000LL + std::stoll(frac);
}

int parse_count(const std::string& s) {
  if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) {
    throw std::invalid_argument("bad number: " + s);
  }
  return std::stoi(s);
}

// The rest of the line after `n` space-separated words.
std::string rest_after(const std::string& line, int n) {
  size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    pos = line.find(' ', pos);
    if (pos == std::string::npos) return "";
    while (pos < line.size() && line[pos] == ' ') ++pos;
  }
  return line.substr(pos);
}
}  // namespace

json Universe::control(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  try {
    if (w.empty()) throw std::invalid_argument("empty command");
    const std::string& cmd = w[0];
    if (cmd == "height" && w.size() == 1) return {{"ok", true}, {"height", height()}};
    if (cmd == "mine" && (w.size() == 2 || w.size() == 3)) {
      auto blocks = mine(parse_count(w[1]), w.size() == 3 ? w[2] : "");
      return {{"ok", true}, {"height", height()}, {"blocks", blocks}};
    }
    if (cmd == "fund" && (w.size() == 3 || (w.size() == 4 && w[3] == "confirm"))) {
      std::string txid = fund(w[1], parse_amount(w[2]), w.size() == 4);
      return {{"ok", true}, {"txid", txid}, {"confirmed", w.size() == 4}, {"height", height()}};
    }
    if (cmd == "reorg" && (w.size() == 2 || w.size() == 3)) {
      int h = reorg(parse_count(w[1]), w.size() == 3 ? parse_count(w[2]) : -1);
      return {{"ok", true}, {"height", h}};
    }
    if (cmd == "name_register" && w.size() >= 3) {
      std::string txid = name_register(w[1], rest_after(line, 2));
      return {{"ok", true}, {"txid", txid}, {"height", height()}};
    }
    if (cmd == "name_update" && w.size() >= 3) {
      std::string txid = name_update(w[1], rest_after(line, 2));
      return {{"ok", true}, {"txid", txid}, {"height", height()}};
    }
    if (cmd == "name_transfer" && w.size() == 3) {
      auto rec = name_show(w[1]);
      if (!rec) throw std::runtime_error("name not found");
      std::string value(rec->value.begin(), rec->value.end());
      std::string txid = name_update(w[1], value, w[2]);
      return {{"ok", true}, {"txid", txid}, {"height", height()}};
    }
    if (cmd == "name_show" && w.size() == 2) {
      auto rec = name_show(w[1]);
      int h = height();
      if (!rec || rec->expired_at(h)) return {{"ok", false}, {"error", "name not found"}};
      auto addr = chain::script_to_address(rec->address_script, chain::regtest_params());
      return {{"ok", true},
              {"name", w[1]},
              {"value", std::string(rec->value.begin(), rec->value.end())},
              {"txid", chain::to_hex_reversed(rec->outpoint.txid)},
              {"vout", rec->outpoint.index},
              {"address", addr ? *addr : ""},
              {"height", rec->height},
              {"expires_in", rec->expires_at() - h},
              {"expired", false}};
    }
    if (cmd == "misbehave" && (w.size() == 2 || w.size() == 3)) {
      auto m = misbehaviour_from_string(w[1]);
      if (!m) throw std::invalid_argument("unknown mode: " + w[1]);
      std::string scope = w.size() == 3 ? w[2] : "next";
      if (scope != "next" && scope != "all") throw std::invalid_argument("scope is next or all");
      set_misbehaviour(*m, scope == "next" ? MisbehaviourScope::next_connection
                                           : MisbehaviourScope::all_connections);
      return {{"ok", true}, {"mode", w[1]}, {"scope", scope}};
    }
    if (cmd == "misbehave_host" && w.size() == 2) {
      auto m = misbehaviour_from_string(w[1]);
      if (!m) throw std::invalid_argument("unknown mode: " + w[1]);
      return {{"ok", true}, {"host", misbehaving_host(*m)}, {"mode", w[1]}};
    }
    if (cmd == "tx" && w.size() == 2) {
      auto raw = raw_tx(w[1]);
      if (!raw) return {{"ok", false}, {"error", "unknown transaction"}};
      return {{"ok", true}, {"hex", chain::to_hex(*raw)}, {"confirmations", confirmations(w[1])}};
    }
    if (cmd == "mempool" && w.size() == 1) {
      json ids = json::array();
      with_state([&](RegtestChain&, Mempool& mp, TestWallet&) {
        for (const auto& e : mp.entries()) ids.push_back(chain::to_hex_reversed(e.txid));
      });
      return {{"ok", true}, {"txids", ids}};
    }
    if (cmd == "socks_log" && w.size() == 1) {
      json recs = json::array();
      if (socks_) {
        for (const auto& r : socks_->records()) {
          recs.push_back({{"username", r.username},
                          {"password", r.password},
                          {"host", r.host},
                          {"port", r.port},
                          {"atyp", r.atyp},
                          {"reply", r.reply},
                          {"violation", r.violation}});
        }
      }
      return {{"ok", true}, {"records", recs}};
    }
    if (cmd == "ping" && w.size() == 1) return {{"ok", true}};
    throw std::invalid_argument("unknown command or wrong arguments: " + cmd);
  } catch (const std::exception& e) {
    return {{"ok", false}, {"error", e.what()}};
  }
}

}  // namespace redoubt::testsupport
