// Signed messages in Namecoin's format (magic "\x19Namecoin Signed
// Message:\n"), compact recoverable signatures in base64: compatible with
// Namecoin Core's signmessage/verifymessage and Electrum-NMC.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "chain/bytes.h"
#include "chain/key.h"
#include "chain/params.h"

namespace redoubt::chain {

// The magic without its length byte; message_hash prefixes the CompactSize
// length (25 = 0x19) itself.
constexpr std::string_view kNamecoinMessageMagic = "Namecoin Signed Message:\n";
constexpr std::string_view kBitcoinMessageMagic = "Bitcoin Signed Message:\n";  // for vectors

// sha256d(CompactSize(|magic|) || magic || CompactSize(|message|) || message).
Hash256 message_hash(std::string_view message, std::string_view magic = kNamecoinMessageMagic);

// The header byte of a 65-byte signature is base + recid (BIP137):
//   27 P2PKH uncompressed, 31 P2PKH compressed (what Namecoin Core and
//   Electrum write for every address type), 35 P2SH-P2WPKH, 39 P2WPKH.
enum class MessageSigHeader : uint8_t {
  kP2pkhUncompressed = 27,
  kP2pkhCompressed = 31,
  kP2shP2wpkh = 35,
  kP2wpkh = 39,
};

// RFC6979 recoverable signature over message_hash, serialized as
// header || r || s and base64-encoded.
std::string sign_message(const PrivateKey& key, std::string_view message,
                         MessageSigHeader header = MessageSigHeader::kP2pkhCompressed,
                         std::string_view magic = kNamecoinMessageMagic);

struct MessageSigner {
  PublicKey key;
  bool compressed;
  // Set when the header named a segwit type (35..42); otherwise any of
  // P2PKH, P2WPKH and P2SH-P2WPKH may match, as in Electrum.
  std::optional<MessageSigHeader> type_hint;
};
// Recovers the signer from a base64 signature; nullopt for any malformed
// or non-recoverable signature.
std::optional<MessageSigner> recover_message_signer(std::string_view signature_b64,
                                                    std::string_view message,
                                                    std::string_view magic = kNamecoinMessageMagic);

// Electrum's verify_message_with_address: the recovered key must hash to
// `address` (P2PKH, P2WPKH or P2SH-P2WPKH of network `net`, restricted to the
// header's type when it names one). False for malformed input of any kind.
bool verify_message(std::string_view address, std::string_view signature_b64,
                    std::string_view message, const NetworkParams& net,
                    std::string_view magic = kNamecoinMessageMagic);

// Strict base64 (RFC 4648 alphabet, '=' padding, no whitespace; the
// encoding must be canonical). decode throws ChainError.
std::string base64_encode(ByteSpan data);
Bytes base64_decode(std::string_view s);

}  // namespace redoubt::chain
