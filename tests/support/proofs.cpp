#include "tests/support/proofs.h"

#include "chain/hash.h"
#include "chain/merkle.h"

namespace redoubt::testsupport {

namespace {
chain::Hash256 parent(const chain::Hash256& a, const chain::Hash256& b) {
  uint8_t buf[64];
  std::copy(a.begin(), a.end(), buf);
  std::copy(b.begin(), b.end(), buf + 32);
  return chain::sha256d(chain::ByteSpan(buf, 64));
}
}  // namespace

chain::Hash256 merkle_root_of(const std::vector<chain::Hash256>& leaves) {
  return chain::merkle_root(leaves);
}

std::vector<chain::Hash256> merkle_branch_of(const std::vector<chain::Hash256>& leaves,
                                             size_t index) {
  std::vector<chain::Hash256> branch;
  std::vector<chain::Hash256> level = leaves;
  while (level.size() > 1) {
    if (level.size() % 2) level.push_back(level.back());
    branch.push_back(level[index ^ 1]);
    std::vector<chain::Hash256> next;
    for (size_t i = 0; i < level.size(); i += 2) next.push_back(parent(level[i], level[i + 1]));
    level.swap(next);
    index /= 2;
  }
  return branch;
}

}  // namespace redoubt::testsupport
