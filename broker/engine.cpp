#include "broker/engine.h"

#include <openssl/rand.h>

#include <algorithm>
#include <ctime>

#include "broker/spv.h"
#include "chain/address.h"
#include "chain/error.h"
#include "chain/hash.h"
#include "chain/names.h"
#include "ipc/errors.h"

namespace redoubt::broker {
namespace {

using ipc::ErrorCode;

chain::Network chain_network(Network n) {
  switch (n) {
    case Network::kMainnet:
      return chain::Network::kMainnet;
    case Network::kTestnet:
      return chain::Network::kTestnet;
    case Network::kRegtest:
      return chain::Network::kRegtest;
  }
  return chain::Network::kMainnet;
}

ipc::schema::NetworkId schema_network(Network n) {
  switch (n) {
    case Network::kMainnet:
      return ipc::schema::NetworkId::MAINNET;
    case Network::kTestnet:
      return ipc::schema::NetworkId::TESTNET;
    case Network::kRegtest:
      return ipc::schema::NetworkId::REGTEST;
  }
  return ipc::schema::NetworkId::MAINNET;
}

chain::Bytes scripthash_of(chain::ByteSpan script) {
  auto h = chain::sha256(script);
  return chain::Bytes(h.begin(), h.end());
}

std::string random_stream_id(const char* prefix) {
  unsigned char b[8];
  if (RAND_bytes(b, sizeof b) != 1) ipc::fail(ErrorCode::kInternal, "no randomness");
  return std::string(prefix) + chain::to_hex(b);
}

capnp::Data::Reader as_data(const chain::Bytes& b) {
  return capnp::Data::Reader(b.data(), b.size());
}

chain::Bytes to_bytes(capnp::Data::Reader d) {
  return chain::Bytes(d.begin(), d.end());
}

chain::OutPoint parse_outpoint(const std::string& s) {
  auto colon = s.find(':');
  if (colon != 64) ipc::fail(ErrorCode::kUsage, "'" + s + "' is not TXID:VOUT");
  chain::OutPoint op;
  try {
    op.txid = chain::hash_from_hex_reversed(s.substr(0, 64));
    op.index = static_cast<uint32_t>(std::stoul(s.substr(65)));
  } catch (const std::exception&) {
    ipc::fail(ErrorCode::kUsage, "'" + s + "' is not TXID:VOUT");
  }
  return op;
}

// Wallet-level refusals become user errors with the right code.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SelectionError& e) {
    ipc::fail(ErrorCode::kInsufficientFunds, e.what());
  } catch (const WalletError& e) {
    ipc::fail(ErrorCode::kUsage, e.what());
  } catch (const chain::ChainError& e) {
    ipc::fail(ErrorCode::kUsage, e.what());
  }
}

}  // namespace

void WalletEngine::ErrorHandler::taskFailed(kj::Exception&& ex) {
  e->notice_(std::string("wallet: ") + ipc::from_exception(ex).what());
}

WalletEngine::WalletEngine(kj::AsyncIoContext& io, Supervisor& sup, const Options& options,
                           std::function<void(const std::string&)> notice)
    : io_(io),
      sup_(sup),
      options_(options),
      notice_(std::move(notice)),
      params_(chain::params_for(chain_network(options.network))),
      db_path_(std::filesystem::path(options.datadir) / "wallet.db"),
      tasks_(handler_) {
  handler_.e = this;
  if (!options_.server.empty()) server_ = parse_server(options_.server);
  status_.server = options_.server.empty() ? "" : server_.display();
  if (std::filesystem::exists(db_path_)) open_existing();
}

WalletEngine::~WalletEngine() = default;

void WalletEngine::open_existing() {
  try {
    store_ = std::make_unique<Store>(Store::open(db_path_));
    chain_ = std::make_unique<HeaderChain>(*store_, params_);
    model_ = std::make_unique<WalletModel>(*store_, params_);
  } catch (const StoreError& e) {
    model_.reset();
    chain_.reset();
    store_.reset();
    throw;
  }
  by_scripthash_.clear();
  for (size_t i = 0; i < model_->addresses().size(); ++i) {
    by_scripthash_[scripthash_of(model_->addresses()[i].script)] = i;
  }
}

WalletModel& WalletEngine::model() {
  if (!model_)
    ipc::fail(ErrorCode::kNoWallet,
              "there is no wallet yet: run 'redoubt create' or 'redoubt restore'");
  return *model_;
}

void WalletEngine::add_accounts(
    const std::vector<std::tuple<std::string, std::string, bool>>& accounts) {
  if (!store_) {
    store_ = std::make_unique<Store>(Store::open(db_path_));
    chain_ = std::make_unique<HeaderChain>(*store_, params_);
    model_ = std::make_unique<WalletModel>(*store_, params_);
  }
  for (const auto& [path, xpub, segwit] : accounts) {
    model_->add_account(path, xpub,
                        segwit ? chain::KeyScriptType::kP2wpkh : chain::KeyScriptType::kP2pkh);
  }
  by_scripthash_.clear();
  for (size_t i = 0; i < model_->addresses().size(); ++i) {
    by_scripthash_[scripthash_of(model_->addresses()[i].script)] = i;
  }
}

std::string WalletEngine::server_key() const {
  return server_.host + ":" + std::to_string(server_.port);
}

// ---- the main session -------------------------------------------------------

void WalletEngine::start_network() {
  if (!model_ || server_.host.empty()) return;
  session_.reset();
  status_.connected = false;
  headers_busy_ = false;
  status_.pending = 0;
  const unsigned gen = ++session_gen_;
  tasks_.add(run_session().catch_([this, gen](kj::Exception&& e) {
    if (gen != session_gen_) return;
    drop_session(ipc::from_exception(e).what());
  }));
}

kj::Promise<void> WalletEngine::run_session() {
  auto cfg = netd_config_from_env(options_.proxy, schema_network(options_.network));
  auto netd = sup_.network();
  const unsigned gen = session_gen_;
  return configure_netd(netd, cfg)
      .then([this, netd, gen](ProxyReport proxy) mutable {
        status_.proxy = proxy.kind + " " + proxy.address + " (from " + proxy.source + ")";
        notice_("using proxy " + status_.proxy);
        listener_ = std::make_shared<SessionListener>();
        listener_->on_header = [this, gen](uint32_t h, chain::Bytes) {
          if (gen == session_gen_) on_header(h);
        };
        listener_->on_status = [this, gen](chain::Bytes sh, chain::Bytes) {
          if (gen == session_gen_) on_status(std::move(sh));
        };
        listener_->on_closed = [this, gen](std::string reason) {
          if (gen == session_gen_) drop_session("the server connection closed: " + reason);
        };
        auto pinned = store_->pinned_certificate(server_key()).value_or(chain::Bytes{});
        return open_session(netd, server_, pinned, "", listener_);
      })
      .then([this](OpenedSession opened) {
        if (server_.tls && !opened.certificate.empty() &&
            !store_->pinned_certificate(server_key())) {
          // Trust on first use; netd refuses a changed certificate later.
          store_->pin_certificate(server_key(), opened.certificate);
        }
        session_ = std::move(opened.session);
        status_.connected = true;
        status_.error.clear();
        return session_->subscribe_headers();
      })
      .then([this](std::pair<uint32_t, chain::Bytes> tip) {
        status_.server_height = static_cast<int32_t>(tip.first);
        return sync_headers();
      })
      .then([this] { return subscribe_all(model_->addresses()); })
      .then([this] { return process_queue(); })
      .then([this] { maybe_synced(); });
}

kj::Promise<void> WalletEngine::sync_headers() {
  if (!session_) return kj::READY_NOW;
  int32_t start = chain_->height() + 1;
  status_.height = chain_->height();
  if (start > status_.server_height) {
    headers_busy_ = false;
    return kj::READY_NOW;
  }
  headers_busy_ = true;
  uint32_t count = static_cast<uint32_t>(
      std::min<int64_t>(HeaderChain::kMaxChunk, status_.server_height - start + 1));
  return session_->get_headers(static_cast<uint32_t>(start), count)
      .then([this, start](std::vector<chain::Bytes> raw) -> kj::Promise<void> {
        if (raw.empty()) {
          headers_busy_ = false;
          return kj::READY_NOW;
        }
        ConnectResult r = chain_->connect(start, raw);
        switch (r.status) {
          case ConnectResult::Status::kRejected:
          case ConnectResult::Status::kNotConnected:
            headers_busy_ = false;
            ipc::fail(ErrorCode::kVerification,
                      "the server sent headers that do not verify (height " +
                          std::to_string(r.bad_height) + ": " + r.reason +
                          "); nothing was stored and the server was dropped");
          case ConnectResult::Status::kReorged:
            notice_("reorganisation: the chain changed above height " +
                    std::to_string(*r.fork_height));
            model_->rollback_above(*r.fork_height);
            break;
          default:
            break;
        }
        status_.height = chain_->height();
        return sync_headers();
      });
}

kj::Promise<void> WalletEngine::subscribe_all(std::vector<AddressRecord> addrs) {
  if (!session_ || addrs.empty()) return kj::READY_NOW;
  AddressRecord a = addrs.back();
  addrs.pop_back();
  chain::Bytes sh = scripthash_of(a.script);
  by_scripthash_[sh] = 0;  // placeholder; rebuilt below
  return session_->subscribe_scripthash(sh)
      .then([this, sh](chain::Bytes status) -> kj::Promise<void> {
        if (status.empty()) return kj::READY_NOW;  // never used
        return sync_scripthash(sh);
      })
      .then([this, addrs = std::move(addrs)]() mutable { return subscribe_all(std::move(addrs)); });
}

kj::Promise<void> WalletEngine::sync_scripthash(chain::Bytes sh) {
  if (!session_) return kj::READY_NOW;
  status_.pending++;
  return session_->get_history(sh)
      .then([this](std::vector<UnverifiedHistoryEntry> entries) {
        kj::Promise<void> chain = kj::READY_NOW;
        for (const auto& e : entries) {
          auto known = model_->transaction(e.txid);
          int32_t h = e.height > 0 ? e.height : kUnconfirmedHeight;
          if (known && known->height == h && (h == 0 || known->verified)) continue;
          chain = chain.then([this, e, h] { return fetch_tx(e.txid, h); });
        }
        return chain;
      })
      .then(
          [this] {
            status_.pending--;
            maybe_synced();
          },
          [this](kj::Exception&& e) {
            status_.pending--;
            kj::throwFatalException(kj::mv(e));
          });
}

kj::Promise<void> WalletEngine::fetch_tx(chain::Hash256 txid, int32_t height) {
  return session_->get_transaction(txid).then([this, txid, height](chain::Bytes raw) {
    if (height <= 0 || height > chain_->height()) {
      // Unconfirmed (or above our verified tip): only the hash can be checked.
      SpvVerdict v = verify_tx_bytes(txid, raw);
      if (!v.ok()) {
        ipc::fail(ErrorCode::kVerification,
                  "the server sent a transaction that does not match its txid (" + v.detail + ")");
      }
      auto applied = model_->apply_transaction(*v.tx, kUnconfirmedHeight, -1, false, false,
                                               static_cast<int64_t>(time(nullptr)));
      return subscribe_all(applied.new_addresses);
    }
    return session_->get_merkle(txid, static_cast<uint32_t>(height))
        .then([this, txid, height, raw = std::move(raw)](UnverifiedMerkle m) {
          MerkleProof proof;
          proof.height = static_cast<int32_t>(m.block_height);
          proof.position = m.pos;
          for (const auto& b : m.branch) proof.branch.emplace_back(b.begin(), b.end());
          SpvVerdict v = verify_confirmed_tx(*chain_, txid, raw, height, proof);
          if (!v.ok()) {
            ipc::fail(ErrorCode::kVerification,
                      std::string("the server's proof for a transaction did not verify (") +
                          spv_reason_name(v.reason) + ": " + v.detail +
                          "); nothing was stored and the server was dropped");
          }
          auto applied = model_->apply_transaction(*v.tx, height, static_cast<int32_t>(m.pos), true,
                                                   false, static_cast<int64_t>(time(nullptr)));
          return subscribe_all(applied.new_addresses);
        });
  });
}

void WalletEngine::on_header(uint32_t height) {
  status_.server_height = static_cast<int32_t>(height);
  if (headers_busy_) return;
  tasks_.add(
      sync_headers()
          .then([this] {
            // Confirmations changed: refresh every used address.
            kj::Promise<void> p = kj::READY_NOW;
            for (const auto& a : model_->addresses()) {
              if (!a.used) continue;
              chain::Bytes sh = scripthash_of(a.script);
              p = p.then([this, sh] { return sync_scripthash(sh); });
            }
            return p;
          })
          .then([this] { return process_queue(); })
          .then([this] { maybe_synced(); })
          .catch_([this](kj::Exception&& e) { drop_session(ipc::from_exception(e).what()); }));
}

void WalletEngine::on_status(chain::Bytes sh) {
  tasks_.add(sync_scripthash(std::move(sh)).catch_([this](kj::Exception&& e) {
    drop_session(ipc::from_exception(e).what());
  }));
}

void WalletEngine::drop_session(const std::string& why) {
  if (session_) notice_("dropped server " + server_.display() + ": " + why);
  session_.reset();
  status_.connected = false;
  status_.error = why;
  headers_busy_ = false;
  ++session_gen_;
  for (auto& w : waiters_) {
    if (w->isWaiting()) {
      w->reject(ipc::make_exception(ErrorCode::kNetwork,
                                    "cannot sync with " + server_.display() + ": " + why));
    }
  }
  waiters_.clear();
}

void WalletEngine::maybe_synced() {
  if (!status_.connected || headers_busy_ || status_.pending != 0) return;
  status_.height = chain_->height();
  for (auto& w : waiters_) {
    if (w->isWaiting()) w->fulfill(SyncStatus(status_));
  }
  waiters_.clear();
}

kj::Promise<SyncStatus> WalletEngine::synced() {
  if (!model_) {
    return kj::Promise<SyncStatus>(ipc::make_exception(
        ErrorCode::kNoWallet, "there is no wallet yet: run 'redoubt create' or 'redoubt restore'"));
  }
  if (server_.host.empty()) {
    return kj::Promise<SyncStatus>(ipc::make_exception(
        ErrorCode::kNetwork, "no server configured: give --server HOST:PORT:s (or :t for .onion)"));
  }
  if (!status_.connected && !status_.error.empty() && session_ == nullptr) {
    // Try again: netd may have been restarted, the server may be back.
    status_.error.clear();
    start_network();
  }
  if (status_.connected && !headers_busy_ && status_.pending == 0 && status_.height > 0) {
    return SyncStatus(status_);
  }
  auto paf = kj::newPromiseAndFulfiller<SyncStatus>();
  waiters_.push_back(kj::mv(paf.fulfiller));
  return io_.provider->getTimer().timeoutAfter(120 * kj::SECONDS, kj::mv(paf.promise));
}

int32_t WalletEngine::confirmations(int32_t height) const {
  if (height <= 0) return 0;
  return chain_->height() - height + 1;
}

// ---- sending ----------------------------------------------------------------

kj::Promise<int64_t> WalletEngine::fee_rate(std::optional<int64_t> requested) {
  if (requested) return *requested;
  if (!session_) return kj::Promise<int64_t>(int64_t{0});
  return session_->estimate_fee(2).then([this](int64_t est) {
    return session_->relay_fee().then([est](int64_t relay) { return std::max(est, relay); });
  });
}

BuildOptions WalletEngine::build_options(int64_t rate) {
  BuildOptions o;
  o.policy.min_rate = std::max<int64_t>(o.policy.min_rate, 1000);
  o.fee_rate = effective_fee_rate(rate > 0 ? std::optional<int64_t>(rate) : std::nullopt, o.policy);
  return o;
}

kj::Promise<chain::Hash256> WalletEngine::broadcast_isolated(const chain::Bytes& raw,
                                                             std::string stream_id) {
  if (server_.host.empty()) {
    ipc::fail(ErrorCode::kNetwork, "no server configured: give --server HOST:PORT:s");
  }
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
  return broadcast_isolated(raw, std::move(stream_id)).then([this, txid, tx](chain::Hash256 got) {
    if (got != txid) {
      ipc::fail(ErrorCode::kVerification, "the server acknowledged a different txid");
    }
    if (model_) model_->apply_transaction(tx, kUnconfirmedHeight, -1, false, true, time(nullptr));
    return txid;
  });
}

kj::Promise<SendOutcome> WalletEngine::sign_and_send(BuiltTx built, chain::Bytes password,
                                                     bool do_broadcast, std::string stream_id,
                                                     std::vector<chain::Bytes> transfer_names) {
  auto signer = sup_.signer();
  auto unlock = signer.unlockRequest();
  unlock.setPassword(as_data(password));
  unlock.setTimeoutSeconds(60);
  auto limits = unlock.initLimits();
  limits.setMaxFeeSat(BuildOptions{}.policy.max_fee);
  limits.setMaxFeePerMille(500);
  // keyd takes paths below the account (change/index), as signer.capnp says;
  // the builder hands out full paths.
  auto below_account = [](const chain::KeyPath& p) {
    return p.size() <= 2 ? p : chain::KeyPath(p.end() - 2, p.end());
  };
  auto sign = [signer, built = std::move(built), transfer_names, below_account]() mutable {
    auto req = signer.signTransactionRequest();
    auto r = req.initRequest();
    r.setUnsignedTx(as_data(built.sign.unsigned_tx));
    auto ins = r.initInputs(built.sign.inputs.size());
    for (size_t i = 0; i < built.sign.inputs.size(); ++i) {
      ins[i].setValue(built.sign.inputs[i].value);
      ins[i].setScriptPubKey(as_data(built.sign.inputs[i].script_pubkey));
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
    return req.send();
  };
  return unlock.send()
      .then([sign = std::move(sign)](auto&&) mutable { return sign(); })
      .then([this, signer, do_broadcast, stream_id](auto&& resp) mutable {
        // Lock again at once: one-shot signing keeps keys unlocked no longer
        // than it takes.
        tasks_.add(signer.lockRequest().send().ignoreResult());
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
        // this one never spends the same coins.
        model_->apply_transaction(tx, kUnconfirmedHeight, -1, false, true, time(nullptr));
        if (!do_broadcast) return kj::Promise<SendOutcome>(kj::mv(out));
        return broadcast_isolated(out.raw, stream_id).then([out](chain::Hash256 got) mutable {
          if (got != out.txid) {
            ipc::fail(ErrorCode::kVerification, "the server acknowledged a different txid");
          }
          out.broadcast = true;
          return out;
        });
      });
}

kj::Promise<SendOutcome> WalletEngine::pay(PayRequest req) {
  model();
  std::vector<Destination> dests;
  guarded([&] {
    for (const auto& [addr, sat] : req.outputs) {
      if (sat <= 0)
        ipc::fail(ErrorCode::kUsage, "amounts must be positive ('!' is not supported yet)");
      dests.push_back({chain::address_to_script(addr, params_), sat});
    }
    return 0;
  });
  return fee_rate(req.fee_rate).then([this, req = std::move(req), dests](int64_t rate) mutable {
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
    return sign_and_send(std::move(built), std::move(req.password), req.broadcast, req.stream_id,
                         {});
  });
}

}  // namespace redoubt::broker

namespace redoubt::broker {

void WalletEngine::freeze(const std::string& target, bool frozen) {
  auto& m = model();
  if (target.size() > 64 && target[64] == ':') {
    chain::OutPoint op = parse_outpoint(target);
    if (!m.coin(op)) ipc::fail(ErrorCode::kUsage, target + " is not a coin of this wallet");
    m.set_coin_frozen(op, frozen);
    return;
  }
  auto script = guarded([&] { return chain::address_to_script(target, params_); });
  const AddressRecord* a = m.address_by_script(script);
  if (a == nullptr) ipc::fail(ErrorCode::kUsage, target + " is not an address of this wallet");
  m.set_address_frozen(a->id, frozen);
}

std::string WalletEngine::fresh_receive_address() {
  auto own = model().fresh_address(false);
  return chain::script_to_address(own.script, params_).value_or("?");
}

}  // namespace redoubt::broker

namespace redoubt::broker {

// name_autoregister: the firstupdate was signed when the name_new was made
// (keyd is not asked to stay unlocked for 12 blocks); it waits in the queue,
// its raw bytes in the settings table, and goes out once the name_new is
// 12 blocks deep. namecoind would not mine it earlier.
kj::Promise<void> WalletEngine::process_queue() {
  if (!store_ || !session_) return kj::READY_NOW;
  kj::Promise<void> p = kj::READY_NOW;
  for (const auto& q : store_->queued_firstupdates()) {
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

}  // namespace redoubt::broker
