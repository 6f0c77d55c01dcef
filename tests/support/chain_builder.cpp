#include "tests/support/chain_builder.h"

#include <stdexcept>

#include "chain/hash.h"
#include "chain/names.h"
#include "chain/params.h"
#include "chain/pure_header.h"
#include "chain/script.h"
#include "tests/support/auxpow_miner.h"
#include "tests/support/proofs.h"

namespace redoubt::testsupport {

using chain::Bytes;

namespace {
// Bitcoin's (and Namecoin regtest's) genesis coinbase: "The Times 03/Jan/2009
// Chancellor on brink of second bailout for banks", 50 coins to Satoshi's key.
constexpr const char* kGenesisCoinbase =
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ff"
    "ff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
    "72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a0100"
    "0000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef"
    "38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
constexpr uint32_t kGenesisTime = 1296688602;
constexpr uint32_t kGenesisNonce = 2;

// CScript() << n for a block height (BIP34): OP_n for 1..16, else a minimal
// little-endian script number push.
void push_height(Bytes& script, int h) {
  if (h >= 1 && h <= 16) {
    script.push_back(static_cast<uint8_t>(chain::OP_1 + h - 1));
    return;
  }
  Bytes num;
  for (uint32_t v = static_cast<uint32_t>(h); v; v >>= 8) num.push_back(v & 0xff);
  if (!num.empty() && (num.back() & 0x80)) num.push_back(0);
  chain::append_push(script, num);
}
}  // namespace

Bytes Block::full_header() const {
  Bytes out = header;
  out.insert(out.end(), auxpow.begin(), auxpow.end());
  return out;
}

int64_t RegtestChain::subsidy(int height) {
  int halvings = height / kSubsidyHalvingInterval;
  if (halvings >= 64) return 0;
  return (50LL * 100'000'000LL) >> halvings;
}

RegtestChain::RegtestChain() : RegtestChain(Options{}) {}

RegtestChain::RegtestChain(Options opts) : opts_(opts) {
  Block g;
  g.txs.push_back(chain::parse_transaction(chain::from_hex(kGenesisCoinbase)));
  g.txids.push_back(g.txs[0].txid());
  chain::PureHeader h;
  h.version = 1;
  h.merkle_root = merkle_root_of(g.txids);
  h.time = kGenesisTime;
  h.bits = kRegtestBits;
  h.nonce = kGenesisNonce;
  g.header = h.serialize();
  g.hash = chain::sha256d(g.header);
  if (g.hash != chain::regtest_params().genesis_hash()) {
    throw std::logic_error("regtest genesis hash mismatch");
  }
  blocks_.push_back(std::move(g));
  rebuild();
}

std::optional<Coin> RegtestChain::coin(const chain::OutPoint& op) const {
  auto it = utxos_.find(op);
  if (it == utxos_.end()) return std::nullopt;
  return it->second;
}

std::optional<NameRecord> RegtestChain::name(chain::ByteSpan n) const {
  auto it = names_.find(Bytes(n.begin(), n.end()));
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<int, size_t>> RegtestChain::find_tx(const chain::Hash256& txid) const {
  auto it = tx_index_.find(txid);
  if (it == tx_index_.end()) return std::nullopt;
  return it->second;
}

const Block& RegtestChain::mine_block(const Bytes& coinbase_script,
                                      const std::vector<chain::Transaction>& txs, int64_t fees,
                                      uint32_t extra) {
  const int h = height() + 1;
  chain::Transaction cb;
  cb.version = 2;
  chain::TxIn in;
  in.prevout.index = 0xffffffff;
  push_height(in.script_sig, h);
  in.script_sig.push_back(chain::OP_0);  // as Core's miner: << nHeight << OP_0
  if (extra) {
    Bytes e = {static_cast<uint8_t>(extra), static_cast<uint8_t>(extra >> 8),
               static_cast<uint8_t>(extra >> 16), static_cast<uint8_t>(extra >> 24)};
    chain::append_push(in.script_sig, e);
  }
  in.witness = {Bytes(32, 0)};  // BIP141 witness reserved value
  cb.inputs.push_back(in);
  cb.outputs.push_back(chain::TxOut{subsidy(h) + fees, coinbase_script});

  // BIP141 witness commitment over the wtxids (the coinbase's counts as zero).
  std::vector<chain::Hash256> wtxids{chain::Hash256{}};
  for (const auto& tx : txs) wtxids.push_back(tx.wtxid());
  chain::Hash256 wroot = merkle_root_of(wtxids);
  Bytes preimage(wroot.begin(), wroot.end());
  preimage.resize(64, 0);
  chain::Hash256 commitment = chain::sha256d(preimage);
  Bytes commit_data = {0xaa, 0x21, 0xa9, 0xed};
  commit_data.insert(commit_data.end(), commitment.begin(), commitment.end());
  cb.outputs.push_back(chain::TxOut{0, chain::op_return_script(commit_data)});

  Block b;
  b.txs.push_back(cb);
  for (const auto& tx : txs) b.txs.push_back(tx);
  for (const auto& tx : b.txs) b.txids.push_back(tx.txid());

  chain::PureHeader hf;
  hf.version = kAuxpowBlockVersion;
  hf.prev_hash = blocks_.back().hash;
  hf.merkle_root = merkle_root_of(b.txids);
  hf.time = kGenesisTime + static_cast<uint32_t>(h) * 60;
  hf.bits = kRegtestBits;
  hf.nonce = 0;
  b.header = hf.serialize();
  b.hash = chain::sha256d(b.header);
  b.auxpow = mine_auxpow(b.header, kRegtestBits, opts_.mm_marker);
  connect(std::move(b));
  return blocks_.back();
}

void RegtestChain::connect(Block b) {
  blocks_.push_back(std::move(b));
  apply(blocks_.back(), height());
}

void RegtestChain::apply(const Block& b, int h) {
  if (h > 0) {
    for (size_t p = 0; p < b.txs.size(); ++p) {
      const auto& tx = b.txs[p];
      const auto& txid = b.txids[p];
      tx_index_[txid] = {h, p};
      if (!tx.is_coinbase()) {
        for (const auto& in : tx.inputs) utxos_.erase(in.prevout);
      }
      for (uint32_t i = 0; i < tx.outputs.size(); ++i) {
        const auto& o = tx.outputs[i];
        // OP_RETURN outputs are provably unspendable: never in the UTXO set.
        if (!o.script_pubkey.empty() && o.script_pubkey[0] == chain::OP_RETURN) continue;
        utxos_[chain::OutPoint{txid, i}] = Coin{o, h, tx.is_coinbase()};
        if (!tx.is_name_tx()) continue;
        auto ns = chain::decode_name_script(o.script_pubkey);
        if (!ns || ns->op.type == chain::NameOpType::kNameNew) continue;
        names_[ns->op.name] =
            NameRecord{ns->op.name, ns->op.value, ns->address_script, h, {txid, i}};
      }
    }
  } else {
    tx_index_[b.txids[0]] = {0, 0};  // the genesis output is not spendable
  }
  // Expiry (namecoind ExpireNames): a name last updated at h - 30 expires
  // now and its coin leaves the UTXO set.
  for (auto& [n, rec] : names_) {
    if (rec.expires_at() == h) utxos_.erase(rec.outpoint);
  }
}

void RegtestChain::rebuild() {
  utxos_.clear();
  names_.clear();
  tx_index_.clear();
  for (int h = 0; h <= height(); ++h) apply(blocks_[static_cast<size_t>(h)], h);
}

std::vector<chain::Transaction> RegtestChain::disconnect(int n) {
  if (n < 0 || n > height()) throw std::invalid_argument("cannot disconnect that many blocks");
  std::vector<chain::Transaction> out;
  std::vector<Block> removed(blocks_.end() - n, blocks_.end());
  blocks_.resize(blocks_.size() - static_cast<size_t>(n));
  for (const auto& b : removed) {
    for (size_t p = 1; p < b.txs.size(); ++p) out.push_back(b.txs[p]);
  }
  rebuild();
  return out;
}

}  // namespace redoubt::testsupport
