#include "broker/wallet_events.h"

#include <cstdio>

#include "chain/bytes.h"

namespace redoubt::broker {

WalletEventHub::WalletEventHub() : tasks_(handler_) {}

void WalletEventHub::attach(WalletEngine& engine) {
  engine_ = &engine;
  engine.on_progress([this](const SyncStatus& st) { on_progress(st); });
}

void WalletEventHub::subscribe(ipc::schema::WalletEvents::Client events) {
  uint64_t id = next_id_++;
  subs_.push_back({id, events});
  if (engine_ != nullptr) {
    // The current state at once, so a new ui does not wait for the next block.
    SyncStatus st = engine_->status();
    auto req = events.syncProgressRequest();
    auto p = req.initProgress();
    p.setHeight(static_cast<uint32_t>(std::max(0, st.height)));
    p.setTarget(static_cast<uint32_t>(std::max(0, st.server_height)));
    p.setAddressesPending(static_cast<uint32_t>(st.pending));
    send(id, req.send().ignoreResult());
  }
}

void WalletEventHub::notice(const std::string& message) {
  if (subs_.empty()) {
    fprintf(stderr, "redoubt: %s\n", message.c_str());
    return;
  }
  for (auto& s : subs_) {
    auto req = s.client.noticeRequest();
    req.setMessage(message);
    send(s.id, req.send().ignoreResult());
  }
}

void WalletEventHub::send(uint64_t id, kj::Promise<void> call) {
  // A ui that went away (or answers with an error) is dropped; the broker
  // never fails because a listener did.
  tasks_.add(call.catch_([this, id](kj::Exception&&) { drop(id); }));
}

void WalletEventHub::drop(uint64_t id) {
  std::erase_if(subs_, [id](const Sub& s) { return s.id == id; });
}

void WalletEventHub::on_progress(const SyncStatus& st) {
  if (subs_.empty()) return;
  for (auto& s : subs_) {
    auto req = s.client.syncProgressRequest();
    auto p = req.initProgress();
    p.setHeight(static_cast<uint32_t>(std::max(0, st.height)));
    p.setTarget(static_cast<uint32_t>(std::max(0, st.server_height)));
    p.setAddressesPending(static_cast<uint32_t>(st.pending));
    send(s.id, req.send().ignoreResult());
  }
  // Balance and new transactions: compared with what was last announced,
  // once the addresses in flight are done (not after each one of thousands
  // during a first sync: history() walks the whole wallet).
  if (engine_ == nullptr || !engine_->has_wallet() || st.pending != 0) return;
  Balance b = engine_->model().balance();
  bool changed = !have_balance_ || b.confirmed != last_balance_.confirmed ||
                 b.unconfirmed != last_balance_.unconfirmed || b.frozen != last_balance_.frozen ||
                 b.locked_in_names != last_balance_.locked_in_names;
  std::vector<HistoryItem> fresh;
  // The walk is O(wallet): only when a transaction was added since the last.
  const auto& model = engine_->model();
  const std::pair<uint64_t, size_t> at{model.additions(), model.history_size()};
  if (!seen_init_ || at != seen_at_) {
    seen_at_ = at;
    for (const auto& h : model.history()) {
      std::string txid = chain::to_hex_reversed(h.txid);
      if (seen_txids_.insert(txid).second && seen_init_) fresh.push_back(h);
    }
  }
  seen_init_ = true;  // what was there at the first report is not "new"
  have_balance_ = true;
  last_balance_ = b;
  for (auto& s : subs_) {
    for (const auto& h : fresh) {
      auto req = s.client.newTransactionRequest();
      auto it = req.initItem();
      it.setTxid(chain::to_hex_reversed(h.txid));
      it.setHeight(h.height);
      it.setTimestamp(h.first_seen);
      it.setDelta(h.delta);
      it.setFee(h.fee.value_or(0));
      it.setBalance(h.balance);
      it.setVerified(h.verified);
      it.setLabel(h.label);
      send(s.id, req.send().ignoreResult());
    }
    if (changed) {
      auto req = s.client.balanceChangedRequest();
      auto o = req.initBalance();
      o.setConfirmed(b.confirmed);
      o.setUnconfirmed(b.unconfirmed);
      o.setFrozen(b.frozen);
      o.setLockedInNames(b.locked_in_names);
      send(s.id, req.send().ignoreResult());
    }
  }
}

}  // namespace redoubt::broker
