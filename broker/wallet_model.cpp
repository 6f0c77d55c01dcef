#include "broker/wallet_model.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <tuple>

#include "chain/error.h"
#include "chain/names.h"
#include "chain/script.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using chain::Hash256;
using chain::OutPoint;

std::string key(chain::ByteSpan b) {
  return std::string(b.begin(), b.end());
}

Bytes script_for(const chain::PublicKey& k, chain::KeyScriptType t) {
  return t == chain::KeyScriptType::kP2wpkh ? chain::p2wpkh_script(k.key_hash())
                                            : chain::p2pkh_script(k.key_hash());
}

chain::ExtendedPublicKey parse_xpub(const std::string& xpub) {
  return chain::ExtendedPublicKey::from_base58(xpub, chain::ExtendedPublicKey::peek_version(xpub));
}

// Each outpoint once (an input list may repeat one; a coin counts once).
std::vector<OutPoint> distinct(std::vector<OutPoint> v) {
  std::sort(v.begin(), v.end(), [](const OutPoint& a, const OutPoint& b) {
    return std::tie(a.txid, a.index) < std::tie(b.txid, b.index);
  });
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

HistoryKey history_key(const TxRecord& r) {
  return {r.height == kUnconfirmedHeight, r.height, r.position, r.first_seen, r.txid};
}

// A history item's fields that come from the record (not delta or balance).
HistoryItem history_item(const TxRecord& r) {
  HistoryItem h;
  h.txid = r.txid;
  h.height = r.height;
  h.position = r.position;
  h.verified = r.verified;
  h.fee = r.fee;
  h.first_seen = r.first_seen;
  h.label = r.label;
  return h;
}

}  // namespace

size_t WalletModel::HashHasher::operator()(const Hash256& h) const {
  size_t v;
  std::memcpy(&v, h.data(), sizeof v);  // txids are uniformly distributed
  return v;
}

size_t WalletModel::OutPointHasher::operator()(const OutPoint& o) const {
  return HashHasher()(o.txid) ^ (static_cast<size_t>(o.index) * 0x9e3779b97f4a7c15ull);
}

WalletModel::WalletModel(Store& store, const chain::NetworkParams& params)
    : store_(store), params_(params) {
  load();
}

void WalletModel::note_used(const AddressRecord& a) {
  auto& st = chain_state_.try_emplace({a.account_id, a.change}, 0, -1).first->second;
  st.second = std::max<int64_t>(st.second, a.index);
}

void WalletModel::index_address(const AddressRecord& a) {
  auto& st = chain_state_.try_emplace({a.account_id, a.change}, 0, -1).first->second;
  st.first = std::max<int64_t>(st.first, static_cast<int64_t>(a.index) + 1);
  if (a.used) st.second = std::max<int64_t>(st.second, a.index);
  addr_by_id_[a.id] = addresses_.size();
  addr_by_script_[key(a.script)] = addresses_.size();
  addresses_.push_back(a);
}

void WalletModel::load() {
  accounts_ = store_.accounts();
  for (const auto& acc : accounts_) {
    auto x = parse_xpub(acc.xpub);
    chains_.emplace(acc.id, std::make_pair(x.derive(0), x.derive(1)));
  }
  for (const auto& a : store_.addresses()) index_address(a);
  for (auto& t : store_.transactions()) {
    TxState s;
    chain::Transaction tx = chain::parse_transaction(t.raw);
    s.n_outputs = static_cast<uint32_t>(tx.outputs.size());
    s.coinbase = tx.is_coinbase();
    t.raw.clear();
    t.raw.shrink_to_fit();
    s.rec = std::move(t);
    txs_.emplace(s.rec.txid, std::move(s));
  }
  for (auto& o : store_.outputs()) outputs_.emplace(o.outpoint, std::move(o));
  for (const auto& sp : store_.spends()) {
    auto it = txs_.find(sp.spending_txid);
    if (it == txs_.end()) continue;
    auto& ins = it->second.inputs;
    if (ins.size() <= sp.input_index) ins.resize(sp.input_index + 1);
    ins[sp.input_index] = sp.prevout;
    spent_by_[sp.prevout].push_back(sp.spending_txid);
  }
  for (const auto& op : store_.frozen_coins()) frozen_coins_.insert({op.txid, op.index});
  for (const auto& [txid, st] : txs_) history_.set(history_key(st.rec), delta_of(st));
  balance_ = compute_balance();
}

std::vector<AddressRecord> WalletModel::add_account(const std::string& path,
                                                    const std::string& xpub,
                                                    chain::KeyScriptType type, uint32_t gap_receive,
                                                    uint32_t gap_change) {
  chain::parse_key_path(path);  // validates
  auto x = parse_xpub(xpub);    // validates (throws ChainError)
  Store::Batch b(store_);
  AccountRecord acc{0, path, xpub, type, gap_receive, gap_change};
  acc.id = store_.add_account(acc);
  chains_.emplace(acc.id, std::make_pair(x.derive(0), x.derive(1)));
  auto fresh = derive_gap(acc);
  b.commit();
  accounts_.push_back(acc);
  for (const auto& a : fresh) index_address(a);
  return fresh;
}

std::vector<AddressRecord> WalletModel::derive_gap(const AccountRecord& acc) {
  std::vector<AddressRecord> fresh;
  for (int change = 0; change < 2; ++change) {
    const uint32_t gap = change ? acc.gap_change : acc.gap_receive;
    auto it = chain_state_.find({acc.id, change == 1});
    const int64_t count = it == chain_state_.end() ? 0 : it->second.first;
    const int64_t last_used = it == chain_state_.end() ? -1 : it->second.second;
    const auto& xp = change ? chains_.at(acc.id).second : chains_.at(acc.id).first;
    for (int64_t i = count; i < last_used + 1 + gap; ++i) {
      AddressRecord a;
      a.account_id = acc.id;
      a.change = change == 1;
      a.index = static_cast<uint32_t>(i);
      a.script = script_for(xp.derive_pubkey(a.index), acc.script_type);
      a.scripthash = chain::electrum_script_hash(a.script);
      fresh.push_back(std::move(a));
    }
  }
  return store_.add_addresses(std::move(fresh));
}

const AddressRecord* WalletModel::address(AddressId id) const {
  auto it = addr_by_id_.find(id);
  return it == addr_by_id_.end() ? nullptr : &addresses_[it->second];
}

const AddressRecord* WalletModel::address_by_script(chain::ByteSpan script) const {
  auto it = addr_by_script_.find(key(script));
  return it == addr_by_script_.end() ? nullptr : &addresses_[it->second];
}

chain::KeyPath WalletModel::path_of(const AddressRecord& a) const {
  for (const auto& acc : accounts_)
    if (acc.id == a.account_id) {
      chain::KeyPath p = chain::parse_key_path(acc.path);
      p.push_back(a.change ? 1 : 0);
      p.push_back(a.index);
      return p;
    }
  throw WalletError("address of an unknown account");
}

OwnAddress WalletModel::fresh_address(bool change) const {
  for (const auto& a : addresses_)
    if (a.change == change && !a.used) {
      auto type = chain::KeyScriptType::kP2wpkh;
      for (const auto& acc : accounts_)
        if (acc.id == a.account_id) type = acc.script_type;
      return {a.id, a.script, path_of(a), type};
    }
  throw WalletError("no fresh address: add an account first");
}

ApplyResult WalletModel::apply_transaction(const chain::Transaction& tx, int32_t height,
                                           int32_t position, bool verified, bool local,
                                           int64_t now) {
  ApplyResult res;
  const Hash256 txid = tx.txid();
  auto existing = txs_.find(txid);
  res.is_new = existing == txs_.end();
  const bool confirmed = verified && height > 0;
  // A transaction we dropped (replaced, conflicted) counts again only once
  // it is confirmed; a server still listing it unconfirmed changes nothing.
  if (res.is_new && !confirmed && !local && store_.dropped_transaction(txid)) {
    res.is_new = false;
    return res;
  }

  TxRecord rec;
  rec.txid = txid;
  rec.raw = tx.serialize();
  rec.height = height;
  rec.position = position;
  rec.verified = verified;
  rec.local = local;
  rec.first_seen = res.is_new ? (now ? now : static_cast<int64_t>(std::time(nullptr)))
                              : existing->second.rec.first_seen;

  std::vector<OutputRecord> outs;
  std::set<AddressId> touched;
  for (uint32_t i = 0; i < tx.outputs.size(); ++i) {
    const auto& o = tx.outputs[i];
    OutputRecord r{{txid, i}, o.value, o.script_pubkey, std::nullopt, std::nullopt};
    auto ns = chain::decode_name_script(o.script_pubkey);
    if (ns) r.name_op = ns->op;
    if (const AddressRecord* a = address_by_script(ns ? ns->address_script : o.script_pubkey)) {
      r.address_id = a->id;
      touched.insert(a->id);
    }
    outs.push_back(std::move(r));
  }
  std::vector<SpendRecord> spends;
  std::vector<OutPoint> inputs;
  int64_t in_value = 0;
  bool all_inputs_known = !tx.is_coinbase();
  if (!tx.is_coinbase()) {
    for (uint32_t i = 0; i < tx.inputs.size(); ++i) {
      const OutPoint& p = tx.inputs[i].prevout;
      spends.push_back({p, txid, i});
      inputs.push_back(p);
      auto it = outputs_.find(p);
      if (it == outputs_.end()) {
        all_inputs_known = false;
        continue;
      }
      in_value += it->second.value;
      if (it->second.address_id) touched.insert(*it->second.address_id);
    }
  }
  if (all_inputs_known) {
    int64_t out_value = 0;
    for (const auto& o : tx.outputs) out_value += o.value;
    rec.fee = in_value - out_value;
  }

  // Name records: our name outputs become (or update) names we hold; a name
  // input of ours whose name goes to a foreign address leaves the wallet.
  std::vector<NameRecord> put_names;
  std::vector<Bytes> removed_names;
  for (const auto& o : outs) {
    if (!o.name_op || o.name_op->type == chain::NameOpType::kNameNew) continue;
    if (o.address_id) {
      put_names.push_back(
          {o.name_op->name, o.name_op->value, o.outpoint, height, o.address_id, {}});
    } else {
      for (const auto& p : inputs) {
        auto it = outputs_.find(p);
        if (it != outputs_.end() && it->second.address_id && it->second.name_op &&
            it->second.name_op->name == o.name_op->name)
          removed_names.push_back(o.name_op->name);
      }
    }
  }

  Store::Batch batch(store_);
  if (res.is_new && (confirmed || local)) store_.undrop_transaction(txid);
  store_.put_transaction(rec, outs, spends);
  // A server listed it (mempool or block): the broadcast is done.
  if (!local) store_.remove_setting(broadcast_pending_key(txid));
  for (AddressId id : touched)
    if (const AddressRecord* a = address(id); a && !a->used) store_.set_address_used(id, true);
  for (const auto& n : put_names) store_.put_name(n);
  for (const auto& n : removed_names) store_.remove_name(n);
  // Mark used in memory first so derive_gap sees the new use; undo on failure.
  std::vector<AddressId> newly_used;
  for (AddressId id : touched) {
    AddressRecord& a = addresses_[addr_by_id_.at(id)];
    if (!a.used) {
      a.used = true;
      note_used(a);
      newly_used.push_back(id);
    }
  }
  try {
    for (const auto& acc : accounts_) {
      auto fresh = derive_gap(acc);
      res.new_addresses.insert(res.new_addresses.end(), fresh.begin(), fresh.end());
    }
    batch.commit();
  } catch (...) {
    // Restore the in-memory view (the database rolled back with the batch).
    for (AddressId id : newly_used) addresses_[addr_by_id_.at(id)].used = false;
    chain_state_.clear();
    for (const auto& a : addresses_) {
      auto& st = chain_state_.try_emplace({a.account_id, a.change}, 0, -1).first->second;
      st.first = std::max<int64_t>(st.first, static_cast<int64_t>(a.index) + 1);
      if (a.used) st.second = std::max<int64_t>(st.second, a.index);
    }
    throw;
  }

  for (const auto& a : res.new_addresses) index_address(a);
  // balance_: what the coins this changes counted for comes out, then back in.
  std::vector<OutPoint> coins_changed = inputs;
  for (uint32_t i = 0; i < outs.size(); ++i) coins_changed.push_back({txid, i});
  coins_changed = distinct(std::move(coins_changed));
  for (const auto& op : coins_changed) count_coin(balance_, op, -1);
  TxState s;
  rec.raw.clear();
  s.rec = std::move(rec);
  s.inputs = inputs;
  s.n_outputs = static_cast<uint32_t>(tx.outputs.size());
  s.coinbase = tx.is_coinbase();
  if (res.is_new) {
    for (const auto& p : inputs) spent_by_[p].push_back(txid);
  }
  txs_[txid] = std::move(s);
  for (auto& o : outs) outputs_[o.outpoint] = std::move(o);
  for (const auto& op : coins_changed) count_coin(balance_, op, +1);
  reindex(txid);
  reindex_spenders(txid);  // their inputs' values may be known only now
  fill_spender_fees(txid);
  if (res.is_new) ++additions_;
  for (const auto& n : put_names) res.names_changed.push_back(n.name);
  for (const auto& n : removed_names) res.names_changed.push_back(n);
  if (confirmed) {
    // Unconfirmed spends of the same coins can never confirm now.
    std::vector<Hash256> conflicts;
    for (const auto& p : inputs) {
      auto sp = spent_by_.find(p);
      if (sp == spent_by_.end()) continue;
      for (const auto& other : sp->second)
        if (other != txid && txs_.at(other).rec.height <= 0) conflicts.push_back(other);
    }
    for (const auto& c : conflicts) drop_transaction(c, "conflicted", txid, now);
  }
  return res;
}

int WalletModel::rollback_above(int32_t fork_height) {
  int n = store_.unconfirm_above(fork_height);
  for (auto& [id, s] : txs_)
    if (s.rec.height > fork_height) {
      for (uint32_t i = 0; i < s.n_outputs; ++i) count_coin(balance_, {id, i}, -1);
      s.rec.height = kUnconfirmedHeight;
      s.rec.position = -1;
      s.rec.verified = false;
      for (uint32_t i = 0; i < s.n_outputs; ++i) count_coin(balance_, {id, i}, +1);
      reindex(id);
    }
  return n;
}

void WalletModel::remove_transaction(const Hash256& txid) {
  if (!txs_.count(txid)) return;
  store_.remove_transaction(txid);
  forget(txid);
}

void WalletModel::forget(const Hash256& txid) {
  auto it = txs_.find(txid);
  if (it == txs_.end()) return;
  const std::vector<OutPoint> inputs = distinct(it->second.inputs);
  for (const auto& p : inputs) count_coin(balance_, p, -1);
  for (uint32_t i = 0; i < it->second.n_outputs; ++i) count_coin(balance_, {txid, i}, -1);
  history_.erase(txid);
  std::vector<Hash256> spenders;  // left when a transaction is removed, not dropped
  for (uint32_t i = 0; i < it->second.n_outputs; ++i)
    if (auto sp = spent_by_.find({txid, i}); sp != spent_by_.end())
      spenders.insert(spenders.end(), sp->second.begin(), sp->second.end());
  for (const auto& p : it->second.inputs) {
    auto s = spent_by_.find(p);
    if (s == spent_by_.end()) continue;
    auto& v = s->second;
    v.erase(std::remove(v.begin(), v.end(), txid), v.end());
    if (v.empty()) spent_by_.erase(s);
  }
  for (uint32_t i = 0; i < it->second.n_outputs; ++i) outputs_.erase({txid, i});
  txs_.erase(it);
  for (const auto& p : inputs) count_coin(balance_, p, +1);
  for (const auto& c : spenders)
    if (c != txid && txs_.count(c)) reindex(c);
}

void WalletModel::drop_transaction(const Hash256& txid, const std::string& reason,
                                   std::optional<Hash256> by, int64_t now) {
  auto it = txs_.find(txid);
  if (it == txs_.end() || it->second.rec.height > 0) return;
  if (now == 0) now = static_cast<int64_t>(std::time(nullptr));
  // Descendants first: they spend outputs that will never exist.
  std::vector<Hash256> children;
  for (uint32_t i = 0; i < it->second.n_outputs; ++i) {
    auto s = spent_by_.find({txid, i});
    if (s != spent_by_.end()) children.insert(children.end(), s->second.begin(), s->second.end());
  }
  for (const auto& c : children) drop_transaction(c, "conflicted", txid, now);
  auto rec = store_.transaction(txid);
  if (!rec) return;
  // The names it carried or spent: their rows go back to what the
  // remaining transactions say (the output it spent is ours again).
  std::set<Bytes> names;
  for (uint32_t i = 0; i < it->second.n_outputs; ++i)
    if (auto o = outputs_.find({txid, i}); o != outputs_.end() && o->second.name_op &&
                                           o->second.name_op->type != chain::NameOpType::kNameNew)
      names.insert(o->second.name_op->name);
  for (const auto& p : it->second.inputs)
    if (auto o = outputs_.find(p); o != outputs_.end() && o->second.address_id &&
                                   o->second.name_op &&
                                   o->second.name_op->type != chain::NameOpType::kNameNew)
      names.insert(o->second.name_op->name);
  Store::Batch b(store_);
  store_.drop_transaction({txid, std::move(rec->raw), reason, by, now});
  store_.remove_setting(broadcast_pending_key(txid));  // nothing left to broadcast
  // A name_new that will never confirm: its queued firstupdate never can.
  for (const auto& q : store_.queued_firstupdates())
    if (q.name_new.txid == txid &&
        (q.state == QueueState::kWaiting || q.state == QueueState::kBroadcast))
      store_.set_queue_state(q.id, QueueState::kFailed, "the name_new was " + reason);
  for (const auto& n : names) {
    if (auto held = held_name(n, txid))
      store_.put_name(*held);
    else
      store_.remove_name(n);
  }
  b.commit();
  forget(txid);
}

std::optional<NameRecord> WalletModel::held_name(chain::ByteSpan name,
                                                 const Hash256& ignoring) const {
  for (const auto& [op, o] : outputs_) {
    if (op.txid == ignoring || !o.address_id || !o.name_op ||
        o.name_op->type == chain::NameOpType::kNameNew ||
        !std::equal(name.begin(), name.end(), o.name_op->name.begin(), o.name_op->name.end()))
      continue;
    auto sp = spent_by_.find(op);
    if (sp != spent_by_.end() && std::any_of(sp->second.begin(), sp->second.end(),
                                             [&](const Hash256& t) { return t != ignoring; }))
      continue;
    return NameRecord{o.name_op->name, o.name_op->value, op, txs_.at(op.txid).rec.height,
                      o.address_id,    std::nullopt};
  }
  return std::nullopt;
}

void WalletModel::mark_listed(const Hash256& txid) {
  auto it = txs_.find(txid);
  if (it == txs_.end() || !it->second.rec.local) return;
  Store::Batch b(store_);
  store_.set_tx_local(txid, false);
  store_.remove_setting(broadcast_pending_key(txid));
  b.commit();
  it->second.rec.local = false;
}

std::vector<Hash256> WalletModel::local_unconfirmed() const {
  std::vector<Hash256> out;
  for (const auto& [txid, s] : txs_)
    if (s.rec.local && s.rec.height <= 0) out.push_back(txid);
  return out;
}

std::vector<AddressId> WalletModel::addresses_awaiting_confirmation() const {
  std::set<AddressId> ids;
  auto note = [&](const chain::OutPoint& op) {
    auto it = outputs_.find(op);
    if (it != outputs_.end() && it->second.address_id) ids.insert(*it->second.address_id);
  };
  for (const auto& [txid, s] : txs_) {
    if (s.rec.height > 0 && s.rec.verified) continue;
    for (uint32_t i = 0; i < s.n_outputs; ++i) note({txid, i});
    for (const auto& in : s.inputs) note(in);
  }
  return {ids.begin(), ids.end()};
}

std::optional<DroppedTx> WalletModel::dropped(const Hash256& txid) const {
  return store_.dropped_transaction(txid);
}

void WalletModel::set_address_frozen(AddressId id, bool frozen) {
  store_.set_address_frozen(id, frozen);
  addresses_[addr_by_id_.at(id)].frozen = frozen;
  balance_ = compute_balance();  // a user's action, rare: every coin of the address moves
}

void WalletModel::set_coin_frozen(const OutPoint& op, bool frozen) {
  store_.set_coin_frozen(op, frozen);
  count_coin(balance_, op, -1);
  if (frozen)
    frozen_coins_.insert({op.txid, op.index});
  else
    frozen_coins_.erase({op.txid, op.index});
  count_coin(balance_, op, +1);
}

bool WalletModel::is_spent(const OutPoint& op) const {
  return spent_by_.count(op) != 0;
}

std::optional<Coin> WalletModel::own_output(const OutPoint& op) const {
  auto it = outputs_.find(op);
  if (it == outputs_.end() || !it->second.address_id) return std::nullopt;
  return make_coin(it->second);
}

Coin WalletModel::make_coin(const OutputRecord& o) const {
  const AddressRecord& a = addresses_[addr_by_id_.at(*o.address_id)];
  const TxState& t = txs_.at(o.outpoint.txid);
  Coin c;
  c.outpoint = o.outpoint;
  c.value = o.value;
  c.script_pubkey = o.script;
  c.address = a.id;
  c.path = path_of(a);
  for (const auto& acc : accounts_)
    if (acc.id == a.account_id) c.type = acc.script_type;
  c.height = t.rec.height;
  c.is_name = o.name_op.has_value();
  c.frozen = a.frozen || frozen_coins_.count({o.outpoint.txid, o.outpoint.index});
  if (t.rec.height == kUnconfirmedHeight) {
    // Our own unconfirmed change: every input of its transaction was ours.
    c.own_unconfirmed =
        !t.inputs.empty() && std::all_of(t.inputs.begin(), t.inputs.end(), [&](const OutPoint& p) {
          auto it = outputs_.find(p);
          return it != outputs_.end() && it->second.address_id;
        });
  }
  return c;
}

std::vector<Coin> WalletModel::coins() const {
  std::vector<Coin> out;
  for (const auto& [op, o] : outputs_) {
    if (!o.address_id || is_spent(op)) continue;
    const TxState& t = txs_.at(op.txid);
    // Coinbase outputs need 100 confirmations; ours never are, skip them.
    if (t.coinbase) continue;
    out.push_back(make_coin(o));
  }
  std::sort(out.begin(), out.end(), [](const Coin& a, const Coin& b) {
    return a.outpoint.txid != b.outpoint.txid ? a.outpoint.txid < b.outpoint.txid
                                              : a.outpoint.index < b.outpoint.index;
  });
  return out;
}

std::optional<Coin> WalletModel::coin(const OutPoint& op) const {
  auto it = outputs_.find(op);
  if (it == outputs_.end() || !it->second.address_id || is_spent(op)) return std::nullopt;
  return make_coin(it->second);
}

std::optional<Coin> WalletModel::name_coin(chain::ByteSpan name) const {
  for (const auto& [op, o] : outputs_)
    if (o.address_id && o.name_op && o.name_op->type != chain::NameOpType::kNameNew &&
        std::equal(name.begin(), name.end(), o.name_op->name.begin(), o.name_op->name.end()) &&
        !is_spent(op))
      return make_coin(o);
  return std::nullopt;
}

void WalletModel::count_coin(Balance& b, const OutPoint& op, int sign) const {
  auto it = outputs_.find(op);
  if (it == outputs_.end()) return;
  const OutputRecord& o = it->second;
  if (!o.address_id || is_spent(op)) return;
  const TxState& t = txs_.at(op.txid);
  if (t.coinbase) return;
  const AddressRecord& a = addresses_[addr_by_id_.at(*o.address_id)];
  const int64_t v = sign * o.value;
  if (o.name_op)
    b.locked_in_names += v;
  else if (a.frozen || frozen_coins_.count({op.txid, op.index}))
    b.frozen += v;
  else if (t.rec.height != kUnconfirmedHeight)
    b.confirmed += v;
  else
    b.unconfirmed += v;
}

Balance WalletModel::compute_balance() const {
  Balance b;
  for (const auto& [op, o] : outputs_) count_coin(b, op, +1);
  return b;
}

int64_t WalletModel::delta_of(const TxState& s) const {
  int64_t delta = 0;
  for (uint32_t i = 0; i < s.n_outputs; ++i) {
    auto it = outputs_.find({s.rec.txid, i});
    if (it != outputs_.end() && it->second.address_id) delta += it->second.value;
  }
  for (const auto& p : s.inputs) {
    auto it = outputs_.find(p);
    if (it != outputs_.end() && it->second.address_id) delta -= it->second.value;
  }
  return delta;
}

void WalletModel::reindex(const Hash256& txid) {
  const TxState& s = txs_.at(txid);
  history_.set(history_key(s.rec), delta_of(s));
}

void WalletModel::reindex_spenders(const Hash256& txid) {
  const TxState& s = txs_.at(txid);
  for (uint32_t i = 0; i < s.n_outputs; ++i)
    if (auto sp = spent_by_.find({txid, i}); sp != spent_by_.end())
      for (const auto& c : sp->second)
        if (txs_.count(c)) reindex(c);
}

void WalletModel::fill_spender_fees(const Hash256& txid) {
  const uint32_t n = txs_.at(txid).n_outputs;
  for (uint32_t i = 0; i < n; ++i) {
    auto sp = spent_by_.find({txid, i});
    if (sp == spent_by_.end()) continue;
    for (const auto& c : sp->second) {
      auto it = txs_.find(c);
      if (it == txs_.end() || it->second.rec.fee || it->second.coinbase) continue;
      int64_t in_value = 0, out_value = 0;
      bool known = true;
      for (const auto& p : it->second.inputs) {
        auto o = outputs_.find(p);
        if (o == outputs_.end()) {
          known = false;
          break;
        }
        in_value += o->second.value;
      }
      for (uint32_t k = 0; known && k < it->second.n_outputs; ++k) {
        auto o = outputs_.find({c, k});
        if (o == outputs_.end())
          known = false;
        else
          out_value += o->second.value;
      }
      if (!known) continue;
      store_.set_tx_fee(c, in_value - out_value);
      it->second.rec.fee = in_value - out_value;
    }
  }
}

std::vector<HistoryItem> WalletModel::history() const {
  std::vector<const TxState*> order;
  for (const auto& [id, s] : txs_) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const TxState* a, const TxState* b) {
    return history_key(a->rec) < history_key(b->rec);
  });
  std::vector<HistoryItem> out;
  int64_t running = 0;
  for (const TxState* s : order) {
    HistoryItem h = history_item(s->rec);
    h.delta = delta_of(*s);
    running += h.delta;
    h.balance = running;
    out.push_back(h);
  }
  return out;
}

std::vector<HistoryItem> WalletModel::history_page(size_t offset, size_t limit,
                                                   bool newest_first) const {
  const size_t n = history_.size();
  if (offset >= n) return {};
  const size_t count = limit == 0 ? n - offset : std::min(limit, n - offset);
  auto entries = history_.range(newest_first ? n - offset - count : offset, count);
  if (newest_first) std::reverse(entries.begin(), entries.end());
  std::vector<HistoryItem> out;
  out.reserve(entries.size());
  for (const auto& e : entries) {
    HistoryItem h = history_item(txs_.at(e.txid).rec);
    h.delta = e.delta;
    h.balance = e.balance;
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<GroupingLink> WalletModel::grouping_links() const {
  // As namecoind's GetAddressGroupings: when any input is ours, the inputs
  // and our outputs of the transaction are one owner's (common-input-
  // ownership); when none is, each of our outputs stands alone (a payer
  // paying two of our addresses does not link them on chain). A name output
  // is linked to its address either way.
  std::vector<GroupingLink> links;
  links.reserve(txs_.size());
  for (const auto& [id, s] : txs_) {
    GroupingLink l;
    for (const auto& p : s.inputs) {
      auto it = outputs_.find(p);
      if (it != outputs_.end() && it->second.address_id)
        l.addresses.push_back(*it->second.address_id);
    }
    const bool spends_ours = !l.addresses.empty();
    for (uint32_t i = 0; i < s.n_outputs; ++i) {
      auto it = outputs_.find({id, i});
      if (it == outputs_.end()) continue;
      const OutputRecord& o = it->second;
      const bool named = o.name_op && o.name_op->type != chain::NameOpType::kNameNew;
      if (spends_ours) {
        if (o.address_id) l.addresses.push_back(*o.address_id);
        if (named) l.names.push_back(o.name_op->name);
      } else if (o.address_id && named) {
        links.push_back({{*o.address_id}, {o.name_op->name}});
      }
    }
    if (spends_ours) links.push_back(std::move(l));
  }
  // A queued firstupdate already ties its name to the name_new's coins.
  for (const auto& q : store_.queued_firstupdates()) {
    if (q.state == QueueState::kDone || q.state == QueueState::kFailed) continue;
    auto it = outputs_.find(q.name_new);
    if (it == outputs_.end() || !it->second.address_id) continue;
    links.push_back({{*it->second.address_id}, {q.name}});
  }
  return links;
}

Groupings WalletModel::groupings() const {
  std::vector<AddressId> ids;
  ids.reserve(addresses_.size());
  for (const auto& a : addresses_) ids.push_back(a.id);
  Groupings g = Groupings::compute(ids, grouping_links());
  g.add_balances(balance_by_address());
  return g;
}

std::unordered_map<AddressId, int64_t> WalletModel::balance_by_address() const {
  std::unordered_map<AddressId, int64_t> bal;
  for (const auto& [op, o] : outputs_)
    if (o.address_id && !is_spent(op)) bal[*o.address_id] += o.value;
  return bal;
}

std::optional<TxRecord> WalletModel::transaction(const Hash256& txid) const {
  return store_.transaction(txid);
}

}  // namespace redoubt::broker
