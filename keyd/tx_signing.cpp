#include "keyd/tx_signing.h"

#include <algorithm>
#include <optional>
#include <set>

#include "chain/bip32.h"
#include "chain/error.h"
#include "chain/names.h"
#include "chain/script.h"
#include "chain/sighash.h"
#include "chain/tx.h"
#include "keyd/error.h"

namespace redoubt::keyd {
namespace {

using chain::Bytes;
using chain::ByteSpan;

[[noreturn]] void refuse(const std::string& why) {
  throw KeydError(ErrorKind::kRefused, "keyd refused to sign: " + why);
}
[[noreturn]] void malformed(const std::string& why) {
  throw KeydError(ErrorKind::kUsage, "malformed signing request: " + why);
}

std::string path_text(const chain::KeyPath& p) {
  std::string s = "account";
  for (uint32_t i : p) s += "/" + std::to_string(i);
  return s;
}

enum class Spend { kP2wpkh, kP2pkh };

// The address part of a script and its key-hash type, if it is one we sign.
struct AddressPart {
  Bytes address_script;
  std::optional<chain::NameScript> name;
};

AddressPart split(ByteSpan script) {
  AddressPart a;
  a.name = chain::decode_name_script(script);
  a.address_script = a.name ? a.name->address_script : Bytes(script.begin(), script.end());
  return a;
}

void check_amount(int64_t v, const std::string& what) {
  if (v < 0 || v > kMaxMoney) malformed(what + " amount out of range");
}

}  // namespace

SignResult sign_transaction(const SignRequest& req, AccountKeys& keys,
                            const SigningLimits& limits) {
  chain::Transaction tx;
  try {
    tx = chain::parse_transaction(req.unsigned_tx);
  } catch (const chain::ChainError& e) {
    malformed(std::string("transaction does not parse: ") + e.what());
  }
  if (tx.inputs.empty() || tx.outputs.empty()) malformed("no inputs or no outputs");
  if (req.inputs.size() != tx.inputs.size())
    malformed("one InputInfo per transaction input is needed (got " +
              std::to_string(req.inputs.size()) + " for " + std::to_string(tx.inputs.size()) + ")");
  std::set<std::pair<chain::Hash256, uint32_t>> prevouts;
  for (const auto& in : tx.inputs) {
    if (!in.script_sig.empty() || !in.witness.empty())
      malformed("the transaction already carries signatures");
    if (!prevouts.insert({in.prevout.txid, in.prevout.index}).second)
      malformed("an output is spent twice");
  }

  // 1. Inputs: the claimed key must produce the previous output's script.
  int64_t total_in = 0;
  std::set<Bytes> ours;  // address scripts known to be ours
  std::vector<Spend> spend(tx.inputs.size());
  std::vector<const DerivedKey*> input_keys(tx.inputs.size());
  for (size_t i = 0; i < req.inputs.size(); ++i) {
    const InputInfo& info = req.inputs[i];
    check_amount(info.value, "input " + std::to_string(i));
    total_in += info.value;
    if (total_in > kMaxMoney) malformed("input amounts add up beyond the money supply");
    AddressPart part = split(info.script_pubkey);
    chain::ScriptInfo si = chain::classify_script(part.address_script);
    if (si.type == chain::ScriptType::kP2WPKH) {
      spend[i] = Spend::kP2wpkh;
    } else if (si.type == chain::ScriptType::kP2PKH) {
      spend[i] = Spend::kP2pkh;
      // Legacy signatures do not commit to the amount: check it against the
      // previous transaction itself, which must hash to the outpoint.
      if (info.prev_tx.empty()) {
        refuse("input " + std::to_string(i) +
               " spends a P2PKH output without its previous transaction, so its amount "
               "(and the fee) cannot be checked");
      }
      chain::Transaction prev;
      try {
        prev = chain::parse_transaction(info.prev_tx);
      } catch (const chain::ChainError& e) {
        malformed("input " + std::to_string(i) +
                  ": previous transaction does not parse: " + e.what());
      }
      const chain::OutPoint& op = tx.inputs[i].prevout;
      if (prev.txid() != op.txid || op.index >= prev.outputs.size() ||
          prev.outputs[op.index].value != info.value ||
          prev.outputs[op.index].script_pubkey != info.script_pubkey) {
        refuse("input " + std::to_string(i) +
               ": the previous transaction given does not match the outpoint, amount or "
               "script claimed");
      }
    } else {
      refuse("input " + std::to_string(i) + " spends a script keyd does not sign (" +
             chain::script_type_name(si.type) + ")");
    }
    const DerivedKey& k = keys.key(info.path);
    if (!std::equal(k.key_hash.begin(), k.key_hash.end(), si.payload.begin(), si.payload.end()))
      refuse("input " + std::to_string(i) + ": the key at " + path_text(info.path) +
             " does not pay to the previous output's script");
    input_keys[i] = &k;
    ours.insert(part.address_script);
  }

  // 2. Change: derive each named path and compare with the output.
  std::set<uint32_t> change_indices;
  for (const ChangeInfo& c : req.change) {
    if (c.output_index >= tx.outputs.size()) malformed("change output index out of range");
    if (!change_indices.insert(c.output_index).second) malformed("change output named twice");
    const DerivedKey& k = keys.key(c.path);
    AddressPart part = split(tx.outputs[c.output_index].script_pubkey);
    chain::ScriptInfo si = chain::classify_script(part.address_script);
    bool match =
        (si.type == chain::ScriptType::kP2WPKH || si.type == chain::ScriptType::kP2PKH) &&
        std::equal(k.key_hash.begin(), k.key_hash.end(), si.payload.begin(), si.payload.end());
    if (!match)
      refuse("output " + std::to_string(c.output_index) +
             " is called change, but it does not pay to " + path_text(c.path));
    ours.insert(part.address_script);
  }

  // 3. Outputs: ours or foreign; name effects and their protection.
  std::set<Bytes> transfer(req.transfer_names.begin(), req.transfer_names.end());
  SignSummary summary;
  int64_t total_out = 0, foreign = 0;
  for (size_t o = 0; o < tx.outputs.size(); ++o) {
    const chain::TxOut& out = tx.outputs[o];
    check_amount(out.value, "output " + std::to_string(o));
    total_out += out.value;
    if (total_out > kMaxMoney) malformed("output amounts add up beyond the money supply");
    AddressPart part = split(out.script_pubkey);
    const bool is_ours = ours.count(part.address_script) != 0;
    if (is_ours) {
      summary.change += out.value;
    } else {
      foreign += out.value;
      summary.foreign_outputs.push_back({static_cast<uint32_t>(o), out.value, out.script_pubkey});
    }
    if (!part.name) continue;
    try {
      chain::check_name_op(part.name->op);
    } catch (const chain::ChainError& e) {
      malformed("output " + std::to_string(o) + ": " + e.what());
    }
    const chain::NameOp& op = part.name->op;
    NameEffect effect;
    effect.operation = chain::name_op_type_name(op.type);
    effect.to_foreign = !is_ours;
    if (op.type == chain::NameOpType::kNameNew) {
      effect.value = op.commitment;
      if (!is_ours) refuse("a name_new output goes to an address that is not ours");
    } else {
      effect.name = op.name;
      effect.value = op.value;
      if (!is_ours && transfer.count(op.name) == 0)
        refuse("output " + std::to_string(o) + " would give the name '" +
               std::string(op.name.begin(), op.name.end()) +
               "' to an address that is not ours, and no name transfer was requested");
    }
    summary.names.push_back(std::move(effect));
  }

  // 4. Fee caps.
  if (total_out > total_in) refuse("the outputs spend more than the inputs hold");
  summary.fee = total_in - total_out;
  if (summary.fee > limits.max_fee_sat)
    refuse("the fee of " + std::to_string(summary.fee) + " sat exceeds the cap of " +
           std::to_string(limits.max_fee_sat) + " sat set at unlock");
  // __int128 keeps fee*1000 and cap*amount exact (both below 2^63 * 2^32).
  if (limits.max_fee_per_mille > 0 && foreign > 0 &&
      static_cast<__int128>(summary.fee) * 1000 >
          static_cast<__int128>(limits.max_fee_per_mille) * foreign)
    refuse("the fee of " + std::to_string(summary.fee) + " sat is more than " +
           std::to_string(limits.max_fee_per_mille) + "/1000 of the " + std::to_string(foreign) +
           " sat sent away");

  // 5. Sign every input, SIGHASH_ALL.
  std::optional<chain::SegwitPrecomputed> pre;
  if (std::find(spend.begin(), spend.end(), Spend::kP2wpkh) != spend.end()) pre.emplace(tx);
  std::vector<Bytes> sigs(tx.inputs.size());
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    const DerivedKey& k = *input_keys[i];
    chain::Hash256 h =
        spend[i] == Spend::kP2wpkh
            ? chain::segwit_v0_sighash(tx, i, chain::p2wpkh_script_code(k.key_hash),
                                       req.inputs[i].value, chain::kSighashAll, *pre)
            : chain::legacy_sighash(tx, i, req.inputs[i].script_pubkey, chain::kSighashAll);
    // Always 71 bytes with the sighash byte: the broker priced it so.
    sigs[i] = k.key.sign_der_ground(h);
    sigs[i].push_back(static_cast<uint8_t>(chain::kSighashAll));
  }
  // Assembled only after every sighash: the legacy ones hash the other
  // inputs' (empty) scriptSigs.
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    const DerivedKey& k = *input_keys[i];
    Bytes pub(k.pubkey.begin(), k.pubkey.end());
    if (spend[i] == Spend::kP2wpkh) {
      tx.inputs[i].witness = {std::move(sigs[i]), std::move(pub)};
    } else {
      chain::append_push(tx.inputs[i].script_sig, sigs[i]);
      chain::append_push(tx.inputs[i].script_sig, pub);
    }
  }
  summary.vsize = static_cast<uint32_t>(tx.vsize());
  return SignResult{tx.serialize(), std::move(summary)};
}

}  // namespace redoubt::keyd
