// The verified header chain (SPV): linkage, proof of work and AuxPoW through
// chain/, Namecoin's difficulty rules, median-time-past, built-in
// checkpoints, cumulative work, most-work chain selection and reorgs. Only
// the 80-byte headers are kept (in the wallet database); an AuxPoW is
// dropped once it has been verified.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/store.h"
#include "chain/params.h"
#include "chain/pure_header.h"
#include "chain/uint256.h"

namespace redoubt::broker {

struct Checkpoint {
  int32_t height;
  const char* hash_hex;  // displayed (byte-reversed) block hash
};
// Built-in checkpoints (genesis first). Headers at these heights must have
// these hashes, and no reorg may replace a checkpointed header.
std::span<const Checkpoint> checkpoints(const chain::NetworkParams& p);
// The network's genesis header (80 bytes).
chain::Bytes genesis_header(const chain::NetworkParams& p);

struct ConnectResult {
  enum class Status {
    kExtended,      // new headers appended to our tip
    kReorged,       // a branch with more work replaced ours above fork_height
    kNoChange,      // already known, or a branch without more work than ours
    kNotConnected,  // starts above our tip+1 or does not link to our chain
    kRejected,      // invalid: bad PoW/AuxPoW/bits/time/checkpoint/encoding
    // A full chunk of a verified branch that does not have more work than
    // ours yet: kept in memory (not stored); send the next chunk from
    // next_height to go on comparing.
    kBranchPending,
  };
  Status status = Status::kNoChange;
  int32_t tip_height = 0;
  // On kReorged: the last height both chains share. Transactions above it
  // must be rolled back (Store::unconfirm_above) and re-verified.
  std::optional<int32_t> fork_height;
  int32_t bad_height = -1;  // on kRejected: the height of the offending header
  std::string reason;       // on kRejected / kNotConnected
  int32_t next_height = 0;  // on kBranchPending: where the branch's next chunk starts
  bool ok() const { return status != Status::kRejected && status != Status::kNotConnected; }
};
const char* status_name(ConnectResult::Status s);

class HeaderChain {
 public:
  // Electrum servers hand out headers in chunks of at most one retarget period.
  static constexpr size_t kMaxChunk = 2016;
  // Longest branch kept in memory while comparing work across chunks.
  static constexpr size_t kMaxPendingBranch = 8 * kMaxChunk;
  // The deepest fork (blocks below our tip) the engine walks back to: a
  // branch replacing ours must fit in memory until it has more work, and a
  // branch from deeper needs more headers than kMaxPendingBranch.
  static constexpr int32_t kMaxForkDepth = static_cast<int32_t>(kMaxPendingBranch);

  // Loads the chain from `store`, writing the genesis header on first use.
  // Throws StoreError if the stored chain does not start with our genesis.
  HeaderChain(Store& store, const chain::NetworkParams& params);

  int32_t height() const { return static_cast<int32_t>(facts_.size()) - 1; }
  chain::Hash256 tip_hash() const { return tip_hash_; }
  const chain::Uint256& tip_work() const { return tip_work_; }
  std::optional<chain::Hash256> hash_at(int32_t height) const;
  std::optional<chain::PureHeader> header_at(int32_t height) const;
  const chain::NetworkParams& params() const { return params_; }

  // Verifies and connects raw headers for heights start_height.. as netd
  // delivers them (80 bytes, plus the AuxPoW when the version flags it).
  // Headers we already have are skipped; a differing branch is followed only
  // if it has strictly more cumulative work. Nothing is stored unless every
  // header of the chunk verifies. On kNotConnected at our tip, ask again
  // from a lower start so the chunk covers the fork point. A branch longer
  // than one chunk is followed across chunks: a full chunk whose branch does
  // not have more work yet is kept in memory (kBranchPending, at most
  // kMaxPendingBranch headers, never stored) and the next chunk continues it;
  // it replaces ours once its work is greater (checkpoints still bound how
  // deep). Any other chunk forgets a pending branch.
  ConnectResult connect(int32_t start_height, const std::vector<chain::Bytes>& raw_headers);

 private:
  struct Facts {
    uint32_t bits;
    uint32_t time;
  };
  Store& store_;
  const chain::NetworkParams& params_;
  std::vector<Facts> facts_;  // per height: what retargeting and MTP need
  chain::Hash256 tip_hash_{};
  chain::Uint256 tip_work_;
  // A verified branch (from fork_height + 1) whose work is not above ours yet.
  struct PendingBranch {
    int32_t fork_height = 0;
    std::vector<Facts> facts;
    std::vector<StoredHeader> headers;
    chain::Uint256 work;
    int32_t next_height() const { return fork_height + 1 + static_cast<int32_t>(facts.size()); }
  };
  std::optional<PendingBranch> pending_;
};

}  // namespace redoubt::broker
