// Fuzz target: block headers with AuxPoW, the AuxPoW check and the proof of
// work, plus merkle proof verification on the same bytes.
#include <cstdint>
#include <cstdlib>

#include "chain/error.h"
#include "chain/header.h"
#include "chain/merkle.h"
#include "chain/pow.h"
#include "chain/serialize.h"

using namespace redoubt::chain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  try {
    BlockHeader h = parse_block_header(in);
    if (h.serialize() != Bytes(data, data + size)) std::abort();
    (void)check_header_pow(h, mainnet_params(), 40000);
    (void)check_header_pow(h, regtest_params(), 1);
    (void)check_header_pow(h, testnet_params());
    (void)block_proof(h.base.bits);
  } catch (const ChainError&) {
  }
  // A stream of headers, as ElectrumX sends them.
  try {
    Reader r(in);
    for (int i = 0; i < 16 && !r.empty(); ++i) (void)read_block_header(r);
  } catch (const ChainError&) {
  }
  // Merkle proof from the first bytes: txid, root, index, branch.
  if (size >= 68) {
    Hash256 txid, root;
    std::copy(data, data + 32, txid.begin());
    std::copy(data + 32, data + 64, root.begin());
    uint32_t index = static_cast<uint32_t>(data[64]) | (static_cast<uint32_t>(data[65]) << 8);
    std::vector<Hash256> branch;
    for (size_t off = 68; off + 32 <= size && branch.size() < 40; off += 32) {
      Hash256 b;
      std::copy(data + off, data + off + 32, b.begin());
      branch.push_back(b);
    }
    (void)verify_merkle_proof(txid, branch, index, root);
    bool neg = false;
    Uint256 t = Uint256::from_compact(index | (static_cast<uint32_t>(data[66]) << 24), &neg);
    (void)t.to_compact(neg);
  }
  return 0;
}
