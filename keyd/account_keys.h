// The unlocked account: its extended private key and a cache of the child
// keys derived from it, so signing many inputs costs one derivation per
// distinct path per unlock, not one per signature.
#pragma once

#include <array>
#include <map>
#include <memory>

#include "chain/bip32.h"
#include "chain/key.h"

namespace redoubt::keyd {

// A key below the account, with what signing and script checks need.
struct DerivedKey {
  chain::PrivateKey key;
  std::array<uint8_t, 33> pubkey;  // compressed (we never use uncompressed keys)
  chain::Hash160 key_hash;         // HASH160(pubkey): the P2WPKH/P2PKH payload
};

// Paths are relative to the account (receive = {0, i}, change = {1, i}) and
// non-hardened: what the broker can name from the account xpub. At most
// kMaxRelativeDepth components.
inline constexpr size_t kMaxRelativeDepth = 4;
// Bounds the cache (a hostile broker could name millions of paths): trim()
// empties it when it holds this many. One request can add at most its inputs
// and outputs on top (each bounded by chain/'s transaction limits).
inline constexpr size_t kMaxCachedKeys = 100'000;

class AccountKeys {
 public:
  explicit AccountKeys(chain::ExtendedPrivateKey account) : account_(std::move(account)) {}

  const chain::ExtendedPrivateKey& account() const { return account_; }
  // Throws KeydError(kUsage) for an empty, too deep or hardened path. The
  // reference stays valid until the next trim() (never inside a request).
  const DerivedKey& key(const chain::KeyPath& relative);
  // Called between requests: empties the cache when it is full.
  void trim();
  // The same check without deriving.
  static void check_path(const chain::KeyPath& relative);
  size_t cached() const { return keys_.size(); }

 private:
  const chain::ExtendedPrivateKey& chain_node(uint32_t index);
  chain::ExtendedPrivateKey account_;
  // account/i for the first component: the BIP32 parent of every address key.
  std::map<uint32_t, std::unique_ptr<chain::ExtendedPrivateKey>> chains_;
  std::map<chain::KeyPath, std::unique_ptr<DerivedKey>> keys_;
};

}  // namespace redoubt::keyd
