#include "broker/history_index.h"

#include <cstring>

namespace redoubt::broker {

size_t HistoryIndex::HashHasher::operator()(const chain::Hash256& h) const {
  size_t v;
  std::memcpy(&v, h.data(), sizeof v);  // txids are uniformly distributed
  return v;
}

void HistoryIndex::pull(int32_t t) {
  Node& n = nodes_[static_cast<size_t>(t)];
  n.size = 1;
  n.sum = n.delta;
  for (int32_t c : {n.left, n.right})
    if (c >= 0) {
      n.size += nodes_[static_cast<size_t>(c)].size;
      n.sum += nodes_[static_cast<size_t>(c)].sum;
    }
}

int32_t HistoryIndex::merge(int32_t a, int32_t b) {
  // Every key of `a` is below every key of `b`.
  if (a < 0) return b;
  if (b < 0) return a;
  Node& na = nodes_[static_cast<size_t>(a)];
  Node& nb = nodes_[static_cast<size_t>(b)];
  if (na.priority > nb.priority) {
    na.right = merge(na.right, b);
    pull(a);
    return a;
  }
  nb.left = merge(a, nb.left);
  pull(b);
  return b;
}

void HistoryIndex::split(int32_t t, const HistoryKey& k, int32_t& lo, int32_t& hi) {
  if (t < 0) {
    lo = hi = -1;
    return;
  }
  Node& n = nodes_[static_cast<size_t>(t)];
  if (n.key < k) {
    split(n.right, k, n.right, hi);
    lo = t;
  } else {
    split(n.left, k, lo, n.left);
    hi = t;
  }
  pull(t);
}

int32_t HistoryIndex::insert(int32_t t, int32_t n) {
  if (t < 0) return n;
  Node& nt = nodes_[static_cast<size_t>(t)];
  Node& nn = nodes_[static_cast<size_t>(n)];
  if (nn.priority > nt.priority) {
    split(t, nn.key, nn.left, nn.right);
    pull(n);
    return n;
  }
  if (nn.key < nt.key)
    nt.left = insert(nt.left, n);
  else
    nt.right = insert(nt.right, n);
  pull(t);
  return t;
}

int32_t HistoryIndex::remove(int32_t t, const HistoryKey& k) {
  if (t < 0) return t;  // not reached: callers remove keys they hold
  Node& n = nodes_[static_cast<size_t>(t)];
  if (n.key == k) {
    free_.push_back(t);
    return merge(n.left, n.right);
  }
  if (k < n.key)
    n.left = remove(n.left, k);
  else
    n.right = remove(n.right, k);
  pull(t);
  return t;
}

void HistoryIndex::set(const HistoryKey& key, int64_t delta) {
  auto it = where_.find(key.txid);
  if (it != where_.end()) {
    const Node& old = nodes_[static_cast<size_t>(it->second)];
    if (old.key == key && old.delta == delta) return;
    root_ = remove(root_, old.key);
    where_.erase(it);
  }
  int32_t n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
  } else {
    n = static_cast<int32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  // splitmix64: a deterministic, well-spread priority per insertion.
  uint64_t z = (seed_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  nodes_[static_cast<size_t>(n)] = Node{key, delta, delta, z ^ (z >> 31), -1, -1, 1};
  root_ = insert(root_, n);
  where_.emplace(key.txid, n);
}

void HistoryIndex::erase(const chain::Hash256& txid) {
  auto it = where_.find(txid);
  if (it == where_.end()) return;
  root_ = remove(root_, nodes_[static_cast<size_t>(it->second)].key);
  where_.erase(it);
}

void HistoryIndex::clear() {
  nodes_.clear();
  free_.clear();
  where_.clear();
  root_ = -1;
}

int64_t HistoryIndex::total() const {
  return root_ < 0 ? 0 : nodes_[static_cast<size_t>(root_)].sum;
}

int64_t HistoryIndex::sum_before(size_t rank) const {
  int64_t sum = 0;
  int32_t t = root_;
  while (t >= 0 && rank > 0) {
    const Node& n = nodes_[static_cast<size_t>(t)];
    const size_t left = n.left < 0 ? 0 : nodes_[static_cast<size_t>(n.left)].size;
    if (rank <= left) {
      t = n.left;
      continue;
    }
    if (n.left >= 0) sum += nodes_[static_cast<size_t>(n.left)].sum;
    sum += n.delta;
    rank -= left + 1;
    t = n.right;
  }
  return sum;
}

void HistoryIndex::collect(int32_t t, size_t base, size_t from, size_t to,
                           std::vector<Entry>& out) const {
  // `base` is the rank of the subtree's first entry; visit only [from, to).
  if (t < 0) return;
  const Node& n = nodes_[static_cast<size_t>(t)];
  if (base >= to || base + n.size <= from) return;
  const size_t left = n.left < 0 ? 0 : nodes_[static_cast<size_t>(n.left)].size;
  collect(n.left, base, from, to, out);
  const size_t rank = base + left;
  if (rank >= from && rank < to) out.push_back({n.key.txid, n.delta, 0});
  collect(n.right, rank + 1, from, to, out);
}

std::vector<HistoryIndex::Entry> HistoryIndex::range(size_t from, size_t count) const {
  std::vector<Entry> out;
  if (from >= size()) return out;
  const size_t to = count > size() - from ? size() : from + count;
  out.reserve(to - from);
  collect(root_, 0, from, to, out);
  int64_t running = sum_before(from);
  for (auto& e : out) e.balance = (running += e.delta);
  return out;
}

}  // namespace redoubt::broker
