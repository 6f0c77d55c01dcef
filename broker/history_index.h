// The wallet history as an order-statistic tree (a treap keyed by history
// order, each node carrying its subtree's size and sum of deltas): a page of
// history with running balances costs O(log n + page), any change O(log n).
#pragma once

#include <compare>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "chain/bytes.h"

namespace redoubt::broker {

// History order: confirmed by (height, position), unconfirmed last, then the
// time first seen and the txid so the order is total and stable.
struct HistoryKey {
  bool unconfirmed = false;
  int32_t height = 0;
  int32_t position = -1;
  int64_t first_seen = 0;
  chain::Hash256 txid{};
  auto operator<=>(const HistoryKey&) const = default;
};

class HistoryIndex {
 public:
  struct Entry {
    chain::Hash256 txid{};
    int64_t delta = 0;
    int64_t balance = 0;  // running balance after this entry, oldest first
  };

  // Inserts key.txid, or moves it to `key` and gives it `delta`.
  void set(const HistoryKey& key, int64_t delta);
  void erase(const chain::Hash256& txid);
  void clear();
  size_t size() const { return where_.size(); }
  int64_t total() const;  // the sum of every delta: the last running balance
  // Entries at ranks [from, from + count) of history order (oldest first),
  // clipped to the size, each with its running balance.
  std::vector<Entry> range(size_t from, size_t count) const;

 private:
  struct Node {
    HistoryKey key;
    int64_t delta = 0;
    int64_t sum = 0;  // of the subtree's deltas
    uint64_t priority = 0;
    int32_t left = -1, right = -1;
    uint32_t size = 1;
  };
  struct HashHasher {
    size_t operator()(const chain::Hash256& h) const;
  };

  void pull(int32_t t);
  int32_t merge(int32_t a, int32_t b);
  void split(int32_t t, const HistoryKey& k, int32_t& lo, int32_t& hi);  // lo < k <= hi
  int32_t insert(int32_t t, int32_t n);
  int32_t remove(int32_t t, const HistoryKey& k);
  int64_t sum_before(size_t rank) const;
  void collect(int32_t t, size_t base, size_t from, size_t to, std::vector<Entry>& out) const;

  std::vector<Node> nodes_;
  std::vector<int32_t> free_;
  std::unordered_map<chain::Hash256, int32_t, HashHasher> where_;
  int32_t root_ = -1;
  uint64_t seed_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace redoubt::broker
