#include "chain/bip39.h"

#include <openssl/crypto.h>

#include <vector>

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/wordlist_english.h"

namespace redoubt::chain {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Mnemonics are at most 24 words of 8 letters; passphrases are short too.
// Anything longer is refused before it is copied.
constexpr size_t kMaxTextLength = 4096;

void require_ascii(std::string_view s, const char* what) {
  if (s.size() > kMaxTextLength) throw ChainError(std::string(what) + " too long");
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      throw ChainError(std::string(what) +
                       " contains non-ASCII characters (only English is supported)");
    }
  }
}

// Words split on ASCII whitespace, joined by single spaces.
SecureBytes collapse_spaces(std::string_view s) {
  SecureBytes out;
  out.resize(s.size());
  size_t n = 0;
  bool pending_space = false;
  for (char c : s) {
    if (is_ascii_space(c)) {
      pending_space = n > 0;
      continue;
    }
    if (pending_space) out[n++] = ' ';
    pending_space = false;
    out[n++] = static_cast<uint8_t>(c);
  }
  out.resize(n);
  return out;
}

void set_bit(SecureBytes& b, size_t bit) {
  b[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
}
bool get_bit(const SecureBytes& b, size_t bit) {
  return (b[bit / 8] >> (7 - bit % 8)) & 1;
}

}  // namespace

SecureBytes bip39_entropy_to_mnemonic(ByteSpan entropy) {
  size_t ent = entropy.size();
  if (ent < 16 || ent > 32 || ent % 4 != 0) {
    throw ChainError("BIP39 entropy must be 16, 20, 24, 28 or 32 bytes");
  }
  // bits = entropy || first ENT/32 bits of SHA-256(entropy).
  Hash256 h = sha256(entropy);
  SecureBytes bits(ent + 1);
  std::copy(entropy.begin(), entropy.end(), bits.data());
  bits[ent] = h[0];
  OPENSSL_cleanse(h.data(), h.size());
  size_t words = (ent * 8 + ent / 4) / 11;
  auto list = bip39_english_words();
  SecureBytes out;
  for (size_t w = 0; w < words; ++w) {
    uint16_t idx = 0;
    for (size_t k = 0; k < 11; ++k)
      idx = static_cast<uint16_t>((idx << 1) | get_bit(bits, w * 11 + k));
    if (w > 0) out.append(as_span(" "));
    out.append(as_span(list[idx]));
  }
  return out;
}

SecureBytes bip39_mnemonic_to_entropy(std::string_view mnemonic) {
  require_ascii(mnemonic, "mnemonic");
  SecureBytes norm = collapse_spaces(mnemonic);
  std::string_view text = norm.view();
  std::vector<uint16_t> idx;
  idx.reserve(24);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t sp = text.find(' ', pos);
    if (sp == std::string_view::npos) sp = text.size();
    auto i = bip39_english_index(text.substr(pos, sp - pos));
    if (!i)
      throw ChainError("mnemonic word " + std::to_string(idx.size() + 1) +
                       " is not in the BIP39 English list");
    if (idx.size() == 24) throw ChainError("mnemonic has more than 24 words");
    idx.push_back(*i);
    pos = sp + 1;
  }
  size_t n = idx.size();
  if (n < 12 || n > 24 || n % 3 != 0)
    throw ChainError("mnemonic must have 12, 15, 18, 21 or 24 words");
  size_t cs_bits = n * 11 / 33;
  size_t ent_bytes = cs_bits * 4;
  SecureBytes bits((n * 11 + 7) / 8);
  for (size_t w = 0; w < n; ++w) {
    for (size_t k = 0; k < 11; ++k) {
      if ((idx[w] >> (10 - k)) & 1) set_bit(bits, w * 11 + k);
    }
  }
  OPENSSL_cleanse(idx.data(), idx.size() * sizeof(uint16_t));
  SecureBytes entropy(ByteSpan(bits.data(), ent_bytes));
  Hash256 h = sha256(entropy.span());
  bool ok = true;
  for (size_t k = 0; k < cs_bits; ++k) {
    bool want = (h[0] >> (7 - k)) & 1;
    ok &= get_bit(bits, ent_bytes * 8 + k) == want;
  }
  OPENSSL_cleanse(h.data(), h.size());
  if (!ok) throw ChainError("mnemonic checksum mismatch");
  return entropy;
}

bool bip39_is_valid(std::string_view mnemonic) {
  try {
    bip39_mnemonic_to_entropy(mnemonic);
    return true;
  } catch (const ChainError&) {
    return false;
  }
}

SecureBytes bip39_to_seed(std::string_view mnemonic, std::string_view passphrase) {
  require_ascii(mnemonic, "mnemonic");
  require_ascii(passphrase, "passphrase");
  SecureBytes m = collapse_spaces(mnemonic);
  SecureBytes salt = SecureBytes::from_string("mnemonic");
  salt.append(as_span(passphrase));
  Bytes seed = pbkdf2_sha512(m.span(), salt.span(), 2048, 64);
  SecureBytes out(seed);
  secure_wipe(seed);
  return out;
}

}  // namespace redoubt::chain
