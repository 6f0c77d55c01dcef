#include "chain/merkle.h"

#include <cstring>

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/tx.h"

namespace redoubt::chain {
namespace {

Hash256 hash_pair(const Hash256& left, const Hash256& right) {
  uint8_t buf[64];
  std::memcpy(buf, left.data(), 32);
  std::memcpy(buf + 32, right.data(), 32);
  return sha256d(ByteSpan(buf, 64));
}

bool parses_as_transaction(const Hash256& left, const Hash256& right) {
  Bytes buf(left.begin(), left.end());
  buf.insert(buf.end(), right.begin(), right.end());
  try {
    (void)parse_transaction(buf);
    return true;
  } catch (const ChainError&) {
    return false;
  }
}

}  // namespace

Hash256 merkle_root(std::vector<Hash256> level, bool* mutated) {
  bool mut = false;
  if (level.empty()) {
    if (mutated) *mutated = false;
    return Hash256{};
  }
  while (level.size() > 1) {
    for (size_t i = 0; i + 1 < level.size(); i += 2)
      if (level[i] == level[i + 1]) mut = true;
    if (level.size() % 2) level.push_back(level.back());
    std::vector<Hash256> next(level.size() / 2);
    for (size_t i = 0; i < next.size(); ++i) next[i] = hash_pair(level[2 * i], level[2 * i + 1]);
    level = std::move(next);
  }
  if (mutated) *mutated = mut;
  return level[0];
}

Hash256 merkle_root_from_branch(const Hash256& leaf, const std::vector<Hash256>& branch,
                                uint32_t index) {
  Hash256 h = leaf;
  for (const Hash256& sibling : branch) {
    h = (index & 1) ? hash_pair(sibling, h) : hash_pair(h, sibling);
    index >>= 1;
  }
  return h;
}

bool verify_merkle_proof(const Hash256& txid, const std::vector<Hash256>& branch, uint32_t index,
                         const Hash256& root) {
  if (branch.size() > kMaxMerkleBranch) return false;
  if (branch.size() < 32 && (static_cast<uint64_t>(index) >> branch.size()) != 0) return false;
  Hash256 h = txid;
  uint32_t i = index;
  for (const Hash256& sibling : branch) {
    const Hash256& left = (i & 1) ? sibling : h;
    const Hash256& right = (i & 1) ? h : sibling;
    if (parses_as_transaction(left, right)) return false;
    h = hash_pair(left, right);
    i >>= 1;
  }
  return h == root;
}

}  // namespace redoubt::chain
