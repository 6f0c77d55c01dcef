#include "broker/tx_builder.h"

#include <algorithm>
#include <numeric>

#include "chain/names.h"

namespace redoubt::broker {
namespace {

struct OutSpec {
  chain::TxOut out;
  std::optional<chain::KeyPath> own_path;  // ours: listed for keyd
  bool is_change = false;
  bool is_name = false;
};

BuiltTx assemble(const std::vector<Coin>& coins, const Groupings& groups, int32_t version,
                 std::vector<OutSpec> outs, std::vector<Coin> required,
                 std::optional<std::vector<chain::Bytes>> scope, const OwnAddress& change,
                 const BuildOptions& opt, std::vector<chain::Bytes> transfer_names) {
  SelectionRequest req;
  for (const auto& o : outs) {
    if (o.out.value < 0) throw WalletError("negative output amount");
    req.amount += o.out.value;
    req.output_script_sizes.push_back(o.out.script_pubkey.size());
  }
  req.required = std::move(required);
  req.fee_rate = opt.fee_rate;
  req.max_fee = opt.policy.max_fee;
  req.change_script_size = change.script.size();
  req.change_dust = dust_threshold(change.script);
  req.from_coins = opt.from_coins;
  req.from_addresses = opt.from_addresses;
  req.name_scope = std::move(scope);
  req.anonymity = opt.anonymity;
  Selection sel = select_coins(coins, groups, req);

  if (sel.change) outs.push_back({{*sel.change, change.script}, change.path, true, false});

  // BIP69 order (inputs by displayed txid then index, outputs by value then
  // script): deterministic and leaks nothing about which output is change.
  std::vector<const Coin*> ins;
  for (const auto& c : sel.inputs) ins.push_back(&c);
  auto disp = [](const chain::Hash256& h) { return std::vector<uint8_t>(h.rbegin(), h.rend()); };
  std::sort(ins.begin(), ins.end(), [&](const Coin* a, const Coin* b) {
    auto da = disp(a->outpoint.txid), db = disp(b->outpoint.txid);
    return da != db ? da < db : a->outpoint.index < b->outpoint.index;
  });
  std::stable_sort(outs.begin(), outs.end(), [](const OutSpec& a, const OutSpec& b) {
    return a.out.value != b.out.value ? a.out.value < b.out.value
                                      : a.out.script_pubkey < b.out.script_pubkey;
  });

  BuiltTx r;
  r.tx.version = version;
  r.tx.locktime = opt.locktime;
  for (const Coin* c : ins) {
    chain::TxIn in;
    in.prevout = c->outpoint;
    in.sequence = opt.rbf ? kRbfSequence : kFinalSequence;
    r.tx.inputs.push_back(std::move(in));
    r.sign.inputs.push_back({c->value, c->script_pubkey, c->path});
  }
  for (uint32_t i = 0; i < outs.size(); ++i) {
    r.tx.outputs.push_back(outs[i].out);
    if (outs[i].own_path) r.sign.change.push_back({i, *outs[i].own_path});
    if (outs[i].is_change) r.change_index = i;
    if (outs[i].is_name) r.name_index = i;
  }
  r.sign.unsigned_tx = r.tx.serialize();
  r.sign.transfer_names = std::move(transfer_names);
  r.fee = sel.fee;
  r.vsize = sel.vsize;
  r.selection = std::move(sel);
  return r;
}

std::vector<chain::Bytes> scope_of(chain::ByteSpan name, const BuildOptions& opt) {
  std::vector<chain::Bytes> s = opt.identifier_names;
  chain::Bytes n(name.begin(), name.end());
  if (std::find(s.begin(), s.end(), n) == s.end()) s.push_back(n);
  return s;
}

}  // namespace

BuiltTx build_payment(const std::vector<Coin>& coins, const Groupings& groups,
                      const std::vector<Destination>& outputs, const OwnAddress& change,
                      const BuildOptions& opt) {
  if (outputs.empty()) throw WalletError("a payment needs at least one output");
  std::vector<OutSpec> outs;
  for (const auto& d : outputs) {
    if (chain::decode_name_script(d.script))
      throw WalletError("a payment cannot create name outputs");
    if (d.value < dust_threshold(d.script))
      throw WalletError("output amount is below the dust threshold");
    outs.push_back({{d.value, d.script}, std::nullopt, false, false});
  }
  // Payments are not name transactions: ordinary version 2.
  return assemble(coins, groups, 2, std::move(outs), {}, std::nullopt, change, opt, {});
}

BuiltTx build_name_new(const std::vector<Coin>& coins, const Groupings& groups,
                       chain::ByteSpan name, chain::ByteSpan salt, const OwnAddress& name_address,
                       const OwnAddress& change, const BuildOptions& opt) {
  if (name.empty() || name.size() > chain::kMaxNameLength) throw WalletError("invalid name length");
  if (salt.size() != chain::kNameSaltLength) throw WalletError("name_new salt must be 20 bytes");
  chain::Bytes script =
      chain::name_new_script(chain::name_commitment(salt, name), name_address.script);
  std::vector<OutSpec> outs = {
      {{chain::kNameLockedAmount, script}, name_address.path, false, true}};
  return assemble(coins, groups, chain::kNameTxVersion, std::move(outs), {}, scope_of(name, opt),
                  change, opt, {});
}

BuiltTx build_name_firstupdate(const std::vector<Coin>& coins, const Groupings& groups,
                               const Coin& name_new_coin, chain::ByteSpan name,
                               chain::ByteSpan salt, chain::ByteSpan value,
                               const OwnAddress& name_address, const OwnAddress& change,
                               const BuildOptions& opt) {
  auto ns = chain::decode_name_script(name_new_coin.script_pubkey);
  if (!ns || ns->op.type != chain::NameOpType::kNameNew)
    throw WalletError("the coin to spend is not a name_new output");
  const chain::Hash160 c = chain::name_commitment(salt, name);
  if (!std::equal(c.begin(), c.end(), ns->op.commitment.begin(), ns->op.commitment.end()))
    throw WalletError("name and salt do not match the name_new commitment");
  if (value.size() > chain::kMaxValueLength) throw WalletError("name value longer than 520 bytes");
  chain::Bytes script = chain::name_firstupdate_script(name, salt, value, name_address.script);
  std::vector<OutSpec> outs = {
      {{chain::kNameLockedAmount, script}, name_address.path, false, true}};
  return assemble(coins, groups, chain::kNameTxVersion, std::move(outs), {name_new_coin},
                  scope_of(name, opt), change, opt, {});
}

BuiltTx build_name_update(const std::vector<Coin>& coins, const Groupings& groups,
                          const Coin& name_coin, chain::ByteSpan name, chain::ByteSpan value,
                          const OwnAddress& name_address,
                          const std::optional<chain::Bytes>& transfer_to, const OwnAddress& change,
                          const BuildOptions& opt) {
  auto ns = chain::decode_name_script(name_coin.script_pubkey);
  if (!ns || ns->op.type == chain::NameOpType::kNameNew ||
      !std::equal(name.begin(), name.end(), ns->op.name.begin(), ns->op.name.end()))
    throw WalletError("the coin to spend is not the current output of this name");
  if (value.size() > chain::kMaxValueLength) throw WalletError("name value longer than 520 bytes");
  const chain::Bytes& dest = transfer_to ? *transfer_to : name_address.script;
  chain::Bytes script = chain::name_update_script(name, value, dest);
  std::optional<chain::KeyPath> own;
  if (!transfer_to) own = name_address.path;
  std::vector<OutSpec> outs = {{{chain::kNameLockedAmount, script}, own, false, true}};
  std::vector<chain::Bytes> transfers;
  if (transfer_to) transfers.emplace_back(name.begin(), name.end());
  return assemble(coins, groups, chain::kNameTxVersion, std::move(outs), {name_coin},
                  scope_of(name, opt), change, opt, std::move(transfers));
}

}  // namespace redoubt::broker
