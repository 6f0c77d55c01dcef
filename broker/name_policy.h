// Name lifecycle rules the broker applies before building a name operation
// or showing a name: confirmations, the 12-block firstupdate maturity, the
// per-network expiry depth and the expiry warning window.
#pragma once

#include <cstdint>
#include <optional>

#include "chain/params.h"

namespace redoubt::broker {

// namecoind MIN_FIRSTUPDATE_DEPTH: a name_new must have 12 confirmations.
inline constexpr int32_t kMinFirstUpdateDepth = 12;
// name_update without a new value (renewal) needs the last update this deep,
// so a lying server cannot make us re-sign a forged value.
inline constexpr int32_t kMinRenewDepth = 12;
// name_list warns when a name expires within this many blocks.
inline constexpr int32_t kExpiryWarningBlocks = 2000;

// Confirmations of something at `height` with our tip at `tip` (0 when
// unconfirmed or above the tip).
int32_t confirmations(int32_t height, int32_t tip);
// Blocks still to wait before a name_new at `height` may be spent by its
// firstupdate (0: now; nullopt: the name_new is unconfirmed).
std::optional<int32_t> firstupdate_blocks_remaining(int32_t name_new_height, int32_t tip);

struct NameExpiry {
  int32_t expires_at = 0;  // first height at which the name is expired
  int32_t expires_in = 0;  // blocks left (<= 0: expired)
  bool expired = false;
  bool warn = false;  // within kExpiryWarningBlocks
};
// Expiry of a name last updated at `height` (unconfirmed updates count from
// the tip). namecoind: expired when height + depth(height) <= tip.
NameExpiry name_expiry(int32_t last_update_height, int32_t tip, const chain::NetworkParams& p);

}  // namespace redoubt::broker
