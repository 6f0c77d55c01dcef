#include "broker/fee.h"

#include <algorithm>

#include "chain/key.h"
#include "chain/script.h"
#include "chain/serialize.h"

namespace redoubt::broker {
namespace {
constexpr size_t kWitnessScale = 4;  // BIP141
// keyd's signatures are ground to a fixed size (chain::sign_der_ground):
// push opcode, DER, sighash byte.
constexpr size_t kSigPush = 1 + chain::kGroundDerSize + 1;
constexpr size_t kPubkeyPush = 1 + 33;
}  // namespace

int64_t effective_fee_rate(std::optional<int64_t> requested, const FeePolicy& p) {
  int64_t r = requested && *requested > 0 ? *requested : p.min_rate;
  return std::clamp(r, p.min_rate, p.max_rate);
}

int64_t fee_for_vsize(size_t vsize, int64_t rate) {
  return (static_cast<int64_t>(vsize) * rate + 999) / 1000;
}

size_t input_weight(chain::KeyScriptType t, bool tx_has_witness) {
  constexpr size_t kOutpointSeq = 32 + 4 + 4;
  if (t == chain::KeyScriptType::kP2wpkh)
    return (kOutpointSeq + 1) * kWitnessScale + (1 + kSigPush + kPubkeyPush);
  // A legacy input in a segwit transaction still has an empty witness (one byte).
  return (kOutpointSeq + 1 + kSigPush + kPubkeyPush) * kWitnessScale + (tx_has_witness ? 1 : 0);
}

size_t output_weight(size_t script_size) {
  return (8 + chain::compact_size_len(script_size) + script_size) * kWitnessScale;
}

size_t overhead_weight(size_t n_in, size_t n_out, bool has_witness) {
  return (4 + 4 + chain::compact_size_len(n_in) + chain::compact_size_len(n_out)) * kWitnessScale +
         (has_witness ? 2 : 0);
}

void WeightCounter::add_input(chain::KeyScriptType t) {
  ++n_in_;
  (t == chain::KeyScriptType::kP2wpkh ? n_segwit_ : n_legacy_)++;
}

void WeightCounter::add_output(size_t s) {
  ++n_out_;
  out_weight_ += output_weight(s);
}

void WeightCounter::remove_output(size_t s) {
  --n_out_;
  out_weight_ -= output_weight(s);
}

size_t WeightCounter::weight() const {
  const bool w = n_segwit_ > 0;
  return overhead_weight(n_in_, n_out_, w) +
         n_segwit_ * input_weight(chain::KeyScriptType::kP2wpkh, w) +
         n_legacy_ * input_weight(chain::KeyScriptType::kP2pkh, w) + out_weight_;
}

int64_t dust_threshold(chain::ByteSpan script) {
  // Core: (output size + spend size) * dustRelayFee / 1000, spend size 67
  // vbytes for witness programs (32+4+1+(107/4)+4) and 148 otherwise.
  constexpr int64_t kDustRelayFee = 3000;
  const auto info = chain::classify_script(script);
  int64_t size = 8 + static_cast<int64_t>(chain::compact_size_len(script.size()) + script.size());
  if (info.type == chain::ScriptType::kNullData) return 0;
  size += info.witness_version >= 0 ? 32 + 4 + 1 + (107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return size * kDustRelayFee / 1000;
}

}  // namespace redoubt::broker
