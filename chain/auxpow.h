// Namecoin merged mining (AuxPoW): the proof that a parent chain's block
// commits to our block, parsed from the wire and checked exactly as
// namecoind's CAuxPow::check does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "chain/pure_header.h"
#include "chain/tx.h"

namespace redoubt::chain {

class Reader;

// Longest chain merkle branch namecoind accepts (so 2^30 merged chains at most).
inline constexpr size_t kMaxChainMerkleBranch = 30;
// The coinbase merkle branch cannot be longer than a block's tree depth.
inline constexpr size_t kMaxCoinbaseMerkleBranch = 32;
// The 4-byte marker before the chain merkle root in the parent coinbase.
inline constexpr uint8_t kMergedMiningHeader[4] = {0xfa, 0xbe, 'm', 'm'};

struct AuxPow {
  Transaction coinbase;                  // the parent block's coinbase transaction
  Hash256 parent_block_hash_field{};     // CMerkleTx::hashBlock, unused by consensus
  std::vector<Hash256> coinbase_branch;  // coinbase -> parent merkle root
  int32_t coinbase_index = 0;            // must be 0: the coinbase is the first tx
  std::vector<Hash256> chain_branch;     // our block hash -> chain merkle root
  int32_t chain_index = 0;
  PureHeader parent;  // the parent block header carrying the real work

  Bytes serialize() const;
};

// Reads the serialization namecoind uses (CMerkleTx layout then chain branch,
// chain index and parent header). Branch lengths are bounded; throws ChainError.
AuxPow read_auxpow(Reader& r);

// namecoind's CAuxPow::getExpectedIndex: the slot in the chain merkle tree a
// chain must use for a given nonce, so the same work cannot count twice.
// Throws ChainError for height > 30.
uint32_t auxpow_expected_index(uint32_t nonce, int32_t chain_id, unsigned height);

// CAuxPow::check: returns an empty string when valid, else the reason.
// `aux_block_hash` is our header's hash; `strict_chain_id` forbids a parent
// with our own chain id. Does NOT check the parent's proof of work.
std::string auxpow_check(const AuxPow& aux, const Hash256& aux_block_hash, int32_t chain_id,
                         bool strict_chain_id);

}  // namespace redoubt::chain
