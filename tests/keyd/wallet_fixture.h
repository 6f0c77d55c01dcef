// Test helpers: the broker's view of a keyd account (scripts from the xpub),
// unsigned transactions over it, and an independent check of every
// signature in a signed transaction with chain/.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chain/bip32.h"
#include "chain/bytes.h"
#include "chain/tx.h"

namespace redoubt::keyd::test {

struct WatchOnly {
  chain::ExtendedPublicKey account;
  bool segwit;
  chain::PublicKey pubkey(const chain::KeyPath& rel) const;
  chain::Bytes script(const chain::KeyPath& rel) const;  // the account's script type
  chain::Bytes p2pkh(const chain::KeyPath& rel) const;
};
WatchOnly watch_only(const std::string& xpub);

struct Prev {
  int64_t value;
  chain::Bytes script;
  chain::KeyPath path;
  chain::Bytes prev_tx = {};  // set by attach_prev_txs for P2PKH inputs
};

// keyd wants the whole previous transaction of each P2PKH input: makes one
// paying prevs[i] for every P2PKH prev, points tx's input i at it and keeps
// its bytes in prevs[i].prev_tx.
void attach_prev_txs(chain::Transaction& tx, std::vector<Prev>& prevs);

// A transaction spending one made-up outpoint per prev (txid from `seed`),
// paying `outputs`.
chain::Transaction unsigned_tx(size_t inputs, const std::vector<chain::TxOut>& outputs,
                               int32_t version = 2, uint8_t seed = 1);
// A P2WPKH script of a key no test wallet holds.
chain::Bytes foreign_script(uint8_t tag = 0x42);

// Every input carries a valid SIGHASH_ALL signature for its prev, by the key
// hashing to the prev's script, checked with chain/'s sighash (without the
// BIP143 precomputation keyd uses) and libsecp256k1 verification; the
// outputs and prevouts equal those of `expected_unsigned`.
::testing::AssertionResult verify_signed(const chain::Bytes& signed_tx,
                                         const chain::Transaction& expected_unsigned,
                                         const std::vector<Prev>& prevs);

}  // namespace redoubt::keyd::test
