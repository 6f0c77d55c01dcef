// `history [--limit N] [--offset N] [--newest-first]`: the wallet's
// transactions with running balance, fetched from the broker a page at a
// time (a page costs the broker O(page); one answer stays far below the
// ui's reader limit however large the wallet). JSON as Electrum-NMC's
// `history`, plus the total.
#include <charconv>
#include <iostream>
#include <memory>

#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"

namespace redoubt::ui {
namespace {

constexpr const char* kUsage = "history [--limit N] [--offset N] [--newest-first]";
constexpr uint32_t kPage = 5'000;  // items asked for per call (the broker caps at 10,000)
constexpr int kMaxRestarts = 3;    // a sync between pages changed the history: start again

struct Row {
  std::string txid;
  int32_t height;
  int64_t timestamp, delta, fee, balance;
  bool verified;
  std::string label;
};

struct Fetch {
  uint32_t offset = 0;
  uint32_t limit = 0;  // 0: every item from offset on
  bool newest_first = false;
  std::vector<Row> rows;
  uint32_t total = 0;
  bool have_total = false;
  int restarts = 0;
};

bool parse_count(const std::string& s, uint32_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

kj::Promise<void> fetch(ipc::schema::Wallet::Client wallet, std::shared_ptr<Fetch> f) {
  auto req = wallet.historyRequest();
  const uint64_t have = f->rows.size();
  uint64_t ask = kPage;
  if (f->limit != 0) ask = std::min<uint64_t>(ask, f->limit - have);
  req.setOffset(static_cast<uint32_t>(std::min<uint64_t>(UINT32_MAX, f->offset + have)));
  req.setLimit(static_cast<uint32_t>(ask));
  req.setNewestFirst(f->newest_first);
  return req.send().then([wallet, f](auto&& r) mutable -> kj::Promise<void> {
    if (f->have_total && r.getTotal() != f->total && f->restarts < kMaxRestarts) {
      ++f->restarts;  // pages of two different histories would not line up
      f->rows.clear();
      f->have_total = false;
      return fetch(wallet, f);
    }
    f->total = r.getTotal();
    f->have_total = true;
    for (auto h : r.getItems())
      f->rows.push_back({h.getTxid().cStr(), h.getHeight(), h.getTimestamp(), h.getDelta(),
                         h.getFee(), h.getBalance(), h.getVerified(), h.getLabel().cStr()});
    const uint64_t next = static_cast<uint64_t>(f->offset) + f->rows.size();
    if (r.getItems().size() == 0 || next >= f->total ||
        (f->limit != 0 && f->rows.size() >= f->limit))
      return kj::READY_NOW;
    return fetch(wallet, f);
  });
}

}  // namespace

kj::Promise<int> cmd_history(CommandContext& ctx) {
  auto f = std::make_shared<Fetch>();
  std::string v;
  if (take_option(ctx.args, "--limit", v) && !parse_count(v, f->limit)) return usage(kUsage);
  if (take_option(ctx.args, "--offset", v) && !parse_count(v, f->offset)) return usage(kUsage);
  f->newest_first = take_flag(ctx.args, "--newest-first");
  if (!ctx.args.empty()) return usage(kUsage);
  return fetch(ctx.wallet, f).then([&ctx, f]() {
    if (ctx.json) {
      Json txs = Json::array();
      for (const auto& h : f->rows) {
        txs.push_back({{"txid", h.txid},
                       {"height", h.height},
                       {"timestamp", h.timestamp},
                       {"value", format_amount_json(h.delta)},
                       {"fee", format_amount_json(h.fee)},
                       {"balance", format_amount_json(h.balance)},
                       {"confirmations_verified", h.verified},
                       {"label", h.label}});
      }
      Json j;
      j["transactions"] = txs;
      j["total"] = f->total;
      print_json(j);
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& h : f->rows) {
      rows.push_back({h.height > 0 ? std::to_string(h.height) : "unconfirmed",
                      h.verified ? "yes" : "no", format_amount(h.delta), format_amount(h.balance),
                      h.txid});
    }
    std::cout << render_table({"HEIGHT", "VERIFIED", "AMOUNT", "BALANCE", "TXID"}, rows);
    if (f->limit != 0 || f->offset != 0)
      std::cout << f->rows.size() << " of " << f->total << " transactions\n";
    return kExitOk;
  });
}

}  // namespace redoubt::ui
