// A wallet with many transactions, built fast for the sync benchmark and its
// small ctest variant: signed transactions paying a BIP32 account's receive
// and change addresses in derivation order (so gap-limit discovery finds
// every one), packed many to a block and mined straight into the universe's
// chain (Universe::mine_prepared), with what the wallet must end up holding.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "chain/bip32.h"
#include "tests/support/universe.h"

namespace redoubt::testsupport {

struct BulkWalletSpec {
  int transactions = 2000;  // wallet transactions: receives and sends
  int addresses = 400;      // addresses used: 3/4 receive, 1/4 change
  int txs_per_block = 200;  // transactions per block (plus the coinbase)
};

// What the chain now holds for the wallet (what a full sync must find).
struct BulkWallet {
  int64_t balance = 0;  // confirmed satoshis: the wallet's unspent outputs
  int transactions = 0;
  int receives = 0;  // someone pays a receive address (k % receive_used)
  int sends = 0;     // the wallet spends receive k's coin: payee + change
  int receive_used = 0;
  int change_used = 0;
  int blocks = 0;  // blocks mined for the wallet's transactions
  int tip = 0;     // chain height afterwards
  std::vector<chain::Bytes> receive_scripts, change_scripts;  // used, in order
};

// Builds the wallet's history in `u` (adds ~140 funding blocks first).
// `account`: the account key whose /0/i (receive) and /1/i (change) P2WPKH
// keys the wallet derives, e.g. electrum_segwit_account(phrase).
BulkWallet build_bulk_wallet(Universe& u, const chain::ExtendedPrivateKey& account,
                             const BulkWalletSpec& spec);

// m/0' of an Electrum segwit seed phrase (no passphrase), as `restore`
// derives it. Throws std::invalid_argument if the phrase is not one.
chain::ExtendedPrivateKey electrum_segwit_account(std::string_view phrase);

}  // namespace redoubt::testsupport
