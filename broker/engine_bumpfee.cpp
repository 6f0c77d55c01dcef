// The wallet engine's bumpfee: gathers what build_bumpfee needs from the
// wallet model, has keyd sign the replacement, broadcasts it and marks the
// original replaced (balance, history and coin selection stop counting it).
#include <ctime>

#include "broker/bumpfee.h"
#include "broker/engine.h"
#include "broker/engine_internal.h"
#include "chain/names.h"

namespace redoubt::broker {

using namespace engine_detail;

kj::Promise<SendOutcome> WalletEngine::bump_fee(std::string txid_hex, int64_t rate,
                                                chain::Bytes password) {
  auto& m = model();
  if (crosscheck_.this_run && crosscheck_.status == CrossCheckStatus::kDisagree) {
    wipe(password);
    require_undisputed_tip();
  }
  chain::Hash256 txid = guarded([&] { return chain::hash_from_hex_reversed(txid_hex); });
  auto rec = m.transaction(txid);
  if (!rec) {
    wipe(password);
    if (auto d = m.dropped(txid))
      ipc::fail(ErrorCode::kUsage, "that transaction was already " + d->reason +
                                       (d->by ? " by " + chain::to_hex_reversed(*d->by) : ""));
    ipc::fail(ErrorCode::kUsage, "that transaction is not in this wallet");
  }
  if (rec->height > 0) {
    wipe(password);
    ipc::fail(ErrorCode::kUsage, "that transaction is already confirmed");
  }
  if (rate <= 0) {
    wipe(password);
    ipc::fail(ErrorCode::kUsage, "give the new fee rate (--fee-rate, sat/kvB)");
  }
  BumpRequest req;
  req.original = guarded([&] { return chain::parse_transaction(rec->raw); });
  for (const auto& in : req.original.inputs) {
    auto c = m.own_output(in.prevout);
    if (!c) {
      wipe(password);
      ipc::fail(ErrorCode::kUsage, "the transaction spends coins that are not this wallet's");
    }
    req.spent.push_back(*c);
  }
  for (uint32_t i = 0; i < req.original.outputs.size(); ++i) {
    const auto& script = req.original.outputs[i].script_pubkey;
    const AddressRecord* a = m.address_by_script(script);
    if (a == nullptr) continue;  // foreign: never touched
    auto own = m.own_output({txid, i});
    if (!own) continue;
    if (a->change && !req.change_index) {
      req.change_index = i;
      req.change = OwnAddress{a->id, script, own->path, own->type};
    } else {
      req.own_outputs.push_back({i, own->path});
    }
  }
  if (!req.change_index) req.change = m.fresh_address(true);
  // BIP125 rule 2: no new unconfirmed inputs; frozen coins and names stay.
  for (const auto& c : m.coins())
    if (c.height > 0 && !c.frozen && !c.is_name) req.extra.push_back(c);
  BuildOptions opt = build_options(rate);
  req.fee_rate = opt.fee_rate;
  req.max_fee = opt.policy.max_fee;

  kj::Promise<int64_t> relay = session_ ? session_->relay_fee() : kj::Promise<int64_t>(int64_t{0});
  return relay.then([this, req = std::move(req), password = std::move(password),
                     txid](int64_t relay_rate) mutable {
    // The increment the network asks of a replacement: its relay fee (as
    // Electrum does), never below Core's 1000 sat/kvB.
    req.incremental_rate = std::max<int64_t>(relay_rate, 1000);
    BuiltTx built = guarded([&] { return build_bumpfee(req); });
    return sign_and_send(std::move(built), std::move(password), AfterSigning::kBroadcast, "", {})
        .then([this, txid](SendOutcome out) {
          model_->drop_transaction(txid, "replaced", out.txid, static_cast<int64_t>(time(nullptr)));
          notice_("bumpfee: " + chain::to_hex_reversed(txid) + " replaced by " +
                  chain::to_hex_reversed(out.txid));
          return out;
        });
  });
}

}  // namespace redoubt::broker
