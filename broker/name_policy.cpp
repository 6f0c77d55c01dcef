#include "broker/name_policy.h"

#include "broker/wallet_types.h"

namespace redoubt::broker {

int32_t confirmations(int32_t height, int32_t tip) {
  if (height == kUnconfirmedHeight || height > tip) return 0;
  return tip - height + 1;
}

std::optional<int32_t> firstupdate_blocks_remaining(int32_t height, int32_t tip) {
  if (height == kUnconfirmedHeight) return std::nullopt;
  const int32_t c = confirmations(height, tip);
  return c >= kMinFirstUpdateDepth ? 0 : kMinFirstUpdateDepth - c;
}

NameExpiry name_expiry(int32_t height, int32_t tip, const chain::NetworkParams& p) {
  const int32_t h = height == kUnconfirmedHeight ? tip : height;
  NameExpiry e;
  e.expires_at = h + p.name_expiration_depth(h);
  e.expires_in = e.expires_at - tip;
  e.expired = e.expires_in <= 0;
  e.warn = !e.expired && e.expires_in <= kExpiryWarningBlocks;
  return e;
}

}  // namespace redoubt::broker
