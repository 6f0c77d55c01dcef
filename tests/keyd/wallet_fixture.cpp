#include "tests/keyd/wallet_fixture.h"

#include "chain/hash.h"
#include "chain/key.h"
#include "chain/names.h"
#include "chain/script.h"
#include "chain/sighash.h"

namespace redoubt::keyd::test {

using chain::Bytes;

chain::PublicKey WatchOnly::pubkey(const chain::KeyPath& rel) const {
  return account.derive_path(rel).key();
}
Bytes WatchOnly::script(const chain::KeyPath& rel) const {
  auto h = pubkey(rel).key_hash();
  return segwit ? chain::p2wpkh_script(h) : chain::p2pkh_script(h);
}
Bytes WatchOnly::p2pkh(const chain::KeyPath& rel) const {
  return chain::p2pkh_script(pubkey(rel).key_hash());
}

WatchOnly watch_only(const std::string& xpub) {
  uint32_t v = chain::ExtendedPublicKey::peek_version(xpub);
  bool segwit = v == chain::kZprvZpub.pub || v == chain::kVprvVpub.pub;
  return WatchOnly{chain::ExtendedPublicKey::from_base58(xpub, v), segwit};
}

chain::Transaction unsigned_tx(size_t inputs, const std::vector<chain::TxOut>& outputs,
                               int32_t version, uint8_t seed) {
  chain::Transaction tx;
  tx.version = version;
  for (size_t i = 0; i < inputs; ++i) {
    chain::TxIn in;
    in.prevout.txid =
        chain::sha256(Bytes{seed, static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)});
    in.prevout.index = static_cast<uint32_t>(i % 3);
    in.sequence = 0xfffffffd;
    tx.inputs.push_back(in);
  }
  tx.outputs = outputs;
  return tx;
}

void attach_prev_txs(chain::Transaction& tx, std::vector<Prev>& prevs) {
  for (size_t i = 0; i < prevs.size() && i < tx.inputs.size(); ++i) {
    auto ns = chain::decode_name_script(prevs[i].script);
    const Bytes& addr = ns ? ns->address_script : prevs[i].script;
    if (chain::classify_script(addr).type != chain::ScriptType::kP2PKH) continue;
    chain::Transaction prev;
    prev.version = 2;
    chain::TxIn in;
    in.prevout.txid = chain::sha256(Bytes{0x77, static_cast<uint8_t>(i)});
    in.script_sig = {0x51};
    prev.inputs.push_back(in);
    prev.outputs.push_back({prevs[i].value, prevs[i].script});
    prevs[i].prev_tx = prev.serialize();
    tx.inputs[i].prevout.txid = prev.txid();
    tx.inputs[i].prevout.index = 0;
  }
}

Bytes foreign_script(uint8_t tag) {
  chain::Hash160 h;
  h.fill(tag);
  return chain::p2wpkh_script(h);
}

::testing::AssertionResult verify_signed(const Bytes& signed_tx,
                                         const chain::Transaction& expected_unsigned,
                                         const std::vector<Prev>& prevs) {
  chain::Transaction tx;
  try {
    tx = chain::parse_transaction(signed_tx);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "signed tx does not parse: " << e.what();
  }
  if (tx.outputs != expected_unsigned.outputs || tx.version != expected_unsigned.version ||
      tx.locktime != expected_unsigned.locktime || tx.inputs.size() != prevs.size())
    return ::testing::AssertionFailure() << "signed tx differs from the unsigned one";
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    const auto& in = tx.inputs[i];
    if (in.prevout != expected_unsigned.inputs[i].prevout ||
        in.sequence != expected_unsigned.inputs[i].sequence)
      return ::testing::AssertionFailure() << "input " << i << " changed";
    Bytes addr = chain::strip_name_prefix(prevs[i].script);
    chain::ScriptInfo si = chain::classify_script(addr);
    Bytes sig, pub;
    chain::Hash256 h;
    if (si.type == chain::ScriptType::kP2WPKH) {
      if (in.witness.size() != 2 || !in.script_sig.empty())
        return ::testing::AssertionFailure() << "input " << i << ": bad witness shape";
      sig = in.witness[0];
      pub = in.witness[1];
      chain::Hash160 kh;
      std::copy(si.payload.begin(), si.payload.end(), kh.begin());
      h = chain::segwit_v0_sighash(tx, i, chain::p2wpkh_script_code(kh), prevs[i].value,
                                   chain::kSighashAll);
    } else if (si.type == chain::ScriptType::kP2PKH) {
      auto ops = chain::parse_script(in.script_sig);
      if (ops.size() != 2 || !in.witness.empty())
        return ::testing::AssertionFailure() << "input " << i << ": bad scriptSig shape";
      sig = ops[0].data;
      pub = ops[1].data;
      h = chain::legacy_sighash(tx, i, prevs[i].script, chain::kSighashAll);
    } else {
      return ::testing::AssertionFailure() << "input " << i << ": unexpected prev script";
    }
    auto kh = chain::hash160(pub);
    if (!std::equal(kh.begin(), kh.end(), si.payload.begin(), si.payload.end()))
      return ::testing::AssertionFailure() << "input " << i << ": pubkey does not match script";
    if (sig.empty() || sig.back() != chain::kSighashAll)
      return ::testing::AssertionFailure() << "input " << i << ": not SIGHASH_ALL";
    sig.pop_back();
    if (!chain::is_low_s(sig)) return ::testing::AssertionFailure() << "input " << i << ": high S";
    if (!chain::PublicKey::parse(pub).verify_der(h, sig))
      return ::testing::AssertionFailure() << "input " << i << ": signature does not verify";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace redoubt::keyd::test
