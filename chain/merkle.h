// Merkle trees: Bitcoin's block merkle root and branch verification for SPV
// proofs (Electrum's blockchain.transaction.get_merkle) and AuxPoW.
#pragma once

#include <cstdint>
#include <vector>

#include "chain/bytes.h"

namespace redoubt::chain {

// A branch longer than this cannot belong to any block (2^32 transactions).
inline constexpr size_t kMaxMerkleBranch = 32;

// Bitcoin's merkle root: pairs hashed with sha256d, an odd last node paired
// with itself. `mutated` (optional) is set when two identical adjacent nodes
// were hashed (CVE-2012-2459). The root of an empty list is all zero.
Hash256 merkle_root(std::vector<Hash256> leaves, bool* mutated = nullptr);

// Folds `branch` onto `leaf`: bit i of `index` says whether the node at level i
// is a right child (sibling on the left). All hashes in internal byte order.
// This is Namecoin's CAuxPow::CheckMerkleBranch without its -1 special case.
Hash256 merkle_root_from_branch(const Hash256& leaf, const std::vector<Hash256>& branch,
                                uint32_t index);

// Verifies an SPV proof: branch length <= 32, index within the tree the branch
// describes, the folded root equal to `root`, and no inner node that would also
// parse as a 64-byte transaction (the "64-byte transaction" ambiguity Electrum
// guards against).
bool verify_merkle_proof(const Hash256& txid, const std::vector<Hash256>& branch, uint32_t index,
                         const Hash256& root);

}  // namespace redoubt::chain
