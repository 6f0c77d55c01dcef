// The wallet engine's recovery of local transactions after a crash: a send
// killed between keyd's signature and the server's answer left a transaction
// recorded as ours (its coins spent) that the network may never have seen.
// After the next sync it goes out again, each on its own isolated stream.
// One whose coins a confirmed transaction spent meanwhile was already
// dropped as conflicted by the sync (WalletModel::apply_transaction).
// A transaction held for the user's answer that never came is forgotten.
#include "broker/engine.h"
#include "broker/engine_internal.h"

namespace redoubt::broker {

using namespace engine_detail;

void WalletEngine::forget_held(const chain::Hash256& txid) {
  if (!store_ || !store_->setting(held_key(txid))) return;
  Store::Batch b(*store_);
  auto rec = model_->transaction(txid);
  // Never broadcast (that turns the marker into broadcast_pending), so no
  // server can know it; still, only a local unconfirmed record goes.
  if (rec && rec->local && rec->height <= 0) model_->remove_transaction(txid);
  store_->remove_setting(held_key(txid));
  b.commit();
}

void WalletEngine::forget_all_held() {
  if (!store_) return;
  for (const auto& key : store_->setting_keys(kHeldPrefix)) {
    auto hex = std::string_view(key).substr(kHeldPrefix.size());
    chain::Hash256 txid{};
    try {
      txid = chain::hash_from_hex_reversed(std::string(hex));
    } catch (const std::exception&) {
      store_->remove_setting(key);  // not ours to interpret: drop the marker only
      continue;
    }
    forget_held(txid);
  }
}

kj::Promise<void> WalletEngine::rebroadcast_local() {
  if (!store_ || !session_) return kj::READY_NOW;
  kj::Promise<void> p = kj::READY_NOW;
  for (const auto& txid : model_->local_unconfirmed()) {
    // A send under way answers for itself; a signed-only transaction
    // (signtransaction, --no-broadcast) is the user's to broadcast.
    if (in_flight_.count(txid) || !store_->setting(broadcast_pending_key(txid))) continue;
    auto rec = model_->transaction(txid);
    if (!rec) continue;
    const std::string shown = chain::to_hex_reversed(txid);
    p = p.then([this, txid, shown, raw = std::move(rec->raw)] {
      return broadcast_isolated(raw, "").then(
          [this, txid, shown](chain::Hash256 got) {
            if (got != txid) return;
            store_->remove_setting(broadcast_pending_key(txid));
            notice_("rebroadcast " + shown + ", a send the broker did not see answered");
          },
          [this, shown](kj::Exception&& e) {
            // Kept (and its coins spent) until a confirmed spend drops it
            // or a later sync gets it out.
            notice_("could not rebroadcast " + shown +
                    " (will retry at the next sync): " + ipc::from_exception(e).what());
          });
    });
  }
  return p;
}

}  // namespace redoubt::broker
