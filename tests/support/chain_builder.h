// The regtest chain of the test universe: Namecoin regtest genesis, blocks
// with a BIP34 coinbase, merge-mined AuxPoW headers as namecoind makes them,
// merkle roots, a UTXO set, the name database (with regtest's 30-block
// expiry) and reorgs. All consensus checks a node makes on a block's
// transactions are in tx_rules.h; this class assumes they passed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "chain/tx.h"

namespace redoubt::testsupport {

// Namecoin regtest consensus numbers (namecoind chainparams.cpp, regtest).
inline constexpr int kCoinbaseMaturity = 100;
inline constexpr int kSubsidyHalvingInterval = 150;
inline constexpr int kMinFirstUpdateDepth = 12;  // MIN_FIRSTUPDATE_DEPTH
inline constexpr int kRegtestNameExpiration = 30;
inline constexpr uint32_t kRegtestBits = 0x207fffff;
inline constexpr int32_t kAuxpowChainId = 1;
// Block version namecoind's regtest miner produces: BIP9 top bits unset,
// version 4, the AuxPoW flag (0x100) and chain id 1 in bits 16+.
inline constexpr int32_t kAuxpowBlockVersion = 4 | 0x100 | (kAuxpowChainId << 16);

struct OutPointLess {
  bool operator()(const chain::OutPoint& a, const chain::OutPoint& b) const {
    return a.txid != b.txid ? a.txid < b.txid : a.index < b.index;
  }
};

struct Coin {
  chain::TxOut out;
  int height = 0;  // block height; kMempoolHeight for a mempool parent
  bool coinbase = false;
};
inline constexpr int kMempoolHeight = 0x7fffffff;  // namecoind MEMPOOL_HEIGHT

using CoinMap = std::map<chain::OutPoint, Coin, OutPointLess>;

struct NameRecord {
  chain::Bytes name;
  chain::Bytes value;
  chain::Bytes address_script;  // the owner's script behind the name prefix
  int height = 0;               // height of the last update
  chain::OutPoint outpoint;     // the name output that carries it
  int expires_at() const { return height + kRegtestNameExpiration; }
  bool expired_at(int h) const { return expires_at() <= h; }
};

struct Block {
  chain::Bytes header;  // the 80-byte header (what the block hash covers)
  chain::Bytes auxpow;  // serialized AuxPoW; empty for genesis
  chain::Hash256 hash{};
  std::vector<chain::Transaction> txs;
  std::vector<chain::Hash256> txids;
  chain::Bytes full_header() const;  // header || auxpow, as ElectrumX serves it
};

class RegtestChain {
 public:
  struct Options {
    // Include the "fabe6d6d" merged-mining marker in the parent coinbase.
    // namecoind's own regtest miner omits it (the chain merkle root then
    // starts the script); both forms are valid AuxPoW.
    bool mm_marker = false;
  };
  RegtestChain();
  explicit RegtestChain(Options opts);

  int height() const { return static_cast<int>(blocks_.size()) - 1; }
  const Block& block(int h) const { return blocks_.at(static_cast<size_t>(h)); }
  const std::vector<Block>& blocks() const { return blocks_; }

  const CoinMap& utxos() const { return utxos_; }
  std::optional<Coin> coin(const chain::OutPoint& op) const;
  // The name's current record, also when expired (callers check expiry).
  std::optional<NameRecord> name(chain::ByteSpan name) const;
  const std::map<chain::Bytes, NameRecord>& names() const { return names_; }

  // Where a confirmed transaction is: (height, position).
  std::optional<std::pair<int, size_t>> find_tx(const chain::Hash256& txid) const;

  // Builds and connects one block paying the subsidy plus `fees` to
  // `coinbase_script`, with `txs` after the coinbase (already validated
  // against this chain). `extra` varies the coinbase (reorgs need new hashes).
  const Block& mine_block(const chain::Bytes& coinbase_script,
                          const std::vector<chain::Transaction>& txs, int64_t fees,
                          uint32_t extra = 0);
  // Removes the top `n` blocks (not genesis) and rebuilds the state; returns
  // their non-coinbase transactions, oldest first.
  std::vector<chain::Transaction> disconnect(int n);

  static int64_t subsidy(int height);

 private:
  void connect(Block b);
  void apply(const Block& b, int height);
  void rebuild();

  Options opts_;
  std::vector<Block> blocks_;
  CoinMap utxos_;
  std::map<chain::Bytes, NameRecord> names_;
  std::map<chain::Hash256, std::pair<int, size_t>> tx_index_;
};

}  // namespace redoubt::testsupport
