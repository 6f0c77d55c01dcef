#include "chain/auxpow.h"

#include <algorithm>

#include "chain/error.h"
#include "chain/merkle.h"
#include "chain/serialize.h"

namespace redoubt::chain {
namespace {

std::vector<Hash256> read_branch(Reader& r, size_t max, const char* what) {
  const uint64_t n = r.compact_size(max, what);
  std::vector<Hash256> out;
  out.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) out.push_back(r.hash256(what));
  return out;
}

void write_branch(Writer& w, const std::vector<Hash256>& branch) {
  w.compact_size(branch.size());
  for (const Hash256& h : branch) w.bytes(h);
}

// CAuxPow::CheckMerkleBranch: index -1 means "no branch" and yields zero.
Hash256 check_merkle_branch(const Hash256& leaf, const std::vector<Hash256>& branch,
                            int32_t index) {
  if (index == -1) return Hash256{};
  return merkle_root_from_branch(leaf, branch, static_cast<uint32_t>(index));
}

}  // namespace

Bytes AuxPow::serialize() const {
  Writer w;
  w.bytes(coinbase.serialize());
  w.bytes(parent_block_hash_field);
  write_branch(w, coinbase_branch);
  w.i32le(coinbase_index);
  write_branch(w, chain_branch);
  w.i32le(chain_index);
  w.bytes(parent.serialize());
  return w.take();
}

AuxPow read_auxpow(Reader& r) {
  AuxPow a;
  a.coinbase = read_transaction(r);
  a.parent_block_hash_field = r.hash256("auxpow block hash");
  a.coinbase_branch = read_branch(r, kMaxCoinbaseMerkleBranch, "auxpow coinbase branch");
  a.coinbase_index = r.i32le("auxpow coinbase index");
  // Reading accepts up to the merkle maximum so check() can report the
  // consensus limit (30) with namecoind's reason.
  a.chain_branch = read_branch(r, kMaxCoinbaseMerkleBranch, "auxpow chain branch");
  a.chain_index = r.i32le("auxpow chain index");
  a.parent = read_pure_header(r);
  return a;
}

uint32_t auxpow_expected_index(uint32_t nonce, int32_t chain_id, unsigned height) {
  // A linear congruential step, wrapping in 32 bits as namecoind documents.
  // check() only calls this with height <= 30; refuse what would overflow.
  if (height > kMaxChainMerkleBranch) throw ChainError("chain merkle height too large");
  uint32_t rand = nonce;
  rand = rand * 1103515245u + 12345u;
  rand += static_cast<uint32_t>(chain_id);
  rand = rand * 1103515245u + 12345u;
  return rand % (uint32_t{1} << height);
}

std::string auxpow_check(const AuxPow& aux, const Hash256& aux_block_hash, int32_t chain_id,
                         bool strict_chain_id) {
  if (aux.coinbase_index != 0) return "AuxPow is not a generate";
  if (strict_chain_id && aux.parent.chain_id() == chain_id)
    return "Aux POW parent has our chain ID";
  if (aux.chain_branch.size() > kMaxChainMerkleBranch)
    return "Aux POW chain merkle branch too long";

  // The chain merkle root, written into the coinbase byte-reversed.
  Hash256 root = check_merkle_branch(aux_block_hash, aux.chain_branch, aux.chain_index);
  std::reverse(root.begin(), root.end());

  if (check_merkle_branch(aux.coinbase.txid(), aux.coinbase_branch, aux.coinbase_index) !=
      aux.parent.merkle_root)
    return "Aux POW merkle root incorrect";
  if (aux.coinbase.inputs.empty()) return "Aux POW coinbase has no inputs";

  const Bytes& script = aux.coinbase.inputs[0].script_sig;
  const auto head = std::search(script.begin(), script.end(), std::begin(kMergedMiningHeader),
                                std::end(kMergedMiningHeader));
  auto pc = std::search(script.begin(), script.end(), root.begin(), root.end());
  if (pc == script.end()) return "Aux POW missing chain merkle root in parent coinbase";

  if (head != script.end()) {
    // Only one marker, and the root right after it: one chain root per coinbase.
    if (std::search(head + 1, script.end(), std::begin(kMergedMiningHeader),
                    std::end(kMergedMiningHeader)) != script.end())
      return "Multiple merged mining headers in coinbase";
    if (head + sizeof(kMergedMiningHeader) != pc)
      return "Merged mining header is not just before chain merkle root";
  } else if (pc - script.begin() > 20) {
    // Old miners put no marker; then the root must start in the first 20 bytes.
    return "Aux POW chain merkle root must start in the first 20 bytes of the parent coinbase";
  }

  pc += static_cast<std::ptrdiff_t>(root.size());
  if (script.end() - pc < 8)
    return "Aux POW missing chain merkle tree size and nonce in parent coinbase";
  auto le32 = [](auto it) {
    return static_cast<uint32_t>(it[0]) | (static_cast<uint32_t>(it[1]) << 8) |
           (static_cast<uint32_t>(it[2]) << 16) | (static_cast<uint32_t>(it[3]) << 24);
  };
  const uint32_t size = le32(pc);
  const unsigned height = static_cast<unsigned>(aux.chain_branch.size());
  if (size != (uint32_t{1} << height))
    return "Aux POW merkle branch size does not match parent coinbase";
  const uint32_t nonce = le32(pc + 4);
  if (aux.chain_index < 0 ||
      static_cast<uint32_t>(aux.chain_index) != auxpow_expected_index(nonce, chain_id, height))
    return "Aux POW wrong index";
  return {};
}

}  // namespace redoubt::chain
