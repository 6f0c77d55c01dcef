#include "broker/engine.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>

#include "broker/groupings_view.h"
#include "broker/name_policy.h"
#include "broker/spv.h"
#include "chain/address.h"
#include "chain/error.h"
#include "chain/hash.h"
#include "chain/names.h"
#include "chain/script.h"
#include "ipc/errors.h"
#include "netd/servers.h"

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

// Unlocks keyd for one operation (60 s at most) with the fee limits; the
// caller locks again when done.
kj::Promise<void> unlock_keyd(ipc::schema::Signer::Client signer, const chain::Bytes& password) {
  auto unlock = signer.unlockRequest();
  unlock.setPassword(capnp::Data::Reader(password.data(), password.size()));
  unlock.setTimeoutSeconds(60);
  auto limits = unlock.initLimits();
  limits.setMaxFeeSat(BuildOptions{}.policy.max_fee);
  limits.setMaxFeePerMille(500);
  return unlock.send().ignoreResult();
}

}  // namespace

void wipe(chain::Bytes& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

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
  if (!options_.server.empty()) {
    server_ = parse_server(options_.server);
  } else if (options_.network != Network::kRegtest) {
    // No --server: one of Electrum-NMC's servers (netd/servers.cpp), picked
    // at random so wallets do not all pile onto the first; onion services
    // first when there are some, since they need no exit.
    auto list = netd::builtin_servers(
        options_.network == Network::kMainnet ? netd::Network::mainnet : netd::Network::testnet);
    std::vector<netd::ServerAddress> onions;
    for (const auto& sv : list)
      if (netd::is_onion(sv.host)) onions.push_back(sv);
    const auto& pool = onions.empty() ? list : onions;
    if (!pool.empty()) {
      unsigned char r = 0;
      RAND_bytes(&r, 1);
      const auto& pick = pool[r % pool.size()];
      server_ = ServerAddress{pick.host, pick.port, pick.tls};
    }
  }
  status_.server = server_.host.empty() ? "" : server_.display();

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
        // Counted as pending until the queue is processed, so nobody is told
        // "synced" halfway (a one-shot command would end the tree then).
        status_.pending++;
        return sync_headers();
      })
      .then([this] { return subscribe_all(model_->addresses()); })
      .then([this] { return process_queue(); })
      .then([this] {
        status_.pending--;
        maybe_synced();
      });
}

kj::Promise<void> WalletEngine::sync_headers() {
  return sync_headers_from(0, 0);
}

// Fetches headers from `from` (0: our tip + 1) to the server's tip. When the
// first header does not link to ours (a reorg replaced our tip), it walks
// back in doubling steps (8, 16, ... 4096 blocks) and asks again from there:
// the headers we share are skipped by HeaderChain::connect and the other
// branch is followed only if it has more work. Deeper than that, or any
// header that does not verify, and the server is dropped.
kj::Promise<void> WalletEngine::sync_headers_from(int32_t from, int32_t back) {
  if (!session_) return kj::READY_NOW;
  int32_t start = from > 0 ? from : chain_->height() + 1;
  status_.height = chain_->height();
  if (start > status_.server_height) {
    headers_busy_ = false;
    return kj::READY_NOW;
  }
  headers_busy_ = true;
  uint32_t count = static_cast<uint32_t>(
      std::min<int64_t>(HeaderChain::kMaxChunk, status_.server_height - start + 1));
  return session_->get_headers(static_cast<uint32_t>(start), count)
      .then([this, start, back](std::vector<chain::Bytes> raw) -> kj::Promise<void> {
        if (raw.empty()) {
          headers_busy_ = false;
          return kj::READY_NOW;
        }
        ConnectResult r = chain_->connect(start, raw);
        switch (r.status) {
          case ConnectResult::Status::kNotConnected:
            if (back < 4096 && start > 1) {
              int32_t step = back == 0 ? 8 : back * 2;
              return sync_headers_from(std::max(1, start - step), step);
            }
            [[fallthrough]];
          case ConnectResult::Status::kRejected:
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
        if (progress_) progress_(status_);
        return sync_headers_from(0, 0);
      });
}

kj::Promise<void> WalletEngine::subscribe_all(std::vector<AddressRecord> addrs) {
  if (!session_ || addrs.empty()) return kj::READY_NOW;
  AddressRecord a = addrs.back();
  addrs.pop_back();
  chain::Bytes sh = scripthash_of(a.script);
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
  status_.pending++;
  tasks_.add(sync_headers()
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
                 .then([this] {
                   status_.pending--;
                   maybe_synced();
                 })
                 .catch_([this](kj::Exception&& e) {
                   status_.pending--;
                   drop_session(ipc::from_exception(e).what());
                 }));
}

void WalletEngine::on_status(chain::Bytes sh) {
  tasks_.add(sync_scripthash(std::move(sh)).catch_([this](kj::Exception&& e) {
    drop_session(ipc::from_exception(e).what());
  }));
}

void WalletEngine::drop_session(const std::string& why) {
  // At shutdown the connections go away with netd: nothing to report.
  if (session_ && !sup_.stopping()) notice_("dropped server " + server_.display() + ": " + why);
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
  if (progress_) progress_(status_);
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
  o.anonymity = options_.anonymity;
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

kj::Promise<SendOutcome> WalletEngine::sign_only(ipc::schema::Signer::Client signer, BuiltTx built,
                                                 std::vector<chain::Bytes> transfer_names) {
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
  return req.send().then([this](auto&& resp) {
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
    return out;
  });
}

kj::Promise<SendOutcome> WalletEngine::sign_and_send(BuiltTx built, chain::Bytes password,
                                                     bool do_broadcast, std::string stream_id,
                                                     std::vector<chain::Bytes> transfer_names) {
  auto signer = sup_.signer();
  auto unlocked = unlock_keyd(signer, password);
  wipe(password);  // the request message holds the only copy now
  return unlocked
      .then([this, signer, built = std::move(built), transfer_names]() mutable {
        return sign_only(signer, std::move(built), std::move(transfer_names));
      })
      .then([this, signer, do_broadcast, stream_id](SendOutcome out) mutable {
        // Lock again at once: one-shot signing keeps keys unlocked no longer
        // than it takes.
        tasks_.add(signer.lockRequest().send().ignoreResult());
        if (!do_broadcast) return kj::Promise<SendOutcome>(kj::mv(out));
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
  return sign_and_send(std::move(built), std::move(password), /*broadcast=*/false, "", {});
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

}  // namespace redoubt::broker

// ---- names ------------------------------------------------------------------

namespace redoubt::broker {
namespace {

chain::Bytes name_salt_from(capnp::Data::Reader d) {
  if (d.size() != 20)
    ipc::fail(ipc::ErrorCode::kRefused, "keyd returned a salt that is not 20 bytes");
  return chain::Bytes(d.begin(), d.end());
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
  return check
      .then([this, signer, req]() mutable {
        return unlock_keyd(signer, req.password).then([this, signer, req]() mutable {
          auto salt_req = signer.nameSaltRequest();
          salt_req.setName(as_data(req.name));
          return salt_req.send().then([this, req](auto&& r) mutable {
            return fee_rate(req.fee_rate)
                .then([this, req, salt = name_salt_from(r.getSalt())](int64_t rate) mutable {
                  return std::make_pair(rate, salt);
                });
          });
        });
      })
      .then([this, signer, req, autoregister](std::pair<int64_t, chain::Bytes> rs) mutable {
        auto [rate, salt] = rs;
        BuildOptions opt = build_options(rate);
        if (!req.identifier.empty()) opt.identifier_names = names_in_scope(*store_, req.identifier);
        BuiltTx built = guarded([&] {
          return build_name_new(model_->coins(), model_->groupings(), req.name, salt,
                                model_->fresh_address(false), model_->fresh_address(true), opt);
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
  auto signer = sup_.signer();
  return unlock_keyd(signer, req.password)
      .then([signer, req]() mutable {
        auto salt_req = signer.nameSaltRequest();
        salt_req.setName(as_data(req.name));
        return salt_req.send();
      })
      .then([this, signer, req](auto&& r) mutable {
        chain::Bytes salt = name_salt_from(r.getSalt());
        auto commitment = chain::name_commitment(salt, req.name);
        std::optional<Coin> name_new;
        for (const auto& c : model_->coins()) {
          auto ns = c.is_name ? chain::decode_name_script(c.script_pubkey) : std::nullopt;
          if (ns && ns->op.type == chain::NameOpType::kNameNew &&
              ns->op.commitment == chain::Bytes(commitment.begin(), commitment.end()))
            name_new = c;
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
  return unlock_keyd(signer, req.password)
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
  return broadcast_isolated(raw, std::move(stream_id))
      .then([out](chain::Hash256 got) mutable {
        if (got != out.txid) {
          ipc::fail(ErrorCode::kVerification, "the server acknowledged a different txid");
        }
        out.broadcast = true;
        return out;
      })
      .catch_([this, txid](kj::Exception&& e) -> SendOutcome {
        auto rec = model_->transaction(txid);
        if (rec && rec->local && rec->height <= 0) model_->remove_transaction(txid);
        kj::throwFatalException(kj::mv(e));
      });
}

}  // namespace redoubt::broker
