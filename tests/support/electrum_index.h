// What an ElectrumX server would have indexed from the universe's chain and
// mempool: script hash histories (name prefixes stripped, as the Namecoin
// ElectrumX indexes the owner's address), UTXOs, mempool effects, and the
// name index (OP_NAME_UPDATE <name> <> OP_2DROP OP_DROP OP_RETURN), which
// like ElectrumX holds only mined operations. An immutable snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "tests/support/chain_builder.h"
#include "tests/support/mempool.h"

namespace redoubt::testsupport {

struct ElectrumIndex {
  struct Confirmed {
    chain::Hash256 txid{};
    int height = 0;
  };
  struct Unconfirmed {
    chain::Hash256 txid{};
    int64_t fee = 0;
    bool unconfirmed_inputs = false;
  };
  struct Utxo {
    chain::Hash256 txid{};
    uint32_t pos = 0;
    int height = 0;  // 0 for mempool outputs
    int64_t value = 0;
  };
  struct TxInfo {
    chain::Bytes raw;
    int height = -1;  // -1: mempool
    size_t pos = 0;
  };

  int height = 0;
  std::vector<chain::Bytes> headers;  // full (80 + AuxPoW) per height
  std::vector<chain::Hash256> block_hashes;
  std::vector<std::vector<chain::Hash256>> block_txids;
  std::map<chain::Hash256, TxInfo> txs;

  std::map<std::string, std::vector<Confirmed>> history;    // by script hash
  std::map<std::string, std::vector<Unconfirmed>> mempool;  // by script hash
  std::map<std::string, std::vector<Utxo>> utxos;           // confirmed, sorted
  std::map<std::string, std::vector<Utxo>> mempool_utxos;   // new mempool outputs
  std::map<std::string, int64_t> mempool_delta;             // unconfirmed balance
  std::set<std::pair<chain::Hash256, uint32_t>> mempool_spends;
  std::map<std::string, std::vector<Confirmed>> name_history;  // name-index script hash
  // Name-index entries of blocks orphaned by reorgs (served only in the
  // stale_name_history misbehaviour, imitating ElectrumX).
  std::map<std::string, std::vector<Confirmed>> orphaned_name_history;

  static ElectrumIndex build(const RegtestChain& chain, const Mempool& mempool);

  // ElectrumX's status: sha256 of "txid:height:" for the history then the
  // mempool (height 0, or -1 with unconfirmed inputs); null without history.
  std::string status(const std::string& scripthash, bool& has_history,
                     bool with_orphans = false) const;
  // Confirmed history as served: the name index with orphaned entries merged
  // in when `with_orphans`, ordered by height.
  std::vector<Confirmed> confirmed_history(const std::string& scripthash, bool with_orphans) const;
};

// The name-index entries (script hash -> txid, height) of one block.
std::vector<std::pair<std::string, ElectrumIndex::Confirmed>> name_index_entries(const Block& b,
                                                                                 int height);

// The ElectrumX script hash of an output script (name prefix stripped).
std::string owner_script_hash(chain::ByteSpan script);

}  // namespace redoubt::testsupport
