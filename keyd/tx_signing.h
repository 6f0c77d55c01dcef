// Signing a transaction the broker built, without trusting the broker: keyd
// checks every input's key against its previous output, recognises change by
// deriving it, computes every sighash itself, and enforces the fee caps and
// name-output protection fixed at unlock. Plain C++ types (no capnp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chain/bip32.h"
#include "chain/bytes.h"
#include "keyd/account_keys.h"

namespace redoubt::keyd {

// Fixed at unlock; a compromised broker cannot raise them afterwards.
struct SigningLimits {
  int64_t max_fee_sat = 0;         // absolute cap per transaction (must be > 0)
  uint32_t max_fee_per_mille = 0;  // fee <= this/1000 of what goes to foreign
                                   // outputs; 0 disables the relative cap
};

struct InputInfo {
  int64_t value = 0;           // previous output's amount
  chain::Bytes script_pubkey;  // previous output's script (name prefix included)
  chain::KeyPath path;         // claimed path below the account
  chain::Bytes prev_tx;        // the previous transaction (required for P2PKH)
};

struct ChangeInfo {
  uint32_t output_index = 0;
  chain::KeyPath path;
};

struct SignRequest {
  chain::Bytes unsigned_tx;
  std::vector<InputInfo> inputs;  // one per transaction input, in order
  std::vector<ChangeInfo> change;
  std::vector<chain::Bytes> transfer_names;  // names the user chose to give away
};

struct OutputSummary {
  uint32_t index = 0;
  int64_t value = 0;
  chain::Bytes script_pubkey;
};

struct NameEffect {
  chain::Bytes name;      // empty for name_new (the commitment hides it)
  std::string operation;  // name_new | name_firstupdate | name_update
  chain::Bytes value;     // the value; for name_new the 20-byte commitment
  bool to_foreign = false;
};

struct SignSummary {
  std::vector<OutputSummary> foreign_outputs;  // what leaves the wallet
  int64_t fee = 0;
  int64_t change = 0;  // sum of our own outputs (change and name outputs to us)
  std::vector<NameEffect> names;
  uint32_t vsize = 0;
};

struct SignResult {
  chain::Bytes signed_tx;
  SignSummary summary;
};

// Namecoin's MAX_MONEY (21 million NMC): larger amounts are malformed.
inline constexpr int64_t kMaxMoney = 21'000'000LL * 100'000'000LL;

// Checks and signs. An output is "ours" when its address script (name prefix
// stripped) is the script of a verified change path or of one of the inputs
// being spent; everything else is foreign. Refuses the whole request
// (KeydError kRefused) when:
//   - an input's key (claimed path) does not produce its previous script
//     (P2WPKH or P2PKH, compressed key, name prefix allowed), or the script
//     is of another type;
//   - a named change output does not pay to its path's key;
//   - a name output goes to a foreign address and its name is not listed in
//     transfer_names (a name_new to a foreign address is always refused: its
//     name is hidden, so the user cannot have named it);
//   - the outputs exceed the inputs, the fee exceeds max_fee_sat, or, when
//     something goes to foreign outputs and max_fee_per_mille > 0,
//     fee * 1000 > max_fee_per_mille * (sum of foreign outputs).
// Malformed requests (bad transaction, count mismatch, amounts out of range,
// a transaction already carrying signatures) are KeydError kUsage.
// The fee is only as true as the input amounts. BIP143 signatures commit to
// each P2WPKH input's amount, so a broker lying about one gets an invalid
// transaction; legacy P2PKH signatures do not, so each P2PKH input must come
// with its whole previous transaction: keyd checks that it hashes to the
// outpoint's txid and that the spent output has the amount and script
// claimed (as hardware wallets do). Without it the request is refused.
// Every input is signed SIGHASH_ALL: BIP143 for P2WPKH (the shared hashes
// computed once per transaction), the legacy algorithm for P2PKH (script
// code = the whole previous script, name prefix included, as namecoind
// evaluates it).
SignResult sign_transaction(const SignRequest& request, AccountKeys& keys,
                            const SigningLimits& limits);

}  // namespace redoubt::keyd
