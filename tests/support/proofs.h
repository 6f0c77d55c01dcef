// Merkle proofs the server hands out: transaction branches in a block and the
// header-chain branches of cp_height checkpoints (a merkle tree over block
// hashes 0..cp_height, as ElectrumX builds it).
#pragma once

#include <vector>

#include "chain/bytes.h"

namespace redoubt::testsupport {

// chain/merkle.h's root (kept here beside the branch builder chain/ lacks:
// chain/ verifies proofs, only a server needs to make them).
chain::Hash256 merkle_root_of(const std::vector<chain::Hash256>& leaves);
// Sibling hashes from leaf `index` up to the root (Bitcoin's tree: an odd
// level duplicates its last node).
std::vector<chain::Hash256> merkle_branch_of(const std::vector<chain::Hash256>& leaves,
                                             size_t index);

}  // namespace redoubt::testsupport
