#include "tests/support/auxpow_miner.h"

#include <algorithm>
#include <stdexcept>

#include "chain/hash.h"
#include "chain/params.h"
#include "chain/pow.h"
#include "chain/script.h"
#include "chain/serialize.h"
#include "chain/tx.h"

namespace redoubt::testsupport {

chain::Bytes HeaderFields::serialize() const {
  chain::Writer w;
  w.i32le(version);
  w.bytes(prev);
  w.bytes(merkle_root);
  w.u32le(time);
  w.u32le(bits);
  w.u32le(nonce);
  return w.take();
}

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

  HeaderFields parent;
  parent.version = 1;
  parent.merkle_root = coinbase.txid();
  for (parent.nonce = 0;; ++parent.nonce) {
    if (chain::check_proof_of_work(chain::sha256d(parent.serialize()), bits,
                                   chain::regtest_params())) {
      break;
    }
    if (parent.nonce == 0xffffffff) throw std::runtime_error("auxpow: no nonce found");
  }

  chain::Writer w;
  w.bytes(coinbase.serialize());
  w.bytes(chain::Hash256{});  // hashBlock (unused)
  w.compact_size(0);          // coinbase merkle branch: the coinbase is the only tx
  w.i32le(0);                 // nIndex
  w.compact_size(0);          // chain merkle branch: one chain
  w.i32le(0);                 // nChainIndex
  w.bytes(parent.serialize());
  return w.take();
}

}  // namespace redoubt::testsupport
