#include "tests/support/wallet.h"

#include "chain/address.h"
#include "chain/names.h"
#include "chain/params.h"
#include "chain/script.h"
#include "chain/sighash.h"

namespace redoubt::testsupport {

using chain::Bytes;

Bytes TestWallet::new_script(KeyKind kind) {
  return add_key(chain::PrivateKey::generate(), kind);
}

Bytes TestWallet::add_key(chain::PrivateKey k, KeyKind kind) {
  auto key = std::make_unique<chain::PrivateKey>(std::move(k));
  chain::Hash160 kh = key->public_key().key_hash(true);
  Bytes script = kind == KeyKind::p2wpkh ? chain::p2wpkh_script(kh) : chain::p2pkh_script(kh);
  by_script_[script] = Entry{std::move(key), kind};
  return script;
}

std::string TestWallet::address(chain::ByteSpan script) {
  auto a = chain::script_to_address(script, chain::regtest_params());
  return a ? *a : std::string();
}

bool TestWallet::owns(chain::ByteSpan script) const {
  return by_script_.count(chain::strip_name_prefix(script)) != 0;
}

size_t TestWallet::sign(chain::Transaction& tx, const std::vector<chain::TxOut>& spent,
                        uint32_t hash_type) const {
  size_t signed_count = 0;
  for (size_t i = 0; i < tx.inputs.size() && i < spent.size(); ++i) {
    auto it = by_script_.find(chain::strip_name_prefix(spent[i].script_pubkey));
    if (it == by_script_.end()) continue;
    const chain::PrivateKey& key = *it->second.key;
    auto pub = key.public_key().serialize(true);
    if (it->second.kind == KeyKind::p2wpkh) {
      chain::Hash256 digest = chain::segwit_v0_sighash(
          tx, i, chain::p2wpkh_script_code(key.public_key().key_hash(true)), spent[i].value,
          hash_type);
      Bytes sig = key.sign_der(digest);
      sig.push_back(static_cast<uint8_t>(hash_type));
      tx.inputs[i].script_sig.clear();
      tx.inputs[i].witness = {sig, pub};
    } else {
      // Legacy: the script code is the full previous script, name prefix included.
      chain::Hash256 digest = chain::legacy_sighash(tx, i, spent[i].script_pubkey, hash_type);
      Bytes sig = key.sign_der(digest);
      sig.push_back(static_cast<uint8_t>(hash_type));
      Bytes ss;
      chain::append_push(ss, sig);
      chain::append_push(ss, pub);
      tx.inputs[i].script_sig = ss;
      tx.inputs[i].witness.clear();
    }
    ++signed_count;
  }
  return signed_count;
}

}  // namespace redoubt::testsupport
