// Fees: exact virtual-size accounting for the transactions we build (BIP141
// weight), fee rates in sat/kvB with a floor and a cap, and Bitcoin Core's
// dust threshold for change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "chain/bytes.h"
#include "chain/seed.h"

namespace redoubt::broker {

struct FeePolicy {
  // Floor: namecoind's default minimum relay fee (1000 sat/kvB); below it a
  // transaction is not relayed at all.
  int64_t min_rate = 1000;
  // Cap on the rate (a lying server's estimate must not empty the wallet):
  // 0.01 NMC per kvB.
  int64_t max_rate = 1'000'000;
  // Absolute cap per transaction (keyd enforces its own as well).
  int64_t max_fee = 10'000'000;
};

// The rate to use: the user's or the server's estimate (nullopt or <= 0:
// unknown, use the floor), clamped to [min_rate, max_rate].
int64_t effective_fee_rate(std::optional<int64_t> requested, const FeePolicy& policy);
// ceil(vsize * rate / 1000): never below the rate.
int64_t fee_for_vsize(size_t vsize, int64_t sat_per_kvb);

// Weight of one input we sign. keyd's signatures are always 71 bytes (70-byte
// ground low-R low-S DER + sighash byte), so this is exact: P2WPKH: 41 base
// bytes and a 107 weight-unit witness (count, sig push, 33-byte key push);
// P2PKH: 147 base bytes (scriptSig of sig and compressed key pushes).
size_t input_weight(chain::KeyScriptType t, bool tx_has_witness);
// Weight of an output with a script of `script_size` bytes.
size_t output_weight(size_t script_size);
// Weight of everything but inputs and outputs: version, locktime, counts and,
// when any input is segwit, the BIP144 marker and flag.
size_t overhead_weight(size_t n_inputs, size_t n_outputs, bool has_witness);

// Incremental builder of a transaction's weight.
class WeightCounter {
 public:
  void add_input(chain::KeyScriptType t);
  void add_output(size_t script_size);
  void remove_output(size_t script_size);
  size_t weight() const;
  size_t vsize() const { return (weight() + 3) / 4; }
  size_t n_inputs() const { return n_in_; }

 private:
  size_t n_in_ = 0, n_out_ = 0, n_segwit_ = 0, n_legacy_ = 0, out_weight_ = 0;
};

// Bitcoin Core's GetDustThreshold at its default dust relay fee (3000
// sat/kvB): the cost of creating and later spending the output.
int64_t dust_threshold(chain::ByteSpan script_pubkey);

}  // namespace redoubt::broker
