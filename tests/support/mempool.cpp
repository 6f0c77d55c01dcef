#include "tests/support/mempool.h"

#include <set>

#include "chain/names.h"
#include "tests/support/tx_rules.h"

namespace redoubt::testsupport {

using chain::Transaction;

namespace {
// The name a transaction registers or updates, if any.
std::optional<chain::Bytes> updated_name(const Transaction& tx) {
  if (!tx.is_name_tx()) return std::nullopt;
  for (const auto& o : tx.outputs) {
    auto ns = chain::decode_name_script(o.script_pubkey);
    if (ns && ns->op.type != chain::NameOpType::kNameNew) return ns->op.name;
  }
  return std::nullopt;
}
}  // namespace

const Mempool::Entry* Mempool::find(const chain::Hash256& txid) const {
  for (const auto& e : entries_) {
    if (e.txid == txid) return &e;
  }
  return nullptr;
}

bool Mempool::spent_in_mempool(const chain::OutPoint& op) const {
  for (const auto& e : entries_) {
    for (const auto& in : e.tx.inputs) {
      if (in.prevout == op) return true;
    }
  }
  return false;
}

std::optional<Coin> Mempool::coin(const RegtestChain& chain, const chain::OutPoint& op) const {
  if (spent_in_mempool(op)) return std::nullopt;
  if (auto c = chain.coin(op)) return c;
  if (const Entry* e = find(op.txid)) {
    if (op.index < e->tx.outputs.size()) {
      return Coin{e->tx.outputs[op.index], kMempoolHeight, false};
    }
  }
  return std::nullopt;
}

bool Mempool::has_unconfirmed_inputs(const Entry& e) const {
  for (const auto& in : e.tx.inputs) {
    if (find(in.prevout.txid)) return true;
  }
  return false;
}

std::optional<std::string> Mempool::accept(const RegtestChain& chain, const Transaction& tx) {
  chain::Hash256 txid = tx.txid();
  if (find(txid)) return "txn-already-in-mempool";
  if (chain.find_tx(txid)) return "txn-already-known";
  if (auto r = check_transaction_basic(tx)) return r;
  // A spend of something a mempool transaction already spends is a conflict
  // (Core: "txn-mempool-conflict") unless BIP125 lets it replace them: every
  // direct conflict signals (nSequence < 0xfffffffe), and the fee rules
  // below hold. The conflicts and their descendants leave for the checks
  // and come back if the newcomer is refused.
  std::set<chain::Hash256> evict;
  for (const auto& e : entries_) {
    for (const auto& in : tx.inputs) {
      bool spends = false;
      for (const auto& ein : e.tx.inputs) spends = spends || ein.prevout == in.prevout;
      if (!spends) continue;
      bool signals = false;
      for (const auto& ein : e.tx.inputs) signals = signals || ein.sequence < 0xfffffffe;
      if (!signals) return "txn-mempool-conflict";
      evict.insert(e.txid);
    }
  }
  for (bool grew = !evict.empty(); grew;) {
    grew = false;
    for (const auto& e : entries_) {
      if (evict.count(e.txid)) continue;
      for (const auto& in : e.tx.inputs)
        if (evict.count(in.prevout.txid)) grew = evict.insert(e.txid).second || grew;
    }
  }
  std::vector<Entry> saved = entries_;
  int64_t evicted_fees = 0;
  for (const auto& e : entries_)
    if (evict.count(e.txid)) evicted_fees += e.fee;
  std::erase_if(entries_, [&](const Entry& e) { return evict.count(e.txid) != 0; });
  auto refuse = [&](std::string why) -> std::optional<std::string> {
    entries_ = saved;
    return why;
  };
  TxCheckContext ctx;
  ctx.coin = [&](const chain::OutPoint& op) { return coin(chain, op); };
  ctx.name = [&](const chain::Bytes& n) { return chain.name(n); };
  ctx.spend_height = chain.height() + 1;
  ctx.for_mempool = true;
  TxCheckResult res = check_transaction(tx, ctx);
  if (res.reject) return refuse(*res.reject);
  // namecoind allows one pending registration or update per name.
  if (auto name = updated_name(tx)) {
    for (const auto& e : entries_) {
      if (updated_name(e.tx) == name) return refuse("txn-mempool-name-error");
    }
  }
  const int64_t vsize = static_cast<int64_t>(tx.vsize());
  int64_t min_fee = vsize * opts_.min_relay_fee_per_kvb / 1000;
  if (res.fee < min_fee) {
    return refuse("min relay fee not met, " + std::to_string(res.fee) + " < " +
                  std::to_string(min_fee));
  }
  if (!evict.empty()) {
    for (const auto& e : saved) {
      // Rule 6: a higher rate than each transaction it replaces.
      if (evict.count(e.txid) &&
          static_cast<__int128>(res.fee) * static_cast<int64_t>(e.tx.vsize()) <=
              static_cast<__int128>(e.fee) * vsize)
        return refuse("insufficient fee: the replacement's rate is not above the original's");
    }
    // Rules 3 and 4: the evicted fees, plus the incremental relay fee on
    // the replacement's own size.
    const int64_t need = evicted_fees + vsize * opts_.incremental_relay_fee_per_kvb / 1000;
    if (res.fee < need)
      return refuse("insufficient fee, rejecting replacement: " + std::to_string(res.fee) + " < " +
                    std::to_string(need));
  }
  entries_.push_back(Entry{tx, txid, res.fee});
  return std::nullopt;
}

std::vector<Transaction> Mempool::select_for_block(const RegtestChain& chain, int64_t& fees) const {
  fees = 0;
  std::vector<Transaction> out;
  // View: the chain, minus what selected transactions spend, plus their outputs.
  std::set<chain::OutPoint, OutPointLess> spent;
  std::map<chain::Hash256, const Entry*> selected;
  std::set<chain::Bytes> names_touched;
  for (const auto& e : entries_) {
    TxCheckContext ctx;
    ctx.coin = [&](const chain::OutPoint& op) -> std::optional<Coin> {
      if (spent.count(op)) return std::nullopt;
      if (auto c = chain.coin(op)) return c;
      auto it = selected.find(op.txid);
      if (it != selected.end() && op.index < it->second->tx.outputs.size()) {
        return Coin{it->second->tx.outputs[op.index], chain.height() + 1, false};
      }
      return std::nullopt;
    };
    ctx.name = [&](const chain::Bytes& n) { return chain.name(n); };
    ctx.spend_height = chain.height() + 1;
    ctx.for_mempool = false;
    if (check_transaction(e.tx, ctx).reject) continue;  // e.g. an immature firstupdate
    auto name = updated_name(e.tx);
    if (name && !names_touched.insert(*name).second) continue;
    for (const auto& in : e.tx.inputs) spent.insert(in.prevout);
    selected[e.txid] = &e;
    out.push_back(e.tx);
    fees += e.fee;
  }
  return out;
}

void Mempool::resync(const RegtestChain& chain) {
  std::vector<Entry> old;
  old.swap(entries_);
  for (const auto& e : old) {
    if (chain.find_tx(e.txid)) continue;
    accept(chain, e.tx);
  }
}

void Mempool::readd(const RegtestChain& chain, const std::vector<Transaction>& txs) {
  std::vector<Entry> old;
  old.swap(entries_);
  for (const auto& tx : txs) accept(chain, tx);
  for (const auto& e : old) accept(chain, e.tx);
}

}  // namespace redoubt::testsupport
