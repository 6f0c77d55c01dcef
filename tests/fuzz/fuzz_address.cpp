// Fuzz target: address decoding (base58check, bech32/bech32m) for every
// network. Valid addresses must re-encode to the same (lower-case) string.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "chain/address.h"
#include "chain/error.h"

using namespace redoubt::chain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  for (const NetworkParams* p : {&mainnet_params(), &testnet_params(), &regtest_params()}) {
    try {
      AddressInfo info = decode_address(s, *p);
      auto back = script_to_address(info.script_pubkey, *p);
      if (!back) std::abort();
      std::string lower = s;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (*back != s && *back != lower) std::abort();
    } catch (const ChainError&) {
    }
  }
  try {
    Bech32Data d = bech32_decode(s);
    if (bech32_encode(d.hrp, d.values, d.encoding).size() != s.size()) std::abort();
  } catch (const ChainError&) {
  }
  try {
    Bytes raw = base58_decode(s);
    (void)base58_encode(raw);
  } catch (const ChainError&) {
  }
  return 0;
}
