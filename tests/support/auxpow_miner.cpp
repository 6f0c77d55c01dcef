#include "tests/support/auxpow_miner.h"

#include <algorithm>
#include <stdexcept>

#include "chain/auxpow.h"
#include "chain/hash.h"
#include "chain/params.h"
#include "chain/pow.h"
#include "chain/script.h"
#include "chain/tx.h"

namespace redoubt::testsupport {

chain::Bytes mine_auxpow(const chain::Bytes& header80, uint32_t bits, bool mm_marker) {
  chain::Hash256 block_hash = chain::sha256d(header80);
  // [marker] || reversed block hash || merkle size 1 || nonce 0 (both LE).
  chain::Bytes data;
  data.reserve(44);
  if (mm_marker) {
    for (uint8_t b : {0xfa, 0xbe, 0x6d, 0x6d}) data.push_back(b);
  }
  for (size_t i = 0; i < 32; ++i) data.push_back(block_hash[31 - i]);
  for (uint8_t b : {1, 0, 0, 0, 0, 0, 0, 0}) data.push_back(b);

  chain::Transaction coinbase;
  coinbase.version = 1;
  chain::TxIn in;
  in.prevout.index = 0xffffffff;
  chain::append_push(in.script_sig, data);
  coinbase.inputs.push_back(in);
  // No outputs, exactly as initAuxPow builds it.

  chain::AuxPow aux;
  aux.coinbase = coinbase;
  aux.coinbase_index = 0;  // the coinbase is the parent's only transaction
  aux.chain_index = 0;     // one merged chain: empty chain branch
  aux.parent.version = 1;
  aux.parent.merkle_root = coinbase.txid();
  for (aux.parent.nonce = 0;; ++aux.parent.nonce) {
    if (chain::check_proof_of_work(aux.parent.hash(), bits, chain::regtest_params())) break;
    if (aux.parent.nonce == 0xffffffff) throw std::runtime_error("auxpow: no nonce found");
  }
  return aux.serialize();
}

}  // namespace redoubt::testsupport
