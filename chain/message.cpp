#include "chain/message.h"

#include <openssl/evp.h>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/hash.h"
#include "chain/script.h"
#include "chain/serialize.h"

namespace redoubt::chain {
namespace {

bool is_b64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// The largest base64 text we decode: far above the 88 characters of a
// message signature, small enough that nothing can ask us to allocate much.
constexpr size_t kMaxBase64 = 4096;

}  // namespace

Hash256 message_hash(std::string_view message, std::string_view magic) {
  Writer w;
  w.var_bytes(as_span(magic));
  w.var_bytes(as_span(message));
  return sha256d(w.data());
}

std::string sign_message(const PrivateKey& key, std::string_view message, MessageSigHeader header,
                         std::string_view magic) {
  RecoverableSignature sig = key.sign_recoverable(message_hash(message, magic));
  Bytes out(65);
  out[0] = static_cast<uint8_t>(static_cast<uint8_t>(header) + sig.recid);
  std::copy(sig.rs.begin(), sig.rs.end(), out.begin() + 1);
  return base64_encode(out);
}

std::optional<MessageSigner> recover_message_signer(std::string_view signature_b64,
                                                    std::string_view message,
                                                    std::string_view magic) {
  Bytes sig;
  try {
    sig = base64_decode(signature_b64);
  } catch (const ChainError&) {
    return std::nullopt;
  }
  if (sig.size() != 65) return std::nullopt;
  int v = sig[0];
  // BIP137 header ranges, read as Electrum's ECPubkey.from_signature65 does.
  if (v < 27 || v > 42) return std::nullopt;
  std::optional<MessageSigHeader> hint;
  bool compressed = true;
  if (v >= 39) {
    v -= 12;
    hint = MessageSigHeader::kP2wpkh;
  } else if (v >= 35) {
    v -= 8;
    hint = MessageSigHeader::kP2shP2wpkh;
  } else if (v >= 31) {
    v -= 4;
  } else {
    compressed = false;
  }
  RecoverableSignature rs;
  rs.recid = v - 27;
  std::copy(sig.begin() + 1, sig.end(), rs.rs.begin());
  auto key = PublicKey::recover(message_hash(message, magic), rs);
  if (!key) return std::nullopt;
  return MessageSigner{*key, compressed, hint};
}

bool verify_message(std::string_view address, std::string_view signature_b64,
                    std::string_view message, const NetworkParams& net, std::string_view magic) {
  auto signer = recover_message_signer(signature_b64, message, magic);
  if (!signer) return false;
  Bytes target;
  try {
    target = address_to_script(address, net);
  } catch (const ChainError&) {
    return false;
  }
  Hash160 h = signer->key.key_hash(signer->compressed);
  Bytes p2wpkh = p2wpkh_script(h);
  bool want_p2pkh = !signer->type_hint;
  bool want_p2wpkh = !signer->type_hint || *signer->type_hint == MessageSigHeader::kP2wpkh;
  bool want_p2sh = !signer->type_hint || *signer->type_hint == MessageSigHeader::kP2shP2wpkh;
  return (want_p2pkh && target == p2pkh_script(h)) || (want_p2wpkh && target == p2wpkh) ||
         (want_p2sh && target == p2sh_script(hash160(p2wpkh)));
}

std::string base64_encode(ByteSpan data) {
  if (data.size() > (static_cast<size_t>(INT32_MAX) / 4) * 3) {
    throw ChainError("data too large for base64");
  }
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Bytes base64_decode(std::string_view s) {
  // EVP_DecodeBlock skips leading/trailing whitespace and does not report
  // padding; check the alphabet, length and padding ourselves first.
  if (s.size() > kMaxBase64) throw ChainError("base64 text too long");
  if (s.size() % 4 != 0) throw ChainError("base64 length is not a multiple of 4");
  size_t pad = 0;
  if (!s.empty() && s.back() == '=') ++pad;
  if (s.size() >= 2 && s[s.size() - 2] == '=') ++pad;
  for (size_t i = 0; i < s.size() - pad; ++i) {
    if (!is_b64_char(s[i])) throw ChainError("bad base64 character");
  }
  Bytes out(s.size() / 4 * 3);
  if (!s.empty()) {
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()),
                            static_cast<int>(s.size()));
    if (n < 0 || static_cast<size_t>(n) != out.size()) throw ChainError("bad base64");
  }
  out.resize(out.size() - pad);
  // Canonical: unused bits in the last group must be zero.
  if (base64_encode(out) != s) throw ChainError("non-canonical base64");
  return out;
}

}  // namespace redoubt::chain
