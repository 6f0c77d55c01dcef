// Keys and signing for the test universe's own wallet (and for tests that
// need "someone else"): P2WPKH and P2PKH keys, regtest addresses, and real
// signatures (legacy sighash for P2PKH, BIP143 for P2WPKH) made with chain/.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "chain/key.h"
#include "chain/tx.h"

namespace redoubt::testsupport {

enum class KeyKind { p2wpkh, p2pkh };

class TestWallet {
 public:
  TestWallet() = default;
  TestWallet(TestWallet&&) = default;
  TestWallet& operator=(TestWallet&&) = default;

  // A fresh key; returns its output script.
  chain::Bytes new_script(KeyKind kind = KeyKind::p2wpkh);
  // Adopts a given key (e.g. one derived from a known seed); returns its script.
  chain::Bytes add_key(chain::PrivateKey key, KeyKind kind = KeyKind::p2wpkh);
  // The regtest address (ncrt1... or m/n...) of one of our scripts, or of any script.
  static std::string address(chain::ByteSpan script);
  bool owns(chain::ByteSpan script) const;  // a name prefix is looked through

  // Signs every input whose spent output (spent[i]) pays one of our keys.
  // Returns how many inputs were signed.
  size_t sign(chain::Transaction& tx, const std::vector<chain::TxOut>& spent,
              uint32_t hash_type = 1) const;

 private:
  struct Entry {
    std::unique_ptr<chain::PrivateKey> key;
    KeyKind kind;
  };
  std::map<chain::Bytes, Entry> by_script_;  // address script -> key
};

}  // namespace redoubt::testsupport
