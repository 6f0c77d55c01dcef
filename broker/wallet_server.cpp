#include "broker/wallet_server.h"

#include <unistd.h>

#include "broker/groupings_view.h"
#include "broker/message_signing.h"
#include "broker/wallet_events.h"
#include "chain/address.h"
#include "chain/names.h"
#include "ipc/errors.h"
#include "sandbox/audit.h"

#include <algorithm>
#include <map>

namespace redoubt::broker {
namespace {

std::string txid_hex(const chain::Hash256& h) {
  return chain::to_hex_reversed(h);
}

void fill_send(ipc::schema::SendResult::Builder out, const SendOutcome& o) {
  out.setTxid(txid_hex(o.txid));
  out.setRaw(capnp::Data::Reader(o.raw.data(), o.raw.size()));
  out.setBroadcast(o.broadcast);
  auto s = out.initSummary();
  auto f = s.initForeignOutputs(o.foreign.size());
  for (size_t i = 0; i < o.foreign.size(); ++i) {
    f[i].setIndex(o.foreign[i].index);
    f[i].setValue(o.foreign[i].value);
    f[i].setScriptPubKey(
        capnp::Data::Reader(o.foreign[i].script.data(), o.foreign[i].script.size()));
  }
  s.setFee(o.fee);
  s.setChange(o.change);
  s.setVsize(o.vsize);
  auto n = s.initNames(o.names.size());
  for (size_t i = 0; i < o.names.size(); ++i) {
    n[i].setName(capnp::Data::Reader(o.names[i].name.data(), o.names[i].name.size()));
    n[i].setOperation(o.names[i].op);
    n[i].setValue(capnp::Data::Reader(o.names[i].value.data(), o.names[i].value.size()));
    n[i].setToForeign(o.names[i].to_foreign);
  }
}

void fill_process(ipc::schema::ProcessInfo::Builder out, const ChildStatus& st) {
  out.setRole(role_name(st.role));
  out.setPid(st.pid);
  out.setAnswered(st.answered);
  out.setRestarts(st.restarts);
  auto info = out.initInfo();
  info.setProcess(role_name(st.role));
  info.setPid(st.pid);
  info.setVersion(st.version);
  auto c = info.initConfinement();
  c.setLandlockAbi(st.landlock_abi);
  c.setLandlockApplied(st.landlock);
  c.setSeccompApplied(st.seccomp);
  c.setSeccompPolicy(st.seccomp_policy);
  c.setApparmorLabel(st.apparmor);
  auto notes = c.initNotes(st.notes.size());
  for (size_t i = 0; i < st.notes.size(); ++i) notes.set(i, st.notes[i]);
}

NameRequest name_request(capnp::Data::Reader name, capnp::Data::Reader value, bool has_value,
                         ipc::schema::NameOptions::Reader o) {
  NameRequest r;
  r.name.assign(name.begin(), name.end());
  r.value.assign(value.begin(), value.end());
  r.has_value = has_value;
  r.destination = o.getDestination();
  r.allow_existing = o.getAllowExisting();
  r.identifier = o.getPseudonymousIdentifier();
  if (o.getFeeRate() > 0) r.fee_rate = o.getFeeRate();
  r.sealed_password.assign(o.getSealedPassword().begin(), o.getSealedPassword().end());
  return r;
}

void fill_name(ipc::schema::NameInfo::Builder out, const NameView& v) {
  out.setName(capnp::Data::Reader(v.name.data(), v.name.size()));
  out.setValue(capnp::Data::Reader(v.value.data(), v.value.size()));
  out.setTxid(v.txid == chain::Hash256{} ? "" : txid_hex(v.txid));
  out.setVout(v.vout);
  out.setAddress(v.address);
  out.setHeight(v.height);
  out.setExpiresIn(v.expires_in);
  out.setExpired(v.expired);
  out.setIsMine(v.is_mine);
  out.setVerified(v.verified);
  out.setPending(v.pending);
}

}  // namespace

kj::Promise<void> WalletServer::invocation(InvocationContext context) {
  auto inv = context.getResults().initInvocation();
  const auto& cmd = inv_.command;
  auto args = inv.initArgs(cmd.size());
  for (size_t i = 0; i < cmd.size(); ++i) args.set(i, cmd[i]);
  inv.setJson(inv_.json);
  inv.setNetwork(schema_network(ctx_.options.network));
  inv.setDatadir(ctx_.options.datadir);
  inv.setInteractive(inv_.interactive);
  inv.setAttempt(attempt_);
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::getInfo(GetInfoContext context) {
  // Answer once every child has answered hello (or failed to), so the
  // report says what is true now rather than what is still in flight.
  return ctx_.supervisor->settled().then([this, context]() mutable {
    auto info = context.getResults().initInfo();
    info.setVersion(REDOUBT_VERSION);
    info.setNetwork(schema_network(ctx_.options.network));
    info.setDatadir(ctx_.options.datadir);
    auto* engine = ctx_.engine;
    info.setWalletState(engine != nullptr && engine->has_wallet() ? "watch-only view ready"
                                                                  : "no wallet");
    if (engine != nullptr) {
      SyncStatus st = engine->status();
      info.setProxy(st.proxy);
      info.setServer(st.server + (st.connected       ? " (connected)"
                                  : st.error.empty() ? ""
                                                     : " (" + st.error + ")"));
      info.setSyncHeight(static_cast<uint32_t>(std::max(0, st.height)));
      info.setServerHeight(static_cast<uint32_t>(std::max(0, st.server_height)));
      CrossCheckReport cc = engine->crosscheck();
      auto ci = info.initCrosscheck();
      ci.setServer(cc.server);
      ci.setStatus(crosscheck_status_name(cc.status));
      ci.setHeight(cc.height);
      ci.setServerHeight(cc.server_height);
      ci.setForkHeight(cc.fork_height);
      ci.setCheckedAt(cc.checked_at);
      ci.setThisRun(cc.this_run);
      ci.setDetail(cc.detail);
    }
    auto procs = info.initProcesses(1 + kRoleCount);
    procs[0].setRole("broker");
    procs[0].setPid(getpid());
    procs[0].setAnswered(true);
    procs[0].initInfo().setProcess("broker");
    for (int i = 0; i < kRoleCount; ++i) {
      fill_process(procs[i + 1], child(static_cast<Role>(i)));
    }
  });
}

kj::Promise<void> WalletServer::finish(FinishContext context) {
  // Informational: the ui's real exit status is what ends the run.
  (void)context;
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::stop(StopContext context) {
  (void)context;
  ctx_.supervisor->shutdown(0);
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::sealingKey(SealingKeyContext context) {
  return ctx_.supervisor->signer().sealingKeyRequest().send().then(
      [context](auto&& r) mutable { context.getResults().setPublicKey(r.getPublicKey()); });
}

// create, restore, changePassword: every secret in these messages is a blob
// the ui sealed to keyd (ipc/sealed_box.h). The broker relays it unopened
// and could not open it; the new phrase comes back sealed to the ui.
kj::Promise<void> WalletServer::create(CreateContext context) {
  auto params = context.getParams();
  auto req = ctx_.supervisor->signer().createRequest();
  req.setSealedPassword(params.getSealedPassword());
  req.setSeedType(params.getSeedType());
  req.setNetwork(schema_network(ctx_.options.network));
  req.setPhraseKey(params.getPhraseKey());
  return req.send().then([this, context](auto&& r) mutable {
    record_accounts(r.getAccounts());
    context.getResults().setSealedPhrase(r.getSealedPhrase());
  });
}

kj::Promise<void> WalletServer::restore(RestoreContext context) {
  auto params = context.getParams();
  auto req = ctx_.supervisor->signer().restoreRequest();
  req.setSealedPhrase(params.getSealedPhrase());
  req.setSealedPassphrase(params.getSealedPassphrase());
  req.setSeedType(params.getSeedType());
  req.setSealedPassword(params.getSealedPassword());
  req.setNetwork(schema_network(ctx_.options.network));
  return req.send().then([this](auto&& r) { record_accounts(r.getAccounts()); });
}

kj::Promise<void> WalletServer::changePassword(ChangePasswordContext context) {
  auto params = context.getParams();
  auto req = ctx_.supervisor->signer().changePasswordRequest();
  req.setSealedOldPassword(params.getSealedOldPassword());
  req.setSealedNewPassword(params.getSealedNewPassword());
  return req.send().ignoreResult();
}

void WalletServer::record_accounts(capnp::List<ipc::schema::Account>::Reader accounts) {
  std::vector<std::tuple<std::string, std::string, bool>> list;
  for (auto a : accounts) {
    list.emplace_back(a.getPath(), a.getXpub(),
                      a.getScriptType() == ipc::schema::ScriptType::P2WPKH);
  }
  ctx_.engine->add_accounts(list);
  ctx_.engine->start_network();
}

kj::Promise<void> WalletServer::sync(SyncContext context) {
  return ctx_.engine->synced().then([context](SyncStatus st) mutable {
    auto p = context.getResults().initProgress();
    p.setHeight(static_cast<uint32_t>(st.height));
    p.setTarget(static_cast<uint32_t>(st.server_height));
    p.setAddressesPending(static_cast<uint32_t>(st.pending));
  });
}

kj::Promise<void> WalletServer::getBalance(GetBalanceContext context) {
  return ctx_.engine->synced().then([this, context](SyncStatus) mutable {
    Balance b = ctx_.engine->model().balance();
    auto out = context.getResults().initBalance();
    out.setConfirmed(b.confirmed);
    out.setUnconfirmed(b.unconfirmed);
    out.setFrozen(b.frozen);
    out.setLockedInNames(b.locked_in_names);
  });
}

kj::Promise<void> WalletServer::listAddresses(ListAddressesContext context) {
  return ctx_.engine->synced().then([this, context](SyncStatus) mutable {
    auto p = context.getParams();
    auto& model = ctx_.engine->model();
    std::map<AddressId, int64_t> balances;
    for (const auto& c : model.coins()) balances[c.address] += c.value;
    std::vector<const AddressRecord*> picked;
    for (const auto& a : model.addresses()) {
      if (p.getReceiving() && a.change) continue;
      if (p.getChange() && !a.change) continue;
      if (p.getFunded() && balances[a.id] == 0) continue;
      if (p.getUnused() && a.used) continue;
      picked.push_back(&a);
    }
    auto out = context.getResults().initAddresses(picked.size());
    for (size_t i = 0; i < picked.size(); ++i) {
      const AddressRecord& a = *picked[i];
      out[i].setAddress(chain::script_to_address(a.script, ctx_.engine->params()).value_or("?"));
      out[i].setChange(a.change);
      out[i].setIndex(a.index);
      out[i].setUsed(a.used);
      out[i].setBalance(balances[a.id]);
      out[i].setFrozen(a.frozen);
      out[i].setLabel(a.label);
    }
  });
}

kj::Promise<void> WalletServer::getUnusedAddress(GetUnusedAddressContext context) {
  // Synced first, so an address the chain has already used is not handed
  // out again; offline, the wallet's own view is the best there is.
  return ctx_.engine->synced()
      .then([](SyncStatus) {}, [](kj::Exception&&) {})
      .then([this, context]() mutable {
        context.getResults().setAddress(ctx_.engine->fresh_receive_address());
      });
}

kj::Promise<void> WalletServer::history(HistoryContext context) {
  return ctx_.engine->synced().then([this, context](SyncStatus) mutable {
    // One page from the model's index (O(log n + page)); capped so an answer
    // stays well inside the ui's reader limit (about 130 bytes an item).
    constexpr uint32_t kMaxPage = 10'000;
    auto p = context.getParams();
    const uint32_t limit = p.getLimit() == 0 ? kMaxPage : std::min(p.getLimit(), kMaxPage);
    const auto& model = ctx_.engine->model();
    auto items = model.history_page(p.getOffset(), limit, p.getNewestFirst());
    context.getResults().setTotal(static_cast<uint32_t>(model.history_size()));
    auto out = context.getResults().initItems(static_cast<unsigned>(items.size()));
    for (size_t i = 0; i < items.size(); ++i) {
      out[i].setTxid(txid_hex(items[i].txid));
      out[i].setHeight(items[i].height);
      out[i].setTimestamp(items[i].first_seen);
      out[i].setDelta(items[i].delta);
      out[i].setFee(items[i].fee.value_or(0));
      out[i].setBalance(items[i].balance);
      out[i].setVerified(items[i].verified);
      out[i].setLabel(items[i].label);
    }
  });
}

kj::Promise<void> WalletServer::listUnspent(ListUnspentContext context) {
  return ctx_.engine->synced().then([this, context](SyncStatus) mutable {
    auto& model = ctx_.engine->model();
    auto coins = model.coins();
    auto out = context.getResults().initCoins(coins.size());
    for (size_t i = 0; i < coins.size(); ++i) {
      const Coin& c = coins[i];
      out[i].setTxid(txid_hex(c.outpoint.txid));
      out[i].setVout(c.outpoint.index);
      out[i].setAddress(
          chain::script_to_address(c.script_pubkey, ctx_.engine->params()).value_or("?"));
      out[i].setValue(c.value);
      out[i].setHeight(c.height);
      out[i].setFrozen(c.frozen);
      if (c.is_name) {
        if (auto ns = chain::decode_name_script(c.script_pubkey)) {
          out[i].setName(capnp::Data::Reader(ns->op.name.data(), ns->op.name.size()));
        }
      }
    }
  });
}

kj::Promise<void> WalletServer::freeze(FreezeContext context) {
  ctx_.engine->freeze(context.getParams().getTarget(), context.getParams().getFrozen());
  return kj::READY_NOW;
}

WalletServer::~WalletServer() {
  if (ctx_.engine == nullptr) return;  // the broker is past its engine
  for (const auto& txid : held_) {
    try {
      ctx_.engine->forget_held(chain::hash_from_hex_reversed(txid));
    } catch (const std::exception& e) {
      if (ctx_.events != nullptr)
        ctx_.events->notice("could not forget held transaction " + txid + ": " + e.what());
    }
  }
}

kj::Promise<void> WalletServer::payTo(PayToContext context) {
  auto p = context.getParams();
  PayRequest req;
  for (auto o : p.getOutputs()) req.outputs.emplace_back(o.getDestination(), o.getAmount());
  auto opt = p.getOptions();
  if (opt.getFeeRate() > 0) req.fee_rate = opt.getFeeRate();
  for (auto c : opt.getFromCoins()) req.from_coins.emplace_back(c);
  for (auto a : opt.getFromAddresses()) req.from_addresses.emplace_back(a);
  req.rbf = opt.getRbf();
  req.unsigned_only = opt.getUnsigned();
  req.broadcast = opt.getBroadcast();
  // The interactive mode signs first and asks "Broadcast it?": held until
  // answered. A command's --no-broadcast keeps its transaction for later.
  req.hold = !req.broadcast && inv_.interactive && inv_.command.empty();
  req.stream_id = opt.getStreamId();
  req.sealed_password.assign(opt.getSealedPassword().begin(), opt.getSealedPassword().end());
  return ctx_.engine->synced()
      .then([this, req = std::move(req)](SyncStatus) mutable {
        return ctx_.engine->pay(std::move(req));
      })
      .then([this, context](SendOutcome o) mutable {
        if (o.signed_by_keyd && !o.broadcast) held_.insert(txid_hex(o.txid));
        fill_send(context.getResults().initResult(), o);
      });
}

kj::Promise<void> WalletServer::bumpFee(BumpFeeContext context) {
  auto p = context.getParams();
  std::string txid = p.getTxid();
  int64_t rate = p.getFeeRate();
  chain::Bytes sealed(p.getSealedPassword().begin(), p.getSealedPassword().end());
  return ctx_.engine->synced()
      .then([this, txid, rate, sealed](SyncStatus) mutable {
        return ctx_.engine->bump_fee(txid, rate, std::move(sealed));
      })
      .then([context](SendOutcome o) mutable { fill_send(context.getResults().initResult(), o); });
}

kj::Promise<void> WalletServer::signTransaction(SignTransactionContext context) {
  auto p = context.getParams();
  chain::Bytes raw(p.getUnsignedTx().begin(), p.getUnsignedTx().end());
  chain::Bytes sealed(p.getSealedPassword().begin(), p.getSealedPassword().end());
  return ctx_.engine->synced()
      .then([this, raw, sealed](SyncStatus) mutable {
        return ctx_.engine->sign_transaction(std::move(raw), std::move(sealed));
      })
      .then([context](SendOutcome o) mutable { fill_send(context.getResults().initResult(), o); });
}

kj::Promise<void> WalletServer::broadcast(BroadcastContext context) {
  auto p = context.getParams();
  chain::Bytes raw(p.getRawTx().begin(), p.getRawTx().end());
  std::string stream = p.getStreamId();
  // After the sync: netd is configured then, and the wallet learns the
  // transaction as its own.
  return ctx_.engine->synced()
      .then([this, raw = std::move(raw), stream](SyncStatus) mutable {
        return ctx_.engine->broadcast(std::move(raw), stream);
      })
      .then([this, context](chain::Hash256 txid) mutable {
        held_.erase(txid_hex(txid));
        context.getResults().setTxid(txid_hex(txid));
      });
}

kj::Promise<void> WalletServer::audit(AuditContext context) {
  // Read from the kernel (/proc) for each child, against its policy, once
  // every child has answered hello (their reported Landlock ABI counts).
  return ctx_.supervisor->settled().then([this, context]() mutable {
    std::vector<sandbox::AuditResult> results;
    bool ok = true;
    for (int i = 0; i < kRoleCount; ++i) {
      Role r = static_cast<Role>(i);
      const ChildStatus& st = child(r);
      sandbox::AuditInput in;
      in.reference_pid = getpid();
      in.reported_landlock_abi = st.answered ? st.landlock_abi : -1;
      sandbox::AuditResult a = sandbox::audit_process(st.pid, ctx_.supervisor->policy_of(r), in);
      ok = ok && a.ok && st.pid > 0;
      results.push_back(std::move(a));
    }
    std::string report = sandbox::render_table(results);
    report += "\n\x1e";  // the ui prints the table or, with --json, what follows
    report += sandbox::render_json(results);
    context.getResults().setReport(report);
    context.getResults().setOk(ok);
  });
}

// Name operations: wait for sync (the wallet must know its coins and names),
// then the engine builds, keyd signs, netd broadcasts on its own stream.
template <typename Context, typename Call>
static kj::Promise<void> name_send(WalletEngine& engine, Context context, NameRequest req,
                                   Call call) {
  return engine.synced()
      .then([&engine, req = std::move(req), call](SyncStatus) mutable {
        return call(engine, std::move(req));
      })
      .then([context](SendOutcome o) mutable { fill_send(context.getResults().initResult(), o); });
}

kj::Promise<void> WalletServer::nameNew(NameNewContext context) {
  auto p = context.getParams();
  return name_send(*ctx_.engine, context,
                   name_request(p.getName(), capnp::Data::Reader(), false, p.getOptions()),
                   [](WalletEngine& e, NameRequest r) { return e.name_new(std::move(r), false); });
}

kj::Promise<void> WalletServer::nameFirstUpdate(NameFirstUpdateContext context) {
  auto p = context.getParams();
  return name_send(*ctx_.engine, context,
                   name_request(p.getName(), p.getValue(), true, p.getOptions()),
                   [](WalletEngine& e, NameRequest r) { return e.name_firstupdate(std::move(r)); });
}

kj::Promise<void> WalletServer::nameAutoRegister(NameAutoRegisterContext context) {
  auto p = context.getParams();
  return name_send(*ctx_.engine, context,
                   name_request(p.getName(), p.getValue(), true, p.getOptions()),
                   [](WalletEngine& e, NameRequest r) { return e.name_new(std::move(r), true); });
}

kj::Promise<void> WalletServer::nameUpdate(NameUpdateContext context) {
  auto p = context.getParams();
  return name_send(*ctx_.engine, context,
                   name_request(p.getName(), p.getValue(), p.getHasValue(), p.getOptions()),
                   [](WalletEngine& e, NameRequest r) { return e.name_update(std::move(r)); });
}

kj::Promise<void> WalletServer::nameShow(NameShowContext context) {
  auto p = context.getParams();
  chain::Bytes name(p.getName().begin(), p.getName().end());
  std::string stream = p.getStreamId();
  return ctx_.engine->synced()
      .then([this, name, stream](SyncStatus) { return ctx_.engine->name_show(name, stream); })
      .then([context](NameView v) mutable { fill_name(context.getResults().initInfo(), v); });
}

kj::Promise<void> WalletServer::nameList(NameListContext context) {
  return ctx_.engine->synced().then([this, context](SyncStatus) mutable {
    auto names = ctx_.engine->name_list();
    auto out = context.getResults().initNames(names.size());
    for (size_t i = 0; i < names.size(); ++i) fill_name(out[i], names[i]);
  });
}

kj::Promise<void> WalletServer::listAddressGroupings(ListAddressGroupingsContext context) {
  return ctx_.engine->synced().then([this, context](SyncStatus) mutable {
    auto p = context.getParams();
    GroupingsListOptions opt;
    if (p.getIdentifier().size() > 0) {
      opt.identifier = std::string(p.getIdentifier().begin(), p.getIdentifier().end());
    }
    opt.collapse = p.getCollapse();
    auto groups = list_address_groupings(ctx_.engine->model(), ctx_.engine->store(),
                                         ctx_.engine->params(), opt);
    auto out = context.getResults().initGroups(groups.size());
    for (size_t i = 0; i < groups.size(); ++i) {
      auto a = out[i].initAddresses(groups[i].addresses.size());
      for (size_t k = 0; k < groups[i].addresses.size(); ++k) {
        a[k].setAddress(groups[i].addresses[k].address);
        a[k].setBalance(groups[i].addresses[k].balance);
        a[k].setLabel(groups[i].addresses[k].label);
      }
      auto n = out[i].initNames(groups[i].names.size());
      for (size_t k = 0; k < groups[i].names.size(); ++k) {
        n.set(k, capnp::Data::Reader(groups[i].names[k].data(), groups[i].names[k].size()));
      }
      out[i].setBalance(groups[i].balance);
    }
  });
}

kj::Promise<void> WalletServer::signMessage(SignMessageContext context) {
  auto p = context.getParams();
  chain::Bytes message(p.getMessage().begin(), p.getMessage().end());
  chain::Bytes sealed(p.getSealedPassword().begin(), p.getSealedPassword().end());
  return sign_message(*ctx_.engine, ctx_.supervisor->signer(), p.getAddress(), std::move(message),
                      std::move(sealed))
      .then([context](std::string sig) mutable { context.getResults().setSignature(sig); });
}

kj::Promise<void> WalletServer::verifyMessage(VerifyMessageContext context) {
  auto p = context.getParams();
  chain::Bytes message(p.getMessage().begin(), p.getMessage().end());
  context.getResults().setValid(
      verify_message(*ctx_.engine, p.getAddress(), message, p.getSignature()));
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::subscribe(SubscribeContext context) {
  if (ctx_.events != nullptr) ctx_.events->subscribe(context.getParams().getEvents());
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::discard(DiscardContext context) {
  std::string txid = context.getParams().getTxid();
  if (held_.erase(txid) == 0) {
    ipc::fail(ipc::ErrorCode::kUsage,
              "discard: " + txid + " was not built by this ui and held back");
  }
  auto& model = ctx_.engine->model();
  chain::Hash256 h = chain::hash_from_hex_reversed(txid);
  ctx_.engine->forget_held(h);
  auto rec = model.transaction(h);
  if (rec && rec->local && rec->height <= 0) model.remove_transaction(h);
  return kj::READY_NOW;
}

}  // namespace redoubt::broker
