// Plain records of the wallet engine (what the store persists and the
// wallet model, coin selection, groupings and builder pass around).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "chain/names.h"
#include "chain/seed.h"
#include "chain/tx.h"

namespace redoubt::broker {

using AddressId = int64_t;
using AccountId = int64_t;
// Height of a transaction not (yet) in our verified chain.
inline constexpr int32_t kUnconfirmedHeight = 0;

struct AccountRecord {
  AccountId id = 0;
  std::string path;  // "m/0'"
  std::string xpub;
  chain::KeyScriptType script_type = chain::KeyScriptType::kP2wpkh;
  uint32_t gap_receive = 20;
  uint32_t gap_change = 10;
};

struct AddressRecord {
  AddressId id = 0;
  AccountId account_id = 0;
  bool change = false;
  uint32_t index = 0;
  chain::Bytes script;     // scriptPubKey (no name prefix)
  std::string scripthash;  // Electrum script hash of `script`
  bool used = false;
  bool frozen = false;
  std::string label;
};

struct TxRecord {
  chain::Hash256 txid{};
  chain::Bytes raw;
  int32_t height = kUnconfirmedHeight;
  int32_t position = -1;
  bool verified = false;
  int64_t first_seen = 0;
  std::optional<int64_t> fee;
  bool local = false;
  std::string label;
};

// A transaction the wallet no longer counts (dropped_transactions table).
struct DroppedTx {
  chain::Hash256 txid{};
  chain::Bytes raw;
  std::string reason;  // "replaced" (by our fee bump) or "conflicted"
  std::optional<chain::Hash256> by;
  int64_t dropped_at = 0;
};

struct OutputRecord {
  chain::OutPoint outpoint;
  int64_t value = 0;
  chain::Bytes script;  // full scriptPubKey, name prefix included
  std::optional<AddressId> address_id;
  std::optional<chain::NameOp> name_op;
};

struct SpendRecord {
  chain::OutPoint prevout;
  chain::Hash256 spending_txid{};
  uint32_t input_index = 0;
};

struct NameRecord {
  chain::Bytes name;
  chain::Bytes value;
  chain::OutPoint outpoint;
  int32_t height = kUnconfirmedHeight;
  std::optional<AddressId> owner;
  std::optional<std::string> identifier;
};

enum class QueueState { kWaiting, kBroadcast, kDone, kFailed };
const char* queue_state_name(QueueState s);

// A name_firstupdate waiting for its name_new to mature (name_autoregister).
struct QueuedFirstUpdate {
  int64_t id = 0;
  chain::Bytes name;
  chain::Bytes salt;
  chain::Bytes value;
  chain::OutPoint name_new;
  QueueState state = QueueState::kWaiting;
  std::string error;
  int64_t created = 0;
};

}  // namespace redoubt::broker
