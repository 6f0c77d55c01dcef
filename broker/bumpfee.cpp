#include "broker/bumpfee.h"

#include <algorithm>
#include <string>

#include "broker/fee.h"
#include "chain/names.h"

namespace redoubt::broker {
namespace {

struct OutSpec {
  chain::TxOut out;
  std::optional<chain::KeyPath> own_path;
  bool is_change = false;
};

struct InSpec {
  const Coin* coin;
  uint32_t sequence;
};

int64_t sum_values(const std::vector<Coin>& coins) {
  int64_t s = 0;
  for (const auto& c : coins) s += c.value;
  return s;
}

}  // namespace

bool signals_rbf(const chain::Transaction& tx) {
  return std::any_of(tx.inputs.begin(), tx.inputs.end(),
                     [](const chain::TxIn& in) { return in.sequence < kFinalSequence; });
}

BuiltTx build_bumpfee(const BumpRequest& req) {
  const chain::Transaction& o = req.original;
  if (!signals_rbf(o))
    throw WalletError(
        "the transaction does not signal replaceability (BIP125); it cannot be bumped");
  if (req.spent.size() != o.inputs.size())
    throw WalletError("every input of the transaction must be a coin of this wallet");
  // Name outputs are kept as they are (script and value) like every other
  // non-change output: only the fee changes, paid from change or coins.
  if (o.version != chain::kNameTxVersion)
    for (const auto& out : o.outputs)
      if (chain::decode_name_script(out.script_pubkey))
        throw WalletError("a name output in a transaction that is not a name transaction");
  int64_t out_old = 0;
  for (const auto& out : o.outputs) out_old += out.value;
  const int64_t old_fee = sum_values(req.spent) - out_old;
  const size_t old_vsize = o.vsize();
  if (old_fee < 0) throw WalletError("the transaction spends more than its inputs hold");
  // BIP125 rule 6 (Core): the replacement's rate must be above the original's.
  if (static_cast<__int128>(req.fee_rate) * static_cast<__int128>(old_vsize) <=
      static_cast<__int128>(old_fee) * 1000) {
    throw WalletError("the new fee rate must be above the transaction's current " +
                      std::to_string((old_fee * 1000 + static_cast<int64_t>(old_vsize) - 1) /
                                     static_cast<int64_t>(old_vsize)) +
                      " sat/kvB");
  }

  std::vector<OutSpec> fixed;
  int64_t fixed_sum = 0;
  for (uint32_t i = 0; i < o.outputs.size(); ++i) {
    if (req.change_index && *req.change_index == i) continue;
    OutSpec s{o.outputs[i], std::nullopt, false};
    for (const auto& [idx, path] : req.own_outputs)
      if (idx == i) s.own_path = path;
    fixed_sum += o.outputs[i].value;
    fixed.push_back(std::move(s));
  }

  std::vector<Coin> extra = req.extra;
  std::stable_sort(extra.begin(), extra.end(),
                   [](const Coin& a, const Coin& b) { return a.value > b.value; });
  std::vector<Coin> inputs = req.spent;
  // Rule 3 and 4: at least the original's fee plus the relay fee on our own
  // size; and at least the requested rate.
  auto needed = [&](size_t vsize) {
    return std::max(fee_for_vsize(vsize, req.fee_rate),
                    old_fee + fee_for_vsize(vsize, req.incremental_rate));
  };
  const int64_t dust = dust_threshold(req.change.script);
  std::optional<int64_t> change;
  int64_t fee = 0;
  size_t vsize = 0;
  for (size_t next = 0;; ++next) {
    WeightCounter w;
    for (const auto& c : inputs) w.add_input(c.type);
    for (const auto& f : fixed) w.add_output(f.out.script_pubkey.size());
    const int64_t avail = sum_values(inputs) - fixed_sum;
    const size_t v_plain = w.vsize();
    w.add_output(req.change.script.size());
    const size_t v_change = w.vsize();
    if (avail - needed(v_change) >= dust) {
      fee = needed(v_change);
      change = avail - fee;
      vsize = v_change;
      break;
    }
    if (avail >= needed(v_plain)) {
      fee = avail;  // what is left is below dust: it goes to the fee
      vsize = v_plain;
      break;
    }
    if (next >= extra.size()) {
      const int64_t missing = needed(v_plain) - avail;
      throw SelectionError(SelectionError::Kind::kInsufficientFunds, missing, {},
                           "not enough confirmed coins to pay the new fee: " +
                               std::to_string(missing) + " sat more are needed");
    }
    inputs.push_back(extra[next]);
  }
  if (fee > req.max_fee) {
    throw SelectionError(SelectionError::Kind::kFeeTooHigh, 0, {},
                         "the new fee of " + std::to_string(fee) + " sat is above the cap of " +
                             std::to_string(req.max_fee) + " sat");
  }

  std::vector<OutSpec> outs = fixed;
  if (change) outs.push_back({{*change, req.change.script}, req.change.path, true});
  // BIP69 order, as every transaction we build (tx_builder.cpp).
  std::vector<InSpec> ins;
  for (size_t i = 0; i < inputs.size(); ++i)
    ins.push_back({&inputs[i], i < o.inputs.size() ? o.inputs[i].sequence : kRbfSequence});
  auto disp = [](const chain::Hash256& h) { return std::vector<uint8_t>(h.rbegin(), h.rend()); };
  std::sort(ins.begin(), ins.end(), [&](const InSpec& a, const InSpec& b) {
    auto da = disp(a.coin->outpoint.txid), db = disp(b.coin->outpoint.txid);
    return da != db ? da < db : a.coin->outpoint.index < b.coin->outpoint.index;
  });
  std::stable_sort(outs.begin(), outs.end(), [](const OutSpec& a, const OutSpec& b) {
    return a.out.value != b.out.value ? a.out.value < b.out.value
                                      : a.out.script_pubkey < b.out.script_pubkey;
  });

  BuiltTx r;
  r.tx.version = o.version;
  r.tx.locktime = o.locktime;
  for (const auto& in : ins) {
    chain::TxIn t;
    t.prevout = in.coin->outpoint;
    t.sequence = in.sequence;
    r.tx.inputs.push_back(std::move(t));
    r.sign.inputs.push_back({in.coin->value, in.coin->script_pubkey, in.coin->path});
    r.selection.inputs.push_back(*in.coin);
  }
  for (uint32_t i = 0; i < outs.size(); ++i) {
    r.tx.outputs.push_back(outs[i].out);
    if (outs[i].own_path) r.sign.change.push_back({i, *outs[i].own_path});
    if (outs[i].is_change) r.change_index = i;
    if (chain::decode_name_script(outs[i].out.script_pubkey)) r.name_index = i;
  }
  r.sign.unsigned_tx = r.tx.serialize();
  r.fee = fee;
  r.vsize = vsize;
  r.selection.fee = fee;
  r.selection.change = change;
  r.selection.vsize = vsize;
  return r;
}

}  // namespace redoubt::broker
