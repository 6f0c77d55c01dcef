#include "broker/crosscheck.h"

#include <charconv>
#include <climits>
#include <sstream>

#include "chain/error.h"
#include "chain/header.h"
#include "chain/pow.h"
#include "ipc/errors.h"

namespace redoubt::broker {

namespace {

struct Names {
  CrossCheckStatus s;
  const char* name;
};
constexpr Names kNames[] = {
    {CrossCheckStatus::kOff, "off"},           {CrossCheckStatus::kPending, "pending"},
    {CrossCheckStatus::kAgree, "agree"},       {CrossCheckStatus::kBehind, "behind"},
    {CrossCheckStatus::kDisagree, "disagree"}, {CrossCheckStatus::kUnreachable, "unreachable"},
    {CrossCheckStatus::kInvalid, "invalid"},
};

CrossCheckVerdict verdict(CrossCheckStatus s, std::string detail, int32_t fork = -1) {
  return CrossCheckVerdict{s, fork, std::move(detail)};
}

// Parses one header and checks its own proof of work at `height`, and that
// its target is at most 4 times our tip's (one retarget's worth): on mainnet
// a header at the network's minimum difficulty is cheap to make, and must
// not be enough to dispute our chain. Returns the reason it fails, or
// nullopt with `out` set.
std::optional<std::string> checked_header(const chain::Bytes& raw, int32_t height,
                                          const HeaderChain& ours, chain::BlockHeader& out) {
  const chain::NetworkParams& p = ours.params();
  try {
    out = chain::parse_block_header(raw);
  } catch (const chain::ChainError& e) {
    return "its header at height " + std::to_string(height) + " is malformed (" + e.what() + ")";
  }
  chain::Verdict v = chain::check_header_pow(out, p, height);
  if (!v) {
    return "its header at height " + std::to_string(height) + " fails proof of work (" + v.reason +
           ")";
  }
  auto our_tip = ours.header_at(ours.height());
  if (our_tip && !p.pow_allow_min_difficulty && !p.pow_no_retargeting) {
    auto theirs = chain::derive_target(out.base.bits, p);
    auto mine = chain::derive_target(our_tip->bits, p);
    if (!theirs || !mine || (*theirs >> 2) > *mine)
      return "its header at height " + std::to_string(height) +
             " claims far less work than our chain's (bits " + std::to_string(out.base.bits) + ")";
  }
  return std::nullopt;
}

bool parse_int(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

const char* crosscheck_status_name(CrossCheckStatus s) {
  for (const auto& n : kNames)
    if (n.s == s) return n.name;
  return "?";
}

std::optional<CrossCheckStatus> crosscheck_status_from_name(const std::string& s) {
  for (const auto& n : kNames)
    if (s == n.name) return n.s;
  return std::nullopt;
}

CrossCheckVerdict judge_crosscheck(const HeaderChain& ours, int32_t our_height,
                                   const CrossCheckEvidence& ev) {
  auto our_hash = ours.hash_at(our_height);
  if (our_height < 0 || !our_hash)
    return verdict(CrossCheckStatus::kInvalid, "our chain no longer reaches that height");
  // Electrum heights fit in int32; anything larger is not a chain we can compare.
  if (ev.tip_height > static_cast<uint32_t>(INT32_MAX) - HeaderChain::kMaxChunk)
    return verdict(CrossCheckStatus::kInvalid, "it claims an impossible height");
  const auto their = static_cast<int32_t>(ev.tip_height);
  chain::BlockHeader tip;
  if (auto bad = checked_header(ev.tip_header, their, ours, tip)) {
    return verdict(CrossCheckStatus::kInvalid, *bad);
  }
  if (their <= our_height) {
    auto mine = ours.hash_at(their);
    if (mine && *mine == tip.hash()) {
      if (their == our_height) return verdict(CrossCheckStatus::kAgree, "same tip");
      return verdict(CrossCheckStatus::kBehind,
                     "its tip is block " + std::to_string(their) + " of our chain (" +
                         std::to_string(our_height - their) + " behind)");
    }
    return verdict(CrossCheckStatus::kDisagree,
                   "it has a different block at height " + std::to_string(their) + " (" +
                       chain::to_hex_reversed(tip.hash()) + ")",
                   their);
  }
  // Its tip is above ours: our tip must be an ancestor of it.
  if (ev.from_our_height.empty())
    return verdict(CrossCheckStatus::kInvalid, "it did not send its header at our tip height");
  if (ev.from_our_height.size() > HeaderChain::kMaxChunk)
    return verdict(CrossCheckStatus::kInvalid, "it sent more headers than asked for");
  chain::Hash256 prev{};
  for (size_t i = 0; i < ev.from_our_height.size(); ++i) {
    const int32_t h = our_height + static_cast<int32_t>(i);
    chain::BlockHeader hdr;
    if (auto bad = checked_header(ev.from_our_height[i], h, ours, hdr)) {
      return verdict(CrossCheckStatus::kInvalid, *bad);
    }
    if (i == 0) {
      if (hdr.hash() != *our_hash) {
        return verdict(CrossCheckStatus::kDisagree,
                       "it claims a longer chain (tip " + std::to_string(their) +
                           ") with a different block at our tip height " +
                           std::to_string(our_height) + " (" + chain::to_hex_reversed(hdr.hash()) +
                           ")",
                       our_height);
      }
    } else if (hdr.base.prev_hash != prev) {
      return verdict(CrossCheckStatus::kInvalid,
                     "its headers do not link at height " + std::to_string(h));
    }
    prev = hdr.hash();
    if (h == their && prev != tip.hash()) {
      return verdict(CrossCheckStatus::kInvalid,
                     "its header at height " + std::to_string(h) + " is not the tip it announced");
    }
  }
  return verdict(CrossCheckStatus::kAgree,
                 "it extends our tip (" + std::to_string(their - our_height) + " ahead)");
}

std::string encode_crosscheck(const CrossCheckReport& r) {
  std::string detail = r.detail;
  for (char& c : detail)
    if (c == '\n' || c == '\r') c = ' ';
  return std::string(crosscheck_status_name(r.status)) + "\n" + r.server + "\n" +
         std::to_string(r.height) + "\n" + std::to_string(r.server_height) + "\n" +
         std::to_string(r.fork_height) + "\n" + std::to_string(r.checked_at) + "\n" + detail;
}

std::optional<CrossCheckReport> decode_crosscheck(const std::string& s) {
  std::vector<std::string> f;
  std::istringstream in(s);
  for (std::string line; f.size() < 7 && std::getline(in, line);) f.push_back(line);
  if (f.size() < 6) return std::nullopt;
  if (f.size() == 6) f.emplace_back();
  CrossCheckReport r;
  auto st = crosscheck_status_from_name(f[0]);
  int64_t h = 0, sh = 0, fork = 0, at = 0;
  if (!st || !parse_int(f[2], h) || !parse_int(f[3], sh) || !parse_int(f[4], fork) ||
      !parse_int(f[5], at) || h < 0 || h > INT32_MAX || sh < 0 || sh > INT32_MAX || fork < -1 ||
      fork > INT32_MAX)
    return std::nullopt;
  r.status = *st;
  r.server = f[1];
  r.height = static_cast<int32_t>(h);
  r.server_height = static_cast<int32_t>(sh);
  r.fork_height = static_cast<int32_t>(fork);
  r.checked_at = at;
  r.detail = f[6];
  return r;
}

void refuse_disputed_tip(const CrossCheckReport& r, const std::string& main_server) {
  ipc::fail(ipc::ErrorCode::kVerification,
            "servers disagree about the chain tip: " + r.server + " " + r.detail + ", while " +
                main_server + " gave us height " + std::to_string(r.height) +
                "; a payment now could confirm on a chain that is about to be replaced. "
                "Wait for the next block and try again, check with another server (--server), "
                "or, if you trust " +
                main_server + ", run with --crosscheck-server none (a daemon: restart it so)");
}

}  // namespace redoubt::broker
