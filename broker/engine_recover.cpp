// The wallet engine's recovery of local transactions after a crash: a send
// killed between keyd's signature and the server's answer left a transaction
// recorded as ours (its coins spent) that the network may never have seen.
// After the next sync it goes out again, each on its own isolated stream.
// One whose coins a confirmed transaction spent meanwhile was already
// dropped as conflicted by the sync (WalletModel::apply_transaction).
#include "broker/engine.h"
#include "broker/engine_internal.h"

namespace redoubt::broker {

using namespace engine_detail;

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
