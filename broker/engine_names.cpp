// The wallet engine's names: lookups on isolated streams, name_new /
// firstupdate / update, and the autoregister queue.
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

// name_autoregister: the firstupdate was signed when the name_new was made
// (keyd is not asked to stay unlocked for 12 blocks); it waits in the queue,
// its raw bytes in the settings table, and goes out once the name_new is
// 12 blocks deep. namecoind would not mine it earlier.
kj::Promise<void> WalletEngine::process_queue() {
  if (!store_ || !session_) return kj::READY_NOW;
  kj::Promise<void> p = kj::READY_NOW;
  for (const auto& q : store_->queued_firstupdates()) {
    if (q.state == QueueState::kBroadcast) {
      // Done once the firstupdate is in a verified block.
      if (auto hex = store_->setting("queued_tx:" + std::to_string(q.id))) {
        auto fu = model_->transaction(chain::parse_transaction(chain::from_hex(*hex)).txid());
        if (fu && fu->verified && fu->height > 0) store_->set_queue_state(q.id, QueueState::kDone);
      }
      continue;
    }
    if (q.state != QueueState::kWaiting) continue;
    auto rec = model_->transaction(q.name_new.txid);
    if (!rec || !rec->verified || confirmations(rec->height) < 12) continue;
    auto raw_hex = store_->setting("queued_tx:" + std::to_string(q.id));
    if (!raw_hex) {
      store_->set_queue_state(q.id, QueueState::kFailed, "the signed firstupdate is missing");
      continue;
    }
    chain::Bytes raw = chain::from_hex(*raw_hex);
    int64_t id = q.id;
    p = p.then([this, raw, id] {
      return broadcast_isolated(raw, "").then(
          [this, id](chain::Hash256) {
            store_->set_queue_state(id, QueueState::kBroadcast);
            notice_("name_autoregister: broadcast the queued name_firstupdate");
          },
          [this, id](kj::Exception&& e) {
            // Left waiting: the next block retries.
            notice_(std::string("name_autoregister: broadcast failed, will retry: ") +
                    ipc::from_exception(e).what());
            (void)id;
          });
    });
  }
  return p;
}

namespace {

chain::Bytes name_salt_from(capnp::Data::Reader d) {
  if (d.size() != 20)
    ipc::fail(ipc::ErrorCode::kRefused, "keyd returned a salt that is not 20 bytes");
  return chain::Bytes(d.begin(), d.end());
}

// Asks keyd for the salt of `name` from the key of the name_new output's
// address (`full_path`; keyd takes the part below the account), as
// Electrum-NMC and Namecoin Core derive it.
kj::Promise<chain::Bytes> name_salt(ipc::schema::Signer::Client signer, const chain::Bytes& name,
                                    const chain::KeyPath& full_path) {
  auto req = signer.nameSaltRequest();
  req.setName(capnp::Data::Reader(name.data(), name.size()));
  size_t from = full_path.size() > 2 ? full_path.size() - 2 : 0;
  auto p = req.initPath(static_cast<unsigned>(full_path.size() - from));
  for (size_t i = from; i < full_path.size(); ++i)
    p.set(static_cast<unsigned>(i - from), full_path[i]);
  return req.send().then([](auto&& r) { return name_salt_from(r.getSalt()); });
}

}  // namespace

kj::Promise<NameLookup> WalletEngine::lookup_name(const chain::Bytes& name, std::string stream_id) {
  if (server_.host.empty()) {
    ipc::fail(ErrorCode::kNetwork, "no server configured: give --server HOST:PORT:s");
  }
  // Its own stream: the server (and Tor) cannot tie this lookup to our
  // main session or to our other lookups.
  if (stream_id.empty()) stream_id = random_stream_id("name-");
  auto listener = std::make_shared<SessionListener>();
  auto pinned = store_->pinned_certificate(server_key()).value_or(chain::Bytes{});
  chain::Bytes sh = scripthash_of(chain::name_index_script(name));
  return open_session(sup_.network(), server_, pinned, stream_id, listener)
      .then([this, sh, name, listener](OpenedSession opened) {
        auto s = std::shared_ptr<ServerSession>(std::move(opened.session));
        return s->get_history(sh).then([this, s, name](std::vector<UnverifiedHistoryEntry> h) {
          // Newest first; an entry we cannot verify (an orphaned block that
          // ElectrumX keeps in the name index, or a lie) is skipped, never
          // believed. Withholding the newest update is the one thing a
          // server can do, and only a second server would catch it.
          std::sort(h.begin(), h.end(),
                    [](const auto& a, const auto& b) { return a.height > b.height; });
          return try_entries(s, name, std::move(h), 0, 0);
        });
      });
}

kj::Promise<NameLookup> WalletEngine::try_entries(std::shared_ptr<ServerSession> s,
                                                  chain::Bytes name,
                                                  std::vector<UnverifiedHistoryEntry> entries,
                                                  size_t i, size_t rejected) {
  while (i < entries.size() && (entries[i].height <= 0 || entries[i].height > chain_->height()))
    ++i;
  if (i >= entries.size()) {
    if (rejected > 0) {
      ipc::fail(ErrorCode::kVerification,
                "the server's answers about this name did not verify against our headers (" +
                    std::to_string(rejected) + " rejected); try another server");
    }
    return NameLookup{};
  }
  auto e = entries[i];
  return s->get_transaction(e.txid).then([this, s, name, entries, i, rejected,
                                          e](chain::Bytes raw) mutable {
    return s->get_merkle(e.txid, static_cast<uint32_t>(e.height))
        .then([this, s, name, entries, i, rejected, e,
               raw](UnverifiedMerkle m) mutable -> kj::Promise<NameLookup> {
          MerkleProof proof{static_cast<int32_t>(m.block_height), m.pos, {}};
          for (const auto& b : m.branch) proof.branch.emplace_back(b.begin(), b.end());
          SpvVerdict v = verify_confirmed_tx(*chain_, e.txid, raw, e.height, proof);
          if (v.ok()) {
            for (uint32_t k = 0; k < v.tx->outputs.size(); ++k) {
              auto ns = chain::decode_name_script(v.tx->outputs[k].script_pubkey);
              if (!ns || ns->op.type == chain::NameOpType::kNameNew || ns->op.name != name)
                continue;
              NameView out;
              out.name = name;
              out.value = ns->op.value;
              out.txid = e.txid;
              out.vout = k;
              out.address = chain::script_to_address(ns->address_script, params_).value_or("");
              out.height = e.height;
              NameExpiry ex = name_expiry(e.height, chain_->height(), params_);
              out.expires_in = ex.expires_in;
              out.expired = ex.expired;
              // An expired name is nobody's: never shown as owned.
              out.is_mine =
                  !ex.expired && model_ && model_->address_by_script(ns->address_script) != nullptr;
              out.verified = true;
              return NameLookup{true, std::move(out)};
            }
          }
          return try_entries(s, name, std::move(entries), i + 1, rejected + 1);
        });
  });
}

kj::Promise<NameView> WalletEngine::name_show(chain::Bytes name, std::string stream_id) {
  guarded([&] {
    chain::check_name_op({chain::NameOpType::kNameUpdate, name, {}, {}, {}});
    return 0;
  });
  return lookup_name(name, std::move(stream_id)).then([](NameLookup v) {
    if (!v.found) {
      ipc::fail(ErrorCode::kUsage,
                "that name is not registered (no verified name operation found)");
    }
    if (v.view.expired) v.view.pending = "expired: anyone may register it again";
    return std::move(v.view);
  });
}

std::vector<NameView> WalletEngine::name_list() {
  std::vector<NameView> out;
  if (!store_) return out;
  // What the autoregister queue says about a name, if anything.
  std::map<chain::Bytes, std::string> queued;
  for (const auto& q : store_->queued_firstupdates()) {
    if (q.state == QueueState::kDone) continue;
    auto rec = model_->transaction(q.name_new.txid);
    int32_t conf = rec ? confirmations(rec->height) : 0;
    queued[q.name] =
        q.state == QueueState::kFailed ? "registration failed: " + q.error
        : q.state == QueueState::kBroadcast
            ? "name_firstupdate broadcast, waiting to be mined"
            : "name_firstupdate queued: " + std::to_string(std::max(0, 12 - conf)) + " more blocks";
  }
  for (const auto& n : store_->names()) {
    NameView v;
    v.name = n.name;
    v.value = n.value;
    v.txid = n.outpoint.txid;
    v.vout = n.outpoint.index;
    if (n.owner) {
      if (const AddressRecord* a = model_->address(*n.owner))
        v.address = chain::script_to_address(a->script, params_).value_or("");
    }
    v.height = n.height;
    NameExpiry ex = name_expiry(n.height, chain_->height(), params_);
    v.expires_in = n.height > 0 ? ex.expires_in : 0;
    v.expired = n.height > 0 && ex.expired;
    v.is_mine = !v.expired;
    v.verified = n.height > 0;
    if (n.height <= 0) v.pending = "unconfirmed";
    // Once the firstupdate is mined the queue's word no longer matters.
    if (n.height <= 0 && queued.count(n.name)) v.pending = queued[n.name];
    queued.erase(n.name);
    out.push_back(std::move(v));
  }
  for (const auto& [name, pending] : queued) {
    NameView v;
    v.name = name;
    v.is_mine = true;
    v.pending = pending;
    out.push_back(std::move(v));
  }
  return out;
}

kj::Promise<SendOutcome> WalletEngine::name_new(NameRequest req, bool autoregister) {
  model();
  require_undisputed_tip();
  guarded([&] {
    chain::check_name_op(
        {chain::NameOpType::kNameFirstUpdate, req.name, req.value, chain::Bytes(20, 0), {}});
    return 0;
  });
  kj::Promise<void> check = kj::READY_NOW;
  if (!req.allow_existing) {
    check = lookup_name(req.name, "").then([](NameLookup l) {
      const NameView* v = l.found ? &l.view : nullptr;
      if (v != nullptr && !v->expired) {
        ipc::fail(ErrorCode::kUsage,
                  "that name is already registered (height " + std::to_string(v->height) +
                      ", expires in " + std::to_string(v->expires_in) +
                      " blocks); use --allow-existing to pre-register it anyway");
      }
    });
  }
  auto signer = sup_.signer();
  // The name output's address is chosen first: its key makes the salt.
  OwnAddress name_address = model_->fresh_address(false);
  return check
      .then([this, signer, req, name_address]() mutable {
        return unlock_keyd(signer, req.sealed_password)
            .then([this, signer, req, name_address]() mutable {
              return name_salt(signer, req.name, name_address.path)
                  .then([this, req](chain::Bytes salt) mutable {
                    return fee_rate(req.fee_rate).then([salt](int64_t rate) mutable {
                      return std::make_pair(rate, salt);
                    });
                  });
            });
      })
      .then([this, signer, req, autoregister,
             name_address](std::pair<int64_t, chain::Bytes> rs) mutable {
        // Not a structured binding: lambdas below capture salt (clang before
        // 16 cannot capture bindings, and clang-tidy parses with it).
        const int64_t rate = rs.first;
        chain::Bytes salt = std::move(rs.second);
        BuildOptions opt = build_options(rate);
        if (!req.identifier.empty()) opt.identifier_names = names_in_scope(*store_, req.identifier);
        BuiltTx built = guarded([&] {
          return build_name_new(model_->coins(), model_->groupings(), req.name, salt, name_address,
                                model_->fresh_address(true), opt);
        });
        uint32_t name_index = built.name_index.value_or(0);
        return sign_only(signer, std::move(built), {})
            .then([this, signer, req, autoregister, salt, opt,
                   name_index](SendOutcome out) mutable -> kj::Promise<SendOutcome> {
              if (!autoregister) return kj::Promise<SendOutcome>(kj::mv(out));
              // Sign the firstupdate now, while keyd is unlocked; the broker
              // broadcasts it once the name_new is 12 blocks deep.
              auto coin = model_->coin({out.txid, name_index});
              if (!coin)
                ipc::fail(ErrorCode::kInternal, "the name_new output is not in the wallet");
              BuiltTx fu = guarded([&] {
                return build_name_firstupdate(model_->coins(), model_->groupings(), *coin, req.name,
                                              salt, req.value, model_->fresh_address(false),
                                              model_->fresh_address(true), opt);
              });
              return sign_only(signer, std::move(fu), {})
                  .then([this, req, salt, out, coin](SendOutcome queued) mutable {
                    QueuedFirstUpdate q;
                    q.name = req.name;
                    q.salt = salt;
                    q.value = req.value;
                    q.name_new = coin->outpoint;
                    q.created = time(nullptr);
                    int64_t id = store_->enqueue_firstupdate(q);
                    store_->set_setting("queued_tx:" + std::to_string(id),
                                        chain::to_hex(queued.raw));
                    return out;
                  });
            })
            .then([this, signer, req](SendOutcome out) mutable {
              return finish_send(signer, kj::mv(out))
                  .catch_([this, req](kj::Exception&& e) -> SendOutcome {
                    // The name_new never went out: its queued firstupdate
                    // (recorded as ours) must not keep coins spent either.
                    for (const auto& q : store_->queued_firstupdates()) {
                      if (q.name != req.name || q.state != QueueState::kWaiting) continue;
                      if (auto hex = store_->setting("queued_tx:" + std::to_string(q.id))) {
                        auto fu = chain::parse_transaction(chain::from_hex(*hex));
                        auto rec = model_->transaction(fu.txid());
                        if (rec && rec->local && rec->height <= 0)
                          model_->remove_transaction(fu.txid());
                      }
                      store_->set_queue_state(q.id, QueueState::kFailed,
                                              "the name_new was not accepted");
                    }
                    kj::throwFatalException(kj::mv(e));
                  });
            });
      });
}

kj::Promise<SendOutcome> WalletEngine::name_firstupdate(NameRequest req) {
  model();
  require_undisputed_tip();
  auto signer = sup_.signer();
  // Each name_new coin's salt comes from the key of its own address, so
  // keyd is asked once per candidate; the one whose commitment matches is
  // ours (as Electrum-NMC's name_firstupdate finds it after a restore).
  std::vector<Coin> candidates;
  for (const auto& c : model_->coins()) {
    auto ns = c.is_name ? chain::decode_name_script(c.script_pubkey) : std::nullopt;
    if (ns && ns->op.type == chain::NameOpType::kNameNew) candidates.push_back(c);
  }
  return unlock_keyd(signer, req.sealed_password)
      .then([signer, req, candidates]() mutable {
        auto salts = kj::heapArrayBuilder<kj::Promise<chain::Bytes>>(candidates.size());
        for (const auto& c : candidates) salts.add(name_salt(signer, req.name, c.path));
        return kj::joinPromises(salts.finish());
      })
      .then([this, signer, req, candidates](kj::Array<chain::Bytes> salts) mutable {
        std::optional<Coin> name_new;
        chain::Bytes salt;
        for (size_t i = 0; i < candidates.size(); ++i) {
          auto commitment = chain::name_commitment(salts[i], req.name);
          auto ns = chain::decode_name_script(candidates[i].script_pubkey);
          if (ns->op.commitment == chain::Bytes(commitment.begin(), commitment.end())) {
            name_new = candidates[i];
            salt = salts[i];
          }
        }
        if (!name_new) {
          ipc::fail(ErrorCode::kUsage,
                    "no name_new for this name in the wallet: run name_new first");
        }
        if (auto left = firstupdate_blocks_remaining(name_new->height, chain_->height())) {
          ipc::fail(ErrorCode::kUsage, "the name_new needs 12 confirmations; " +
                                           std::to_string(*left) + " more block" +
                                           (*left == 1 ? "" : "s") + " to go");
        }
        return fee_rate(req.fee_rate)
            .then([this, signer, req, salt, name_new](int64_t rate) mutable {
              BuiltTx built = guarded([&] {
                return build_name_firstupdate(
                    model_->coins(), model_->groupings(), *name_new, req.name, salt, req.value,
                    model_->fresh_address(false), model_->fresh_address(true), build_options(rate));
              });
              return sign_only(signer, std::move(built), {});
            });
      })
      .then([this, signer](SendOutcome out) mutable { return finish_send(signer, kj::mv(out)); });
}

kj::Promise<SendOutcome> WalletEngine::name_update(NameRequest req) {
  auto& m = model();
  require_undisputed_tip();
  auto coin = m.name_coin(req.name);
  if (!coin) ipc::fail(ErrorCode::kUsage, "that name is not in this wallet");
  auto ns = chain::decode_name_script(coin->script_pubkey);
  if (!ns) ipc::fail(ErrorCode::kInternal, "the name coin has no name script");
  if (!req.has_value) {
    // Renewal re-signs the current value: only once it is buried, so a
    // lying server cannot get a forged value re-signed by us.
    if (confirmations(coin->height) < kMinRenewDepth) {
      ipc::fail(ErrorCode::kUsage,
                "the name's last update needs 12 confirmations before renewing "
                "it with its current value; give a value to update it now");
    }
    req.value = ns->op.value;
  }
  std::optional<chain::Bytes> transfer_to;
  if (!req.destination.empty()) {
    transfer_to = guarded([&] { return chain::address_to_script(req.destination, params_); });
  }
  auto signer = sup_.signer();
  return unlock_keyd(signer, req.sealed_password)
      .then([this, req]() mutable { return fee_rate(req.fee_rate); })
      .then([this, signer, req, coin, transfer_to](int64_t rate) mutable {
        BuiltTx built = guarded([&] {
          return build_name_update(model_->coins(), model_->groupings(), *coin, req.name, req.value,
                                   model_->fresh_address(false), transfer_to,
                                   model_->fresh_address(true), build_options(rate));
        });
        return sign_only(signer, std::move(built), {});
      })
      .then([this, signer](SendOutcome out) mutable { return finish_send(signer, kj::mv(out)); });
}

}  // namespace redoubt::broker
