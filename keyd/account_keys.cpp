#include "keyd/account_keys.h"

#include "keyd/error.h"

namespace redoubt::keyd {

void AccountKeys::check_path(const chain::KeyPath& relative) {
  if (relative.empty() || relative.size() > kMaxRelativeDepth)
    throw KeydError(ErrorKind::kUsage, "a key path below the account has 1 to " +
                                           std::to_string(kMaxRelativeDepth) + " components");
  for (uint32_t i : relative)
    if (i & chain::kHardened)
      throw KeydError(ErrorKind::kUsage, "key paths below the account are never hardened");
}

const chain::ExtendedPrivateKey& AccountKeys::chain_node(uint32_t index) {
  auto it = chains_.find(index);
  if (it == chains_.end()) {
    if (chains_.size() >= kMaxRelativeDepth * 64) chains_.clear();
    it = chains_.emplace(index, std::make_unique<chain::ExtendedPrivateKey>(account_.derive(index)))
             .first;
  }
  return *it->second;
}

void AccountKeys::trim() {
  if (keys_.size() >= kMaxCachedKeys) keys_.clear();
}

const DerivedKey& AccountKeys::key(const chain::KeyPath& relative) {
  auto it = keys_.find(relative);
  if (it != keys_.end()) return *it->second;
  check_path(relative);
  chain::ExtendedPrivateKey node = chain_node(relative[0]).clone();
  for (size_t i = 1; i < relative.size(); ++i) node = node.derive(relative[i]);
  chain::PublicKey pub = node.public_key();
  auto k = std::make_unique<DerivedKey>(
      DerivedKey{node.key().clone(), pub.compressed(), pub.key_hash(/*compressed=*/true)});
  return *keys_.emplace(relative, std::move(k)).first->second;
}

}  // namespace redoubt::keyd
