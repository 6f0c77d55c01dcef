// The wallet engine's sending path: fee rate, build, keyd signs, record as
// local, broadcast on an isolated stream.
#include "broker/engine.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>

#include "broker/engine_internal.h"
#include "broker/groupings_view.h"
#include "broker/name_policy.h"
#include "broker/spv.h"
#include "chain/address.h"
#include "chain/names.h"
#include "chain/script.h"
#include "netd/servers.h"

namespace redoubt::broker {

using namespace engine_detail;

kj::Promise<int64_t> WalletEngine::fee_rate(std::optional<int64_t> requested) {
  if (requested) return *requested;
  if (options_.fee_rate > 0) return options_.fee_rate;  // redoubt.conf fee_rate
  if (!session_) return kj::Promise<int64_t>(int64_t{0});
  return session_->estimate_fee(2).then([this](int64_t est) {
    return session_->relay_fee().then([est](int64_t relay) { return std::max(est, relay); });
  });
}

BuildOptions WalletEngine::build_options(int64_t rate) {
  BuildOptions o;
  o.policy.min_rate = std::max<int64_t>(o.policy.min_rate, 1000);
  o.fee_rate = effective_fee_rate(rate > 0 ? std::optional<int64_t>(rate) : std::nullopt, o.policy);
  o.anonymity = options_.anonymity;
  return o;
}

kj::Promise<chain::Hash256> WalletEngine::broadcast_isolated(const chain::Bytes& raw,
                                                             std::string stream_id) {
  if (server_.host.empty()) {
    ipc::fail(ErrorCode::kNetwork, "no server configured: give --server HOST:PORT:s");
  }
  require_undisputed_tip();  // every broadcast comes through here
  if (stream_id.empty()) stream_id = random_stream_id("broadcast-");
  auto listener = std::make_shared<SessionListener>();
  auto pinned = store_->pinned_certificate(server_key()).value_or(chain::Bytes{});
  return open_session(sup_.network(), server_, pinned, stream_id, listener)
      .then([raw, listener](OpenedSession opened) {
        auto s = std::shared_ptr<ServerSession>(std::move(opened.session));
        return s->broadcast(raw).then([s](chain::Hash256 txid) {
          return s->close().then([txid] { return txid; }, [txid](kj::Exception&&) { return txid; });
        });
      });
}

kj::Promise<chain::Hash256> WalletEngine::broadcast(chain::Bytes raw, std::string stream_id) {
  chain::Transaction tx = guarded([&] { return chain::parse_transaction(raw); });
  chain::Hash256 txid = tx.txid();
  if (store_ && store_->setting(held_key(txid))) {
    // The user answered yes: from now on it is a send under way, retried
    // after a crash (engine_recover.cpp) rather than forgotten.
    Store::Batch b(*store_);
    store_->remove_setting(held_key(txid));
    store_->set_setting(broadcast_pending_key(txid), "1");
    b.commit();
    SendOutcome out;
    out.raw = raw;
    out.txid = txid;
    return broadcast_checked(kj::mv(out), std::move(stream_id)).then([](SendOutcome o) {
      return o.txid;
    });
  }
  return broadcast_isolated(raw, std::move(stream_id)).then([this, txid, tx](chain::Hash256 got) {
    if (got != txid) {
      ipc::fail(ErrorCode::kVerification, "the server acknowledged a different txid");
    }
    if (model_) model_->apply_transaction(tx, kUnconfirmedHeight, -1, false, true, time(nullptr));
    return txid;
  });
}

kj::Promise<SendOutcome> WalletEngine::sign_only(ipc::schema::Signer::Client signer, BuiltTx built,
                                                 std::vector<chain::Bytes> transfer_names,
                                                 bool hold) {
  // keyd takes paths below the account (change/index), as signer.capnp says;
  // the builder hands out full paths.
  auto below_account = [](const chain::KeyPath& p) {
    return p.size() <= 2 ? p : chain::KeyPath(p.end() - 2, p.end());
  };
  auto req = signer.signTransactionRequest();
  auto r = req.initRequest();
  r.setUnsignedTx(as_data(built.sign.unsigned_tx));
  auto ins = r.initInputs(built.sign.inputs.size());
  for (size_t i = 0; i < built.sign.inputs.size(); ++i) {
    ins[i].setValue(built.sign.inputs[i].value);
    ins[i].setScriptPubKey(as_data(built.sign.inputs[i].script_pubkey));
    // keyd needs the whole previous transaction of a P2PKH input to check
    // its amount (legacy signatures do not commit to it).
    const chain::Bytes& spk = built.sign.inputs[i].script_pubkey;
    auto ns = chain::decode_name_script(spk);
    if (chain::classify_script(ns ? ns->address_script : spk).type == chain::ScriptType::kP2PKH) {
      if (auto prev = model_->transaction(built.tx.inputs[i].prevout.txid)) {
        ins[i].setPrevTx(as_data(prev->raw));
      }
    }
    auto path = below_account(built.sign.inputs[i].path);
    auto p = ins[i].initPath(path.size());
    for (size_t k = 0; k < path.size(); ++k) p.set(k, path[k]);
  }
  auto ch = r.initChange(built.sign.change.size());
  for (size_t i = 0; i < built.sign.change.size(); ++i) {
    ch[i].setOutputIndex(built.sign.change[i].output_index);
    auto path = below_account(built.sign.change[i].path);
    auto p = ch[i].initPath(path.size());
    for (size_t k = 0; k < path.size(); ++k) p.set(k, path[k]);
  }
  std::vector<chain::Bytes> all = built.sign.transfer_names;
  all.insert(all.end(), transfer_names.begin(), transfer_names.end());
  auto tn = r.initTransferNames(all.size());
  for (size_t i = 0; i < all.size(); ++i) tn.set(i, as_data(all[i]));
  return req.send().then([this, hold](auto&& resp) {
    SendOutcome out;
    out.raw = to_bytes(resp.getSignedTx());
    out.signed_by_keyd = true;
    auto s = resp.getSummary();
    for (auto o : s.getForeignOutputs())
      out.foreign.push_back({o.getIndex(), o.getValue(), to_bytes(o.getScriptPubKey())});
    out.fee = s.getFee();
    out.change = s.getChange();
    out.vsize = s.getVsize();
    for (auto n : s.getNames())
      out.names.push_back(
          {to_bytes(n.getName()), n.getOperation(), to_bytes(n.getValue()), n.getToForeign()});
    chain::Transaction tx = chain::parse_transaction(out.raw);
    out.txid = tx.txid();
    // Recorded as ours before broadcasting, so a second send right after
    // this one never spends the same coins; a held one with its marker, in
    // the same database transaction.
    Store::Batch b(*store_);
    model_->apply_transaction(tx, kUnconfirmedHeight, -1, false, true, time(nullptr));
    if (hold) store_->set_setting(held_key(out.txid), "1");
    b.commit();
    return out;
  });
}

kj::Promise<SendOutcome> WalletEngine::sign_and_send(BuiltTx built, chain::Bytes password,
                                                     AfterSigning after, std::string stream_id,
                                                     std::vector<chain::Bytes> transfer_names) {
  auto signer = sup_.signer();
  auto unlocked = unlock_keyd(signer, password);
  wipe(password);  // the request message holds the only copy now
  return unlocked
      .then([this, signer, built = std::move(built), transfer_names, after]() mutable {
        return sign_only(signer, std::move(built), std::move(transfer_names),
                         after == AfterSigning::kHold);
      })
      .then([this, signer, after, stream_id](SendOutcome out) mutable {
        // Lock again at once: one-shot signing keeps keys unlocked no longer
        // than it takes.
        tasks_.add(signer.lockRequest().send().ignoreResult());
        if (after != AfterSigning::kBroadcast) return kj::Promise<SendOutcome>(kj::mv(out));
        return broadcast_checked(kj::mv(out), stream_id);
      });
}

kj::Promise<SendOutcome> WalletEngine::sign_transaction(chain::Bytes unsigned_tx,
                                                        chain::Bytes password) {
  auto& m = model();
  chain::Transaction tx = guarded([&] { return chain::parse_transaction(unsigned_tx); });
  BuiltTx built;
  built.tx = tx;
  built.sign.unsigned_tx = unsigned_tx;
  for (const auto& in : tx.inputs) {
    auto coin = m.coin(in.prevout);
    if (!coin) {
      wipe(password);
      ipc::fail(ErrorCode::kUsage, "input " + chain::to_hex_reversed(in.prevout.txid) + ":" +
                                       std::to_string(in.prevout.index) +
                                       " is not an unspent coin of this wallet");
    }
    built.sign.inputs.push_back({coin->value, coin->script_pubkey, coin->path});
  }
  // Outputs to our own addresses are named as change, so keyd can check them.
  for (uint32_t i = 0; i < tx.outputs.size(); ++i) {
    auto ns = chain::decode_name_script(tx.outputs[i].script_pubkey);
    const chain::Bytes& script = ns ? ns->address_script : tx.outputs[i].script_pubkey;
    if (const AddressRecord* a = m.address_by_script(script)) {
      built.sign.change.push_back({i, m.path_of(*a)});
    }
  }
  return sign_and_send(std::move(built), std::move(password), AfterSigning::kKeep, "", {});
}

kj::Promise<SendOutcome> WalletEngine::pay(PayRequest req) {
  model();
  // Before keyd is asked for anything (broadcast_isolated checks again).
  if (req.broadcast && !req.unsigned_only) require_undisputed_tip();
  std::vector<Destination> dests;
  guarded([&] {
    for (const auto& [addr, sat] : req.outputs) {
      if (sat <= 0)
        ipc::fail(ErrorCode::kUsage, "amounts must be positive ('!' is not supported yet)");
      dests.push_back({chain::address_to_script(addr, params_), sat});
    }
    return 0;
  });
  auto rate_promise = fee_rate(req.fee_rate);
  return rate_promise.then([this, req = std::move(req), dests](int64_t rate) mutable {
    BuildOptions opt = build_options(rate);
    opt.rbf = req.rbf;
    if (!req.from_coins.empty()) {
      std::set<std::pair<chain::Hash256, uint32_t>> s;
      for (const auto& c : req.from_coins) {
        auto op = parse_outpoint(c);
        s.insert({op.txid, op.index});
      }
      opt.from_coins = s;
    }
    if (!req.from_addresses.empty()) {
      std::set<AddressId> s;
      for (const auto& a : req.from_addresses) {
        auto script = guarded([&] { return chain::address_to_script(a, params_); });
        const AddressRecord* rec = model_->address_by_script(script);
        if (rec == nullptr) ipc::fail(ErrorCode::kUsage, a + " is not an address of this wallet");
        s.insert(rec->id);
      }
      opt.from_addresses = s;
    }
    BuiltTx built = guarded([&] {
      return build_payment(model_->coins(), model_->groupings(), dests, model_->fresh_address(true),
                           opt);
    });
    if (req.unsigned_only) {
      SendOutcome out;
      out.raw = built.sign.unsigned_tx;
      out.txid = built.tx.txid();
      out.fee = built.fee;
      out.vsize = static_cast<uint32_t>(built.vsize);
      return kj::Promise<SendOutcome>(kj::mv(out));
    }
    auto after = req.broadcast ? AfterSigning::kBroadcast
                 : req.hold    ? AfterSigning::kHold
                               : AfterSigning::kKeep;
    return sign_and_send(std::move(built), std::move(req.sealed_password), after, req.stream_id,
                         {});
  });
}

kj::Promise<SendOutcome> WalletEngine::finish_send(ipc::schema::Signer::Client signer,
                                                   SendOutcome out) {
  tasks_.add(signer.lockRequest().send().ignoreResult());
  return broadcast_checked(kj::mv(out), "");
}

// Broadcasts a transaction already recorded as ours. If the server refuses it
// (or the txid it acknowledges is another), the local record is removed, so
// its coins do not stay spent in the wallet for ever.
kj::Promise<SendOutcome> WalletEngine::broadcast_checked(SendOutcome out, std::string stream_id) {
  chain::Hash256 txid = out.txid;
  auto raw = out.raw;
  in_flight_.insert(txid);
  store_->set_setting(broadcast_pending_key(txid), "1");
  return broadcast_isolated(raw, std::move(stream_id))
      .then([this, out](chain::Hash256 got) mutable {
        if (got != out.txid) {
          ipc::fail(ErrorCode::kVerification, "the server acknowledged a different txid");
        }
        in_flight_.erase(out.txid);
        store_->remove_setting(broadcast_pending_key(out.txid));
        out.broadcast = true;
        return out;
      })
      .catch_([this, txid](kj::Exception&& e) -> SendOutcome {
        in_flight_.erase(txid);
        store_->remove_setting(broadcast_pending_key(txid));
        auto rec = model_->transaction(txid);
        if (rec && rec->local && rec->height <= 0) model_->remove_transaction(txid);
        kj::throwFatalException(kj::mv(e));
      });
}

}  // namespace redoubt::broker
