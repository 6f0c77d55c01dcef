// Address encodings: base58check (P2PKH/P2SH/WIF), bech32 and bech32m
// (BIP173/BIP350) segwit addresses, and address <-> scriptPubKey per network.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chain/bytes.h"
#include "chain/params.h"
#include "chain/script.h"

namespace redoubt::chain {

std::string base58_encode(ByteSpan data);
Bytes base58_decode(std::string_view s);  // throws ChainError on a bad character
// Appends/verifies the 4-byte sha256d checksum.
std::string base58check_encode(ByteSpan payload);
Bytes base58check_decode(std::string_view s);  // throws on bad checksum/too short

enum class Bech32Encoding { kBech32, kBech32m };

struct Bech32Data {
  Bech32Encoding encoding = Bech32Encoding::kBech32;
  std::string hrp;  // lower case
  Bytes values;     // 5-bit values, checksum removed
};

// BIP173 string: hrp + '1' + data + 6-char checksum (constant 1 for bech32,
// 0x2bc830a3 for bech32m, BIP350). Throws on invalid input.
std::string bech32_encode(std::string_view hrp, ByteSpan values5, Bech32Encoding enc);
// Checks length (<= 90), characters, case, separator, checksum; throws ChainError.
Bech32Data bech32_decode(std::string_view s);

// Regroups bits (BIP173 convertbits); throws on invalid padding when !pad.
Bytes convert_bits(ByteSpan in, int from_bits, int to_bits, bool pad);

struct WitnessProgram {
  int version = 0;
  Bytes program;
};
// Segwit address for `hrp`: bech32 for version 0, bech32m for 1..16 (BIP350).
std::string segwit_address_encode(std::string_view hrp, int version, ByteSpan program);
// Full BIP173/BIP350 validation against the expected hrp; throws ChainError.
WitnessProgram segwit_address_decode(std::string_view hrp, std::string_view addr);

struct AddressInfo {
  ScriptType type = ScriptType::kNonStandard;
  Bytes script_pubkey;
};
// Parses an address of network `p`; throws ChainError with the reason if invalid
// (wrong network, bad checksum, bad witness program, ...).
AddressInfo decode_address(std::string_view addr, const NetworkParams& p);
Bytes address_to_script(std::string_view addr, const NetworkParams& p);
// The address paying to `script` (a Namecoin name prefix is skipped, as namecoind
// reports it), or nullopt for scripts without one (P2PK, OP_RETURN, nonstandard).
std::optional<std::string> script_to_address(ByteSpan script, const NetworkParams& p);

}  // namespace redoubt::chain
