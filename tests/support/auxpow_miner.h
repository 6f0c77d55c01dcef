// Merge-mining a regtest block as namecoind's own miner does
// (CAuxPow::initAuxPow): a one-transaction parent block whose coinbase
// script pushes the byte-reversed block hash, merkle size 1 and nonce 0,
// empty coinbase and chain branches, and a parent header ground until its
// hash meets the block's target.
#pragma once

#include <cstdint>

#include "chain/bytes.h"

namespace redoubt::testsupport {

// Builds the serialized AuxPoW for the block with this 80-byte header
// (which must carry the AuxPoW version flag). With `mm_marker` the parent
// coinbase script starts with the fabe6d6d merged-mining marker.
chain::Bytes mine_auxpow(const chain::Bytes& header80, uint32_t bits, bool mm_marker);

}  // namespace redoubt::testsupport
