#include "tests/support/electrum_index.h"

#include <algorithm>

#include "chain/hash.h"
#include "chain/names.h"
#include "chain/script.h"

namespace redoubt::testsupport {

using chain::Bytes;

std::string owner_script_hash(chain::ByteSpan script) {
  return chain::electrum_script_hash(chain::strip_name_prefix(script));
}

namespace {
bool unspendable(chain::ByteSpan script) {
  return !script.empty() && script[0] == chain::OP_RETURN;
}
}  // namespace

ElectrumIndex ElectrumIndex::build(const RegtestChain& chain, const Mempool& mempool) {
  ElectrumIndex ix;
  ix.height = chain.height();
  // Script hash of every output seen, for resolving what an input spends.
  std::map<std::pair<chain::Hash256, uint32_t>, std::pair<std::string, int64_t>> outputs;

  auto add_unique = [](std::vector<Confirmed>& v, const chain::Hash256& txid, int h) {
    if (v.empty() || v.back().txid != txid) v.push_back({txid, h});
  };

  for (int h = 0; h <= chain.height(); ++h) {
    const Block& b = chain.block(h);
    ix.headers.push_back(b.full_header());
    ix.block_hashes.push_back(b.hash);
    ix.block_txids.push_back(b.txids);
    for (size_t p = 0; p < b.txs.size(); ++p) {
      const auto& tx = b.txs[p];
      const auto& txid = b.txids[p];
      ix.txs[txid] = TxInfo{tx.serialize(), h, p};
      if (!tx.is_coinbase()) {
        for (const auto& in : tx.inputs) {
          auto it = outputs.find({in.prevout.txid, in.prevout.index});
          if (it != outputs.end()) add_unique(ix.history[it->second.first], txid, h);
        }
      }
      for (uint32_t i = 0; i < tx.outputs.size(); ++i) {
        const auto& o = tx.outputs[i];
        if (unspendable(o.script_pubkey)) continue;
        std::string sh = owner_script_hash(o.script_pubkey);
        outputs[{txid, i}] = {sh, o.value};
        add_unique(ix.history[sh], txid, h);
        auto ns = chain::decode_name_script(o.script_pubkey);
        if (tx.is_name_tx() && ns && ns->op.type != chain::NameOpType::kNameNew) {
          add_unique(ix.name_history[chain::name_index_script_hash(ns->op.name)], txid, h);
        }
      }
    }
  }
  for (const auto& [op, coin] : chain.utxos()) {
    if (unspendable(coin.out.script_pubkey)) continue;
    ix.utxos[owner_script_hash(coin.out.script_pubkey)].push_back(
        {op.txid, op.index, coin.height, coin.out.value});
  }
  for (auto& [sh, v] : ix.utxos) {
    std::sort(v.begin(), v.end(), [](const Utxo& a, const Utxo& b) {
      return std::tie(a.height, a.txid, a.pos) < std::tie(b.height, b.txid, b.pos);
    });
  }

  for (const auto& e : mempool.entries()) {
    ix.txs[e.txid] = TxInfo{e.tx.serialize(), -1, 0};
    Unconfirmed u{e.txid, e.fee, mempool.has_unconfirmed_inputs(e)};
    std::set<std::string> touched;
    for (const auto& in : e.tx.inputs) {
      ix.mempool_spends.insert({in.prevout.txid, in.prevout.index});
      auto it = outputs.find({in.prevout.txid, in.prevout.index});
      if (it == outputs.end()) continue;
      touched.insert(it->second.first);
      ix.mempool_delta[it->second.first] -= it->second.second;
    }
    for (uint32_t i = 0; i < e.tx.outputs.size(); ++i) {
      const auto& o = e.tx.outputs[i];
      if (unspendable(o.script_pubkey)) continue;
      std::string sh = owner_script_hash(o.script_pubkey);
      outputs[{e.txid, i}] = {sh, o.value};
      touched.insert(sh);
      ix.mempool_delta[sh] += o.value;
      ix.mempool_utxos[sh].push_back({e.txid, i, 0, o.value});
    }
    for (const auto& sh : touched) ix.mempool[sh].push_back(u);
  }
  return ix;
}

std::vector<ElectrumIndex::Confirmed> ElectrumIndex::confirmed_history(const std::string& sh,
                                                                       bool with_orphans) const {
  std::vector<Confirmed> out;
  for (const auto* m : {&history, &name_history}) {
    if (auto it = m->find(sh); it != m->end())
      out.insert(out.end(), it->second.begin(), it->second.end());
  }
  if (with_orphans) {
    if (auto it = orphaned_name_history.find(sh); it != orphaned_name_history.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      std::stable_sort(out.begin(), out.end(),
                       [](const Confirmed& a, const Confirmed& b) { return a.height < b.height; });
    }
  }
  return out;
}

std::string ElectrumIndex::status(const std::string& sh, bool& has_history,
                                  bool with_orphans) const {
  std::string s;
  for (const auto& c : confirmed_history(sh, with_orphans)) {
    s += chain::to_hex_reversed(c.txid) + ":" + std::to_string(c.height) + ":";
  }
  if (auto it = mempool.find(sh); it != mempool.end()) {
    for (const auto& u : it->second) {
      s += chain::to_hex_reversed(u.txid) + ":" + (u.unconfirmed_inputs ? "-1" : "0") + ":";
    }
  }
  has_history = !s.empty();
  if (!has_history) return {};
  return chain::to_hex(chain::sha256(chain::as_span(s)));
}

std::vector<std::pair<std::string, ElectrumIndex::Confirmed>> name_index_entries(const Block& b,
                                                                                 int height) {
  std::vector<std::pair<std::string, ElectrumIndex::Confirmed>> out;
  for (size_t p = 0; p < b.txs.size(); ++p) {
    if (!b.txs[p].is_name_tx()) continue;
    for (const auto& o : b.txs[p].outputs) {
      auto ns = chain::decode_name_script(o.script_pubkey);
      if (ns && ns->op.type != chain::NameOpType::kNameNew) {
        out.push_back({chain::name_index_script_hash(ns->op.name), {b.txids[p], height}});
      }
    }
  }
  return out;
}

}  // namespace redoubt::testsupport
