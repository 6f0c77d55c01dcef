// Namecoin network parameters (mainnet, testnet, regtest) as namecoind's
// chainparams define them: address versions, genesis, AuxPoW and PoW rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chain/bytes.h"

namespace redoubt::chain {

enum class Network { kMainnet, kTestnet, kRegtest };

struct NetworkParams {
  Network network;
  const char* name;  // "mainnet", "testnet", "regtest"
  uint8_t p2pkh_version;
  uint8_t p2sh_version;
  uint8_t wif_version;
  const char* bech32_hrp;
  const char* genesis_hash_hex;  // displayed (byte-reversed) hex
  // Merge mining (namecoind consensus.nAuxpowChainId, nAuxpowStartHeight,
  // fStrictChainId; before nLegacyBlocksBefore, version-1 headers without a
  // chain id are accepted).
  int32_t auxpow_chain_id;
  int32_t auxpow_start_height;
  bool strict_chain_id;
  int32_t legacy_blocks_before;  // -1: legacy headers allowed at every height
  // Proof of work (Bitcoin's rules; Namecoin retargets every 2016 blocks).
  const char* pow_limit_hex;  // displayed hex of the largest allowed target
  int64_t pow_target_timespan;
  int64_t pow_target_spacing;
  bool pow_allow_min_difficulty;
  bool pow_no_retargeting;
  // Testnet allows min-difficulty blocks only after this time (namecoind
  // consensus.nMinDifficultySince).
  int64_t min_difficulty_since;
  int64_t difficulty_adjustment_interval() const {
    return pow_target_timespan / pow_target_spacing;
  }
  bool allow_min_difficulty_blocks(int64_t block_time) const {
    return pow_allow_min_difficulty && block_time > min_difficulty_since;
  }
  // Before this height, version-1 headers without a chain id are allowed.
  bool allow_legacy_blocks(int32_t height) const {
    return legacy_blocks_before < 0 || height < legacy_blocks_before;
  }
  Hash256 genesis_hash() const;
  // Blocks after its last update at which a name expires (namecoind
  // Consensus::NameExpirationDepth; mainnet's depth grew in early history).
  int32_t name_expiration_depth(int32_t height) const;
};

const NetworkParams& mainnet_params();
const NetworkParams& testnet_params();
const NetworkParams& regtest_params();
const NetworkParams& params_for(Network n);
// "mainnet"/"main", "testnet"/"test", "regtest"; throws ChainError otherwise.
const NetworkParams& params_by_name(std::string_view name);

}  // namespace redoubt::chain
