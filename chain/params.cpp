#include "chain/params.h"

#include "chain/error.h"

namespace redoubt::chain {
namespace {

// Values from namecoind's src/chainparams.cpp and consensus/params.h.
constexpr NetworkParams kMainnet{
    .network = Network::kMainnet,
    .name = "mainnet",
    .p2pkh_version = 52,
    .p2sh_version = 13,
    .wif_version = 180,
    .bech32_hrp = "nc",
    .genesis_hash_hex = "000000000062b72c5e2ceb45fbc8587e807c155b0da735e6483dfba2f0a9c770",
    .auxpow_chain_id = 1,
    .auxpow_start_height = 19200,
    .strict_chain_id = true,
    .legacy_blocks_before = 19200,
    .pow_limit_hex = "00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    .pow_target_timespan = int64_t{14} * 24 * 60 * 60,
    .pow_target_spacing = int64_t{10} * 60,
    .pow_allow_min_difficulty = false,
    .pow_no_retargeting = false,
    .min_difficulty_since = 0,
};

constexpr NetworkParams kTestnet{
    .network = Network::kTestnet,
    .name = "testnet",
    .p2pkh_version = 111,
    .p2sh_version = 196,
    .wif_version = 239,
    .bech32_hrp = "tn",
    .genesis_hash_hex = "00000007199508e34a9ff81e6ec0c477a4cccff2a4767a8eee39c11db367b008",
    .auxpow_chain_id = 1,
    .auxpow_start_height = 0,
    .strict_chain_id = false,  // namecoind testnet does not enforce chain ids
    .legacy_blocks_before = -1,
    .pow_limit_hex = "0000000fffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    .pow_target_timespan = int64_t{14} * 24 * 60 * 60,
    .pow_target_spacing = int64_t{10} * 60,
    .pow_allow_min_difficulty = true,
    .pow_no_retargeting = false,
    .min_difficulty_since = 1394838000,  // 15 Mar 2014
};

constexpr NetworkParams kRegtest{
    .network = Network::kRegtest,
    .name = "regtest",
    .p2pkh_version = 111,
    .p2sh_version = 196,
    .wif_version = 239,
    .bech32_hrp = "ncrt",
    .genesis_hash_hex = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    .auxpow_chain_id = 1,
    .auxpow_start_height = 0,
    .strict_chain_id = true,
    .legacy_blocks_before = 0,
    .pow_limit_hex = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    .pow_target_timespan = int64_t{14} * 24 * 60 * 60,
    .pow_target_spacing = int64_t{10} * 60,
    .pow_allow_min_difficulty = true,
    .pow_no_retargeting = true,
    .min_difficulty_since = 0,
};

}  // namespace

Hash256 NetworkParams::genesis_hash() const {
  return hash_from_hex_reversed(genesis_hash_hex);
}

int32_t NetworkParams::name_expiration_depth(int32_t height) const {
  switch (network) {
    case Network::kMainnet:
      // namecoind MainNetConsensus: 12000 before 24000, then a linear ramp to
      // 36000 reached at height 48000.
      if (height < 24000) return 12000;
      if (height < 48000) return height - 12000;
      return 36000;
    case Network::kTestnet:
      return 36000;
    case Network::kRegtest:
      break;
  }
  return 30;
}

const NetworkParams& mainnet_params() {
  return kMainnet;
}
const NetworkParams& testnet_params() {
  return kTestnet;
}
const NetworkParams& regtest_params() {
  return kRegtest;
}

const NetworkParams& params_for(Network n) {
  switch (n) {
    case Network::kMainnet:
      return kMainnet;
    case Network::kTestnet:
      return kTestnet;
    case Network::kRegtest:
      break;
  }
  return kRegtest;
}

const NetworkParams& params_by_name(std::string_view name) {
  if (name == "mainnet" || name == "main") return kMainnet;
  if (name == "testnet" || name == "test") return kTestnet;
  if (name == "regtest") return kRegtest;
  throw ChainError("unknown network: " + std::string(name));
}

}  // namespace redoubt::chain
