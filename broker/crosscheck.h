// Cross-checking our verified tip with a second Electrum server: the pure
// judgement (what the second server's answers say about our chain) and the
// report the engine keeps, shows in getinfo and remembers between runs.
// Nothing the second server says is stored as chain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/header_chain.h"
#include "chain/bytes.h"

namespace redoubt::broker {

// What the second server answered, unverified: its tip (height and raw
// header, from blockchain.headers.subscribe) and, when its tip is above
// ours, the headers it serves from our tip's height up (at most one chunk).
struct CrossCheckEvidence {
  uint32_t tip_height = 0;
  chain::Bytes tip_header;
  std::vector<chain::Bytes> from_our_height;
};

enum class CrossCheckStatus {
  kOff,          // no second server configured
  kPending,      // configured, not checked yet in this run
  kAgree,        // same block at our tip height (it may be ahead of us)
  kBehind,       // its tip is a block of our chain below our tip: fine
  kDisagree,     // a different, proof-of-work-valid block at a height we have
  kUnreachable,  // no answer (connection, timeout): we rely on one server
  kInvalid,      // it answered with headers that do not verify: ignored
};
const char* crosscheck_status_name(CrossCheckStatus s);
std::optional<CrossCheckStatus> crosscheck_status_from_name(const std::string& s);

struct CrossCheckVerdict {
  CrossCheckStatus status = CrossCheckStatus::kInvalid;
  int32_t fork_height = -1;  // on kDisagree: the height where the blocks differ
  std::string detail;        // one sentence for the user
};

// Judges `ev` against our verified chain as it was at `our_height` (our tip
// when we asked; the chain may have grown since). Every header the second server
// sent must parse and pass its own proof of work (AuxPoW included) at its
// height before it can count as a disagreement: a cheap lie is kInvalid,
// never kDisagree. When its tip is above ours, the chunk from our height must
// start with our tip's hash and link header to header (and end in its tip
// when it reaches it) for kAgree.
CrossCheckVerdict judge_crosscheck(const HeaderChain& ours, int32_t our_height,
                                   const CrossCheckEvidence& ev);

// The outcome the engine reports (getinfo) and remembers (settings table).
struct CrossCheckReport {
  std::string server;  // HOST:PORT:s|t of the second server
  CrossCheckStatus status = CrossCheckStatus::kOff;
  int32_t height = 0;         // our verified tip when checked
  int32_t server_height = 0;  // the second server's claimed tip
  int32_t fork_height = -1;
  int64_t checked_at = 0;  // unix time; 0: never
  bool this_run = false;   // checked by this run (not remembered from an earlier one)
  std::string detail;
};

// The settings key and a line-based encoding of a report (our own database;
// decoding is still strict and returns nullopt for anything malformed).
inline constexpr const char* kCrossCheckSetting = "crosscheck_last";
std::string encode_crosscheck(const CrossCheckReport& r);
std::optional<CrossCheckReport> decode_crosscheck(const std::string& s);

// The refusal a send meets while the servers disagree (ipc::fail, kVerification).
[[noreturn]] void refuse_disputed_tip(const CrossCheckReport& r, const std::string& main_server);

}  // namespace redoubt::broker
