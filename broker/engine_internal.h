// Helpers shared by the wallet engine's files (engine*.cpp): not part of
// any interface; included only by the engine's own translation units.
#pragma once

#include <openssl/rand.h>

#include <string>
#include <string_view>

#include "broker/coin_select.h"
#include "broker/tx_builder.h"
#include "broker/wallet_error.h"
#include "chain/bytes.h"
#include "chain/error.h"
#include "chain/hash.h"
#include "chain/tx.h"
#include "ipc/errors.h"
#include "ipc/signer.capnp.h"

namespace redoubt::broker::engine_detail {

using ipc::ErrorCode;

inline chain::Bytes scripthash_of(chain::ByteSpan script) {
  auto h = chain::sha256(script);
  return chain::Bytes(h.begin(), h.end());
}

inline std::string random_stream_id(const char* prefix) {
  unsigned char b[8];
  if (RAND_bytes(b, sizeof b) != 1) ipc::fail(ErrorCode::kInternal, "no randomness");
  return std::string(prefix) + chain::to_hex(b);
}

inline capnp::Data::Reader as_data(const chain::Bytes& b) {
  return capnp::Data::Reader(b.data(), b.size());
}

inline chain::Bytes to_bytes(capnp::Data::Reader d) {
  return chain::Bytes(d.begin(), d.end());
}

inline chain::OutPoint parse_outpoint(const std::string& s) {
  auto colon = s.find(':');
  if (colon != 64) ipc::fail(ErrorCode::kUsage, "'" + s + "' is not TXID:VOUT");
  chain::OutPoint op;
  try {
    op.txid = chain::hash_from_hex_reversed(s.substr(0, 64));
    op.index = static_cast<uint32_t>(std::stoul(s.substr(65)));
  } catch (const std::exception&) {
    ipc::fail(ErrorCode::kUsage, "'" + s + "' is not TXID:VOUT");
  }
  return op;
}

// Wallet-level refusals become user errors with the right code.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SelectionError& e) {
    ipc::fail(ErrorCode::kInsufficientFunds, e.what());
  } catch (const WalletError& e) {
    ipc::fail(ErrorCode::kUsage, e.what());
  } catch (const chain::ChainError& e) {
    ipc::fail(ErrorCode::kUsage, e.what());
  }
}

// Unlocks keyd for one operation (60 s at most) with the fee limits; the
// caller locks again when done.
inline kj::Promise<void> unlock_keyd(ipc::schema::Signer::Client signer,
                                     const chain::Bytes& sealed_password) {
  auto unlock = signer.unlockRequest();
  unlock.setSealedPassword(capnp::Data::Reader(sealed_password.data(), sealed_password.size()));
  unlock.setTimeoutSeconds(60);
  auto limits = unlock.initLimits();
  limits.setMaxFeeSat(BuildOptions{}.policy.max_fee);
  limits.setMaxFeePerMille(500);
  return unlock.send().ignoreResult();
}

// The settings key a send writes before it broadcasts and removes once the
// server answered: a transaction still marked after a crash was meant to go
// out (a signed-only one, from signtransaction or --no-broadcast, never is).
inline std::string broadcast_pending_key(const chain::Hash256& txid) {
  return "broadcast_pending:" + chain::to_hex_reversed(txid);
}
// A transaction signed and held for the user's answer (PayRequest::hold).
inline constexpr std::string_view kHeldPrefix = "held:";
inline std::string held_key(const chain::Hash256& txid) {
  return std::string(kHeldPrefix) + chain::to_hex_reversed(txid);
}

}  // namespace redoubt::broker::engine_detail
