#include "tests/support/tx_rules.h"

#include <set>

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/key.h"
#include "chain/names.h"
#include "chain/script.h"
#include "chain/sighash.h"

namespace redoubt::testsupport {

using chain::Bytes;
using chain::Transaction;

namespace {
constexpr int64_t kMaxMoney = 21'000'000LL * 100'000'000LL;  // MAX_MONEY

std::string mandatory(const std::string& err) {
  return "mandatory-script-verify-flag-failed (" + err + ")";
}

// Checks one ECDSA signature (with its trailing sighash byte) as
// CHECKSIG does under the standard flags: strict DER (BIP66, consensus),
// low S (policy), NULLFAIL on failure.
std::optional<std::string> check_sig(const Bytes& sig_with_type, const Bytes& pubkey,
                                     const std::function<chain::Hash256(uint32_t)>& digest_for) {
  if (sig_with_type.empty())
    return mandatory(
        "Script evaluated without error but finished with a false/empty top stack element");
  chain::ByteSpan der(sig_with_type.data(), sig_with_type.size() - 1);
  uint32_t hash_type = sig_with_type.back();
  if (!chain::is_strict_der(der)) return mandatory("Non-canonical DER signature");
  uint32_t base = hash_type & ~0x80u;
  if (base < 1 || base > 3) {
    return "non-mandatory-script-verify-flag (Signature hash type missing or not understood)";
  }
  if (!chain::is_low_s(der)) {
    return "non-mandatory-script-verify-flag (Non-canonical signature: S value is unnecessarily "
           "high)";
  }
  try {
    auto key = chain::PublicKey::parse(pubkey);
    if (key.verify_der(digest_for(hash_type), der)) return std::nullopt;
  } catch (const chain::ChainError&) {
    return "non-mandatory-script-verify-flag (Public key is neither compressed or uncompressed)";
  }
  return mandatory("Signature must be zero for failed CHECK(MULTI)SIG operation");
}
}  // namespace

std::optional<std::string> check_transaction_basic(const Transaction& tx) {
  if (tx.inputs.empty()) return "bad-txns-vin-empty";
  if (tx.outputs.empty()) return "bad-txns-vout-empty";
  int64_t total = 0;
  for (const auto& o : tx.outputs) {
    if (o.value < 0) return "bad-txns-vout-negative";
    if (o.value > kMaxMoney) return "bad-txns-vout-toolarge";
    total += o.value;
    if (total > kMaxMoney) return "bad-txns-txouttotal-toolarge";
  }
  std::set<chain::OutPoint, OutPointLess> seen;
  for (const auto& in : tx.inputs) {
    if (!seen.insert(in.prevout).second) return "bad-txns-inputs-duplicate";
  }
  if (tx.is_coinbase()) return "coinbase";
  for (const auto& in : tx.inputs) {
    if (in.prevout.is_null()) return "bad-txns-prevout-null";
  }
  return std::nullopt;
}

std::optional<std::string> verify_input(const Transaction& tx, size_t i,
                                        const chain::TxOut& spent) {
  const auto& in = tx.inputs.at(i);
  Bytes address_script = chain::strip_name_prefix(spent.script_pubkey);
  chain::ScriptInfo info = chain::classify_script(address_script);
  if (info.type == chain::ScriptType::kP2PKH) {
    if (!in.witness.empty()) return mandatory("Witness provided for non-witness script");
    std::vector<chain::ScriptOp> ops;
    if (!chain::try_parse_script(in.script_sig, ops)) return mandatory("Bad opcode");
    for (const auto& op : ops) {
      if (!op.is_push()) return mandatory("Only push operators allowed in signatures");
    }
    if (ops.size() != 2)
      return mandatory(
          "Script evaluated without error but finished with a false/empty top stack element");
    const Bytes& sig = ops[0].data;
    const Bytes& pub = ops[1].data;
    chain::Hash160 h = chain::hash160(pub);
    if (Bytes(h.begin(), h.end()) != info.payload) {
      return mandatory("Script failed an OP_EQUALVERIFY operation");
    }
    // Legacy sighash: the script code is the whole scriptPubKey, name prefix
    // included (namecoind executes it as one script).
    return check_sig(sig, pub, [&](uint32_t ht) {
      return chain::legacy_sighash(tx, i, spent.script_pubkey, ht);
    });
  }
  if (info.type == chain::ScriptType::kP2WPKH) {
    if (!in.script_sig.empty()) return mandatory("Witness requires empty scriptSig");
    if (in.witness.size() != 2) return mandatory("Witness program hash mismatch");
    const Bytes& sig = in.witness[0];
    const Bytes& pub = in.witness[1];
    chain::Hash160 h = chain::hash160(pub);
    if (Bytes(h.begin(), h.end()) != info.payload)
      return mandatory("Witness program hash mismatch");
    if (pub.size() != 33)
      return "non-mandatory-script-verify-flag (Using non-compressed keys in segwit)";
    chain::Hash160 kh;
    std::copy(info.payload.begin(), info.payload.end(), kh.begin());
    Bytes script_code = chain::p2wpkh_script_code(kh);  // BIP143 scriptCode
    return check_sig(sig, pub, [&](uint32_t ht) {
      return chain::segwit_v0_sighash(tx, i, script_code, spent.value, ht);
    });
  }
  return std::string("bad-txns-nonstandard-inputs");
}

TxCheckResult check_transaction(const Transaction& tx, const TxCheckContext& ctx) {
  TxCheckResult res;
  if (auto r = check_transaction_basic(tx)) {
    res.reject = r;
    return res;
  }
  // Inputs (namecoind/Core Consensus::CheckTxInputs).
  std::vector<Coin> coins;
  int64_t in_total = 0;
  for (const auto& in : tx.inputs) {
    auto c = ctx.coin(in.prevout);
    if (!c) {
      res.reject = "bad-txns-inputs-missingorspent";
      return res;
    }
    if (c->coinbase && ctx.spend_height - c->height < kCoinbaseMaturity) {
      res.reject = "bad-txns-premature-spend-of-coinbase";
      return res;
    }
    in_total += c->out.value;
    coins.push_back(*c);
  }
  int64_t out_total = 0;
  for (const auto& o : tx.outputs) out_total += o.value;
  if (in_total < out_total) {
    res.reject = "bad-txns-in-belowout";
    return res;
  }
  res.fee = in_total - out_total;

  // Name rules (namecoind names/main.cpp CheckNameTransaction).
  int name_in = -1, name_out = -1;
  std::optional<chain::NameScript> op_in, op_out;
  for (size_t i = 0; i < coins.size(); ++i) {
    auto ns = chain::decode_name_script(coins[i].out.script_pubkey);
    if (!ns) continue;
    if (name_in != -1) {
      res.reject = "tx-multiple-name-inputs";
      return res;
    }
    name_in = static_cast<int>(i);
    op_in = ns;
  }
  for (size_t i = 0; i < tx.outputs.size(); ++i) {
    auto ns = chain::decode_name_script(tx.outputs[i].script_pubkey);
    if (!ns) continue;
    if (name_out != -1) {
      res.reject = "tx-multiple-name-outputs";
      return res;
    }
    name_out = static_cast<int>(i);
    op_out = ns;
  }
  auto reject = [&](const char* why) {
    res.reject = why;
    return res;
  };
  if (!tx.is_name_tx()) {
    if (name_in != -1) return reject("tx-nonname-with-name-input");
    if (name_out != -1) return reject("tx-nonname-with-name-output");
  } else {
    if (name_out == -1) return reject("tx-name-without-name-output");
    if (tx.outputs[static_cast<size_t>(name_out)].value < chain::kNameLockedAmount) {
      return reject("tx-name-greedy");
    }
    const chain::NameOp& out = op_out->op;
    if (out.type == chain::NameOpType::kNameNew) {
      if (name_in != -1) return reject("tx-namenew-with-name-input");
      if (out.commitment.size() != 20) return reject("tx-namenew-wrong-size");
    } else {
      if (name_in == -1) return reject("tx-nameupdate-without-name-input");
      if (out.name.size() > chain::kMaxNameLength) return reject("tx-name-invalid");
      if (out.value.size() > chain::kMaxValueLength) return reject("tx-value-invalid");
      const chain::NameOp& in = op_in->op;
      const Coin& coin_in = coins[static_cast<size_t>(name_in)];
      if (out.type == chain::NameOpType::kNameUpdate) {
        if (in.type == chain::NameOpType::kNameNew) return reject("tx-nameupdate-invalid-prev");
        if (in.name != out.name) return reject("tx-nameupdate-name-mismatch");
        if (coin_in.height != kMempoolHeight) {
          auto rec = ctx.name(out.name);
          if (!rec) return reject("tx-nameupdate-nonexistant");
          if (rec->expired_at(ctx.spend_height)) return reject("tx-nameupdate-expired");
        }
      } else {
        if (in.type != chain::NameOpType::kNameNew) return reject("tx-firstupdate-nonnew-input");
        // namecoind takes a firstupdate into its mempool once the name_new is
        // confirmed, and into a block only MIN_FIRSTUPDATE_DEPTH blocks later.
        if (coin_in.height == kMempoolHeight) return reject("tx-firstupdate-immature");
        if (!ctx.for_mempool && coin_in.height + kMinFirstUpdateDepth > ctx.spend_height) {
          return reject("tx-firstupdate-immature");
        }
        if (out.salt.size() < 20) return reject("tx-firstupdate-invalid-rand");
        if (out.salt.size() > 20) return reject("tx-firstupdate-invalid-rand");
        chain::Hash160 h = chain::name_commitment(out.salt, out.name);
        if (Bytes(h.begin(), h.end()) != in.commitment)
          return reject("tx-firstupdate-hash-mismatch");
        auto rec = ctx.name(out.name);
        if (rec && !rec->expired_at(ctx.spend_height))
          return reject("tx-firstupdate-existing-name");
      }
    }
  }

  // Scripts last, as Core does (CheckInputScripts after the cheap checks).
  for (size_t i = 0; i < coins.size(); ++i) {
    if (auto err = verify_input(tx, i, coins[i].out)) {
      res.reject = err;
      return res;
    }
  }
  return res;
}

}  // namespace redoubt::testsupport
