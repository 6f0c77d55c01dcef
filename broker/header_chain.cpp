#include "broker/header_chain.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "chain/error.h"
#include "chain/header.h"
#include "chain/pow.h"
#include "chain/serialize.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using chain::Hash256;
using chain::PureHeader;
using chain::Uint256;

// Mainnet: genesis; the hashes of three real headers whose bytes
// Electrum-NMC's AuxPoW unit tests publish (tests/test_auxpow.py: 19204, the
// chain-id block without AuxPoW; 19414, AuxPoW without merged-mining marker;
// 37174, AuxPoW with marker; copied to tests/wallet/data/ where a test
// recomputes these hashes); and 193000 as Encompass's Namecoin module lists
// it (mazaclub/encompass lib/chains/namecoin.py).
constexpr std::array<Checkpoint, 5> kMainnetCheckpoints = {{
    {0, "000000000062b72c5e2ceb45fbc8587e807c155b0da735e6483dfba2f0a9c770"},
    {19204, "000000000000122ff239e71146bf57aee28ad913931d672cd124255e91351660"},
    {19414, "5fb89c3b18c27bc38d351d516177cbd3504c95ca0494cbbbbd52f2fb5f2ff1ec"},
    {37174, "65ef89dc3da0c0df9b3d5309f89dd2eaceb81227605ead903d8ef6619d328b39"},
    {193000, "3b85e70ba7f5433049cfbcf0ae35ed869496dbedcd1c0fafadb0284ec81d7b58"},
}};
constexpr std::array<Checkpoint, 1> kTestnetCheckpoints = {{
    {0, "00000007199508e34a9ff81e6ec0c477a4cccff2a4767a8eee39c11db367b008"},
}};
constexpr std::array<Checkpoint, 1> kRegtestCheckpoints = {{
    {0, "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
}};

// namecoind: a header's time must exceed the median of the previous 11
// (BIP113's median-time-past) and be at most 2 hours in the future.
constexpr size_t kMedianTimeSpan = 11;
constexpr int64_t kMaxFutureBlockTime = int64_t{2} * 60 * 60;

Hash256 work_bytes(const Uint256& w) {
  return w.to_le_bytes();
}

}  // namespace

std::span<const Checkpoint> checkpoints(const chain::NetworkParams& p) {
  switch (p.network) {
    case chain::Network::kMainnet:
      return kMainnetCheckpoints;
    case chain::Network::kTestnet:
      return kTestnetCheckpoints;
    case chain::Network::kRegtest:
      return kRegtestCheckpoints;
  }
  return {};
}

Bytes genesis_header(const chain::NetworkParams& p) {
  // namecoind chainparams.cpp CreateGenesisBlock arguments per network.
  PureHeader h;
  h.version = 1;
  switch (p.network) {
    case chain::Network::kMainnet:
      h.merkle_root = chain::hash_from_hex_reversed(
          "41c62dbd9068c89a449525e3cd5ac61b20ece28c3c38b3f35b2161f0e6d3cb0d");
      h.time = 1303000001;
      h.bits = 0x1c007fff;
      h.nonce = 0xa21ea192;
      break;
    case chain::Network::kTestnet:
      h.merkle_root = chain::hash_from_hex_reversed(
          "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
      h.time = 1296688602;
      h.bits = 0x1d07fff8;
      h.nonce = 0x16ec0bff;
      break;
    case chain::Network::kRegtest:
      h.merkle_root = chain::hash_from_hex_reversed(
          "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
      h.time = 1296688602;
      h.bits = 0x207fffff;
      h.nonce = 2;
      break;
  }
  return h.serialize();
}

const char* status_name(ConnectResult::Status s) {
  switch (s) {
    case ConnectResult::Status::kExtended:
      return "extended";
    case ConnectResult::Status::kReorged:
      return "reorged";
    case ConnectResult::Status::kNoChange:
      return "no change";
    case ConnectResult::Status::kNotConnected:
      return "not connected";
    case ConnectResult::Status::kRejected:
      return "rejected";
    case ConnectResult::Status::kBranchPending:
      return "branch pending";
  }
  return "?";
}

HeaderChain::HeaderChain(Store& store, const chain::NetworkParams& params)
    : store_(store), params_(params) {
  auto stored = store_.load_headers();
  const Hash256 genesis = params_.genesis_hash();
  if (stored.empty()) {
    Bytes g = genesis_header(params_);
    PureHeader gh = chain::parse_pure_header(g);
    if (gh.hash() != genesis) throw StoreError("built-in genesis header does not match params");
    StoredHeader sh{0, genesis, g, work_bytes(chain::block_proof(gh.bits))};
    store_.replace_headers_from(0, {sh});
    stored.push_back(sh);
  }
  if (stored.front().height != 0 || stored.front().hash != genesis)
    throw StoreError("wallet database " + store_.path().string() +
                     " holds headers of another network (genesis mismatch)");
  facts_.reserve(stored.size());
  for (size_t i = 0; i < stored.size(); ++i) {
    if (stored[i].height != static_cast<int32_t>(i))
      throw StoreError("stored header chain has a gap at height " + std::to_string(i));
    PureHeader h = chain::parse_pure_header(stored[i].header80);
    facts_.push_back({h.bits, h.time});
  }
  tip_hash_ = stored.back().hash;
  tip_work_ = Uint256::from_le_bytes(stored.back().work);
}

std::optional<Hash256> HeaderChain::hash_at(int32_t height) const {
  if (height < 0 || height > this->height()) return std::nullopt;
  if (height == this->height()) return tip_hash_;
  auto h = store_.header_at(height);
  if (!h) return std::nullopt;
  return h->hash;
}

std::optional<PureHeader> HeaderChain::header_at(int32_t height) const {
  if (height < 0 || height > this->height()) return std::nullopt;
  auto h = store_.header_at(height);
  if (!h) return std::nullopt;
  return chain::parse_pure_header(h->header80);
}

ConnectResult HeaderChain::connect(int32_t start, const std::vector<Bytes>& raws) {
  using Status = ConnectResult::Status;
  ConnectResult r;
  r.tip_height = height();
  auto reject = [&](int32_t at, std::string why) {
    r.status = Status::kRejected;
    r.bad_height = at;
    r.reason = "header " + std::to_string(at) + ": " + std::move(why);
    return r;
  };
  if (raws.empty() || raws.size() > kMaxChunk)
    return reject(start, "chunk of " + std::to_string(raws.size()) + " headers (1.." +
                             std::to_string(kMaxChunk) + " allowed)");
  std::vector<chain::BlockHeader> hs;
  hs.reserve(raws.size());
  for (size_t i = 0; i < raws.size(); ++i) {
    try {
      hs.push_back(chain::parse_block_header(raws[i]));
    } catch (const chain::ChainError& e) {
      pending_.reset();
      return reject(start + static_cast<int32_t>(i), e.what());
    }
  }
  std::vector<Hash256> hashes(hs.size());
  for (size_t i = 0; i < hs.size(); ++i) hashes[i] = hs[i].hash();

  // The next chunk of a pending branch continues it; anything else forgets it.
  std::optional<PendingBranch> prior;
  if (pending_ && start == pending_->next_height() &&
      hs[0].base.prev_hash == pending_->headers.back().hash)
    prior = std::move(pending_);
  pending_.reset();

  if (!prior && (start < 1 || start > height() + 1)) {
    r.status = Status::kNotConnected;
    r.reason =
        "chunk starts at " + std::to_string(start) + ", our tip is " + std::to_string(height());
    return r;
  }

  // Skip the headers we already have.
  size_t skip = 0;
  int32_t fork = 0;
  if (prior) {
    fork = prior->fork_height;
  } else {
    while (skip < hs.size() && start + static_cast<int32_t>(skip) <= height() &&
           hash_at(start + static_cast<int32_t>(skip)) == hashes[skip])
      ++skip;
    if (skip == hs.size()) return r;  // kNoChange
    fork = start + static_cast<int32_t>(skip) - 1;
    if (hs[skip].base.prev_hash != *hash_at(fork)) {
      r.status = Status::kNotConnected;
      r.reason = "header " + std::to_string(fork + 1) + " does not link to our header " +
                 std::to_string(fork);
      return r;
    }
  }
  for (const auto& cp : checkpoints(params_)) {
    if (cp.height > fork && cp.height <= height())
      return reject(fork + 1,
                    "branch would replace checkpointed header " + std::to_string(cp.height));
  }

  // Facts of the chain being extended: ours up to the fork, then the branch.
  std::vector<Facts> branch = prior ? std::move(prior->facts) : std::vector<Facts>{};
  branch.reserve(branch.size() + hs.size() - skip);
  auto facts_at = [&](int32_t h) -> Facts {
    return h <= fork ? facts_[static_cast<size_t>(h)] : branch[static_cast<size_t>(h - fork - 1)];
  };
  chain::AncestorLookup ancestor = [&](int32_t h) {
    Facts f = facts_at(h);
    return chain::HeaderFacts{h, f.bits, f.time};
  };
  Uint256 work = prior              ? prior->work
                 : fork == height() ? tip_work_
                                    : Uint256::from_le_bytes(store_.header_at(fork)->work);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<StoredHeader> out = prior ? std::move(prior->headers) : std::vector<StoredHeader>{};
  out.reserve(out.size() + hs.size() - skip);
  for (size_t i = skip; i < hs.size(); ++i) {
    const chain::BlockHeader& h = hs[i];
    const int32_t ht = start + static_cast<int32_t>(i);
    if (i > skip && h.base.prev_hash != hashes[i - 1])
      return reject(ht, "does not link to the previous header of the chunk");
    for (const auto& cp : checkpoints(params_))
      if (cp.height == ht && chain::hash_from_hex_reversed(cp.hash_hex) != hashes[i])
        return reject(ht, "does not match the built-in checkpoint");
    // namecoind ContextualCheckBlockHeader: AuxPoW is not allowed before the
    // start height (from it on, it is allowed, not required: standalone
    // mined blocks with our chain id stay valid, e.g. mainnet 19204).
    if (h.auxpow && ht < params_.auxpow_start_height)
      return reject(ht, "AuxPoW before the merge-mining start height");
    const Facts last = facts_at(ht - 1);
    const uint32_t want =
        chain::next_work_required({ht - 1, last.bits, last.time}, h.base.time, ancestor, params_);
    if (h.base.bits != want)
      return reject(ht, "incorrect proof of work bits (" + std::to_string(h.base.bits) +
                            ", expected " + std::to_string(want) + ")");
    std::array<uint32_t, kMedianTimeSpan> times{};
    size_t n = 0;
    for (int32_t a = ht - 1; a >= 0 && n < kMedianTimeSpan; --a) times[n++] = facts_at(a).time;
    std::sort(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(n));
    if (h.base.time <= times[n / 2]) return reject(ht, "time is not after the median time past");
    if (static_cast<int64_t>(h.base.time) > now + kMaxFutureBlockTime)
      return reject(ht, "time is too far in the future");
    chain::Verdict v = chain::check_header_pow(h, params_, ht);
    if (!v) return reject(ht, v.reason);
    work += chain::block_proof(h.base.bits);
    branch.push_back({h.base.bits, h.base.time});
    out.push_back({ht, hashes[i], h.base.serialize(), work_bytes(work)});
  }

  const bool extends = fork == height();
  if (!extends && !(work > tip_work_)) {
    // Not more work (yet). A full chunk may have a continuation: keep it.
    if (raws.size() == kMaxChunk && branch.size() <= kMaxPendingBranch) {
      pending_ = PendingBranch{fork, std::move(branch), std::move(out), work};
      r.status = Status::kBranchPending;
      r.next_height = pending_->next_height();
    }
    return r;  // otherwise kNoChange: ours has at least as much work
  }
  store_.replace_headers_from(fork + 1, out);
  facts_.resize(static_cast<size_t>(fork) + 1);
  facts_.insert(facts_.end(), branch.begin(), branch.end());
  tip_hash_ = out.back().hash;
  tip_work_ = work;
  r.tip_height = height();
  if (extends) {
    r.status = Status::kExtended;
  } else {
    r.status = Status::kReorged;
    r.fork_height = fork;
  }
  return r;
}

}  // namespace redoubt::broker
