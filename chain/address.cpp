#include "chain/address.h"

#include <algorithm>
#include <cstring>

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/names.h"

namespace redoubt::chain {
namespace {

constexpr char kB58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
// Longest base58 string we decode: no address or key format comes near it,
// and it keeps the quadratic conversion cheap on hostile input.
constexpr size_t kMaxBase58Len = 200;

constexpr char kBech32Charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Const = 1;
constexpr uint32_t kBech32mConst = 0x2bc830a3;

uint32_t polymod(const Bytes& v) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t x : v) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ x;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

Bytes hrp_expand(std::string_view hrp) {
  Bytes r;
  for (char c : hrp) r.push_back(static_cast<uint8_t>(c) >> 5);
  r.push_back(0);
  for (char c : hrp) r.push_back(static_cast<uint8_t>(c) & 31);
  return r;
}

}  // namespace

std::string base58_encode(ByteSpan data) {
  size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0) ++zeros;
  // log(256)/log(58) ~ 1.366
  std::vector<uint8_t> b58((data.size() - zeros) * 138 / 100 + 1, 0);
  size_t length = 0;
  for (size_t i = zeros; i < data.size(); ++i) {
    int carry = data[i];
    size_t j = 0;
    for (auto it = b58.rbegin(); (carry != 0 || j < length) && it != b58.rend(); ++it, ++j) {
      carry += 256 * (*it);
      *it = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    length = j;
  }
  auto it = b58.begin() + static_cast<std::ptrdiff_t>(b58.size() - length);
  while (it != b58.end() && *it == 0) ++it;
  std::string out(zeros, '1');
  for (; it != b58.end(); ++it) out.push_back(kB58[*it]);
  return out;
}

Bytes base58_decode(std::string_view s) {
  if (s.size() > kMaxBase58Len) throw ChainError("base58 string too long");
  size_t zeros = 0;
  while (zeros < s.size() && s[zeros] == '1') ++zeros;
  std::vector<uint8_t> b256(s.size() * 733 / 1000 + 1, 0);  // log(58)/log(256)
  size_t length = 0;
  for (size_t i = zeros; i < s.size(); ++i) {
    const char* p = std::strchr(kB58, s[i]);
    if (s[i] == '\0' || p == nullptr) throw ChainError("invalid base58 character");
    int carry = static_cast<int>(p - kB58);
    size_t j = 0;
    for (auto it = b256.rbegin(); (carry != 0 || j < length) && it != b256.rend(); ++it, ++j) {
      carry += 58 * (*it);
      *it = static_cast<uint8_t>(carry % 256);
      carry /= 256;
    }
    length = j;
  }
  auto it = b256.begin() + static_cast<std::ptrdiff_t>(b256.size() - length);
  while (it != b256.end() && *it == 0) ++it;
  Bytes out(zeros, 0);
  out.insert(out.end(), it, b256.end());
  return out;
}

std::string base58check_encode(ByteSpan payload) {
  Bytes buf(payload.begin(), payload.end());
  Hash256 h = sha256d(payload);
  buf.insert(buf.end(), h.begin(), h.begin() + 4);
  return base58_encode(buf);
}

Bytes base58check_decode(std::string_view s) {
  Bytes raw = base58_decode(s);
  if (raw.size() < 4) throw ChainError("base58check string too short");
  ByteSpan payload(raw.data(), raw.size() - 4);
  Hash256 h = sha256d(payload);
  if (!std::equal(h.begin(), h.begin() + 4, raw.end() - 4))
    throw ChainError("base58check checksum mismatch");
  return Bytes(payload.begin(), payload.end());
}

std::string bech32_encode(std::string_view hrp, ByteSpan values5, Bech32Encoding enc) {
  if (hrp.empty() || hrp.size() > 83) throw ChainError("bech32 hrp length out of range");
  for (char c : hrp)
    if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
      throw ChainError("bech32 hrp has an invalid character");
  for (uint8_t v : values5)
    if (v > 31) throw ChainError("bech32 value out of range");
  if (hrp.size() + 1 + values5.size() + 6 > 90) throw ChainError("bech32 string too long");
  Bytes v = hrp_expand(hrp);
  v.insert(v.end(), values5.begin(), values5.end());
  v.insert(v.end(), 6, 0);
  uint32_t mod = polymod(v) ^ (enc == Bech32Encoding::kBech32 ? kBech32Const : kBech32mConst);
  std::string out(hrp);
  out.push_back('1');
  for (uint8_t x : values5) out.push_back(kBech32Charset[x]);
  for (int i = 0; i < 6; ++i) out.push_back(kBech32Charset[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

Bech32Data bech32_decode(std::string_view s) {
  if (s.size() > 90) throw ChainError("bech32 string too long");
  bool lower = false, upper = false;
  for (char c : s) {
    if (c < 33 || c > 126) throw ChainError("bech32 string has an invalid character");
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) throw ChainError("bech32 string has mixed case");
  size_t sep = s.rfind('1');
  if (sep == std::string_view::npos) throw ChainError("bech32 separator missing");
  if (sep == 0) throw ChainError("bech32 hrp empty");
  if (sep + 7 > s.size()) throw ChainError("bech32 checksum too short");
  Bech32Data out;
  for (size_t i = 0; i < sep; ++i)
    out.hrp.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
  Bytes values;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    const char* p = std::strchr(kBech32Charset, c);
    if (p == nullptr) throw ChainError("bech32 data has an invalid character");
    values.push_back(static_cast<uint8_t>(p - kBech32Charset));
  }
  Bytes v = hrp_expand(out.hrp);
  v.insert(v.end(), values.begin(), values.end());
  uint32_t mod = polymod(v);
  if (mod == kBech32Const) {
    out.encoding = Bech32Encoding::kBech32;
  } else if (mod == kBech32mConst) {
    out.encoding = Bech32Encoding::kBech32m;
  } else {
    throw ChainError("bech32 checksum mismatch");
  }
  out.values.assign(values.begin(), values.end() - 6);
  return out;
}

Bytes convert_bits(ByteSpan in, int from_bits, int to_bits, bool pad) {
  uint32_t acc = 0;
  int bits = 0;
  Bytes out;
  const uint32_t maxv = (1u << to_bits) - 1;
  for (uint8_t value : in) {
    if (value >> from_bits) throw ChainError("value out of range for bit conversion");
    acc = ((acc << from_bits) | value) & 0xffffff;
    bits += from_bits;
    while (bits >= to_bits) {
      bits -= to_bits;
      out.push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits) out.push_back(static_cast<uint8_t>((acc << (to_bits - bits)) & maxv));
  } else if (bits >= from_bits || ((acc << (to_bits - bits)) & maxv)) {
    // BIP173: at most 4 bits of zero padding.
    throw ChainError("invalid padding in bech32 data");
  }
  return out;
}

std::string segwit_address_encode(std::string_view hrp, int version, ByteSpan program) {
  (void)witness_script(version, program);  // validates version and program length
  Bytes values{static_cast<uint8_t>(version)};
  Bytes conv = convert_bits(program, 8, 5, true);
  values.insert(values.end(), conv.begin(), conv.end());
  return bech32_encode(hrp, values,
                       version == 0 ? Bech32Encoding::kBech32 : Bech32Encoding::kBech32m);
}

WitnessProgram segwit_address_decode(std::string_view hrp, std::string_view addr) {
  Bech32Data d = bech32_decode(addr);
  if (d.hrp != hrp) throw ChainError("address is for another network (hrp " + d.hrp + ")");
  if (d.values.empty()) throw ChainError("segwit address has no witness version");
  WitnessProgram wp;
  wp.version = d.values[0];
  if (wp.version > 16) throw ChainError("invalid witness version");
  // BIP350: version 0 must use bech32, versions 1..16 bech32m.
  if ((wp.version == 0) != (d.encoding == Bech32Encoding::kBech32))
    throw ChainError("wrong checksum variant for witness version");
  wp.program = convert_bits(ByteSpan(d.values).subspan(1), 5, 8, false);
  if (wp.program.size() < 2 || wp.program.size() > 40)
    throw ChainError("invalid witness program length");
  if (wp.version == 0 && wp.program.size() != 20 && wp.program.size() != 32)
    throw ChainError("invalid witness v0 program length");
  return wp;
}

AddressInfo decode_address(std::string_view addr, const NetworkParams& p) {
  AddressInfo info;
  // Bech32 if it starts with our hrp and separator (case-insensitively).
  const std::string hrp = p.bech32_hrp;
  bool looks_bech32 = addr.size() > hrp.size() && addr[hrp.size()] == '1';
  for (size_t i = 0; looks_bech32 && i < hrp.size(); ++i)
    looks_bech32 = std::tolower(static_cast<unsigned char>(addr[i])) == hrp[i];
  if (looks_bech32) {
    WitnessProgram wp = segwit_address_decode(hrp, addr);
    info.script_pubkey = witness_script(wp.version, wp.program);
    info.type = classify_script(info.script_pubkey).type;
    return info;
  }
  Bytes raw;
  try {
    raw = base58check_decode(addr);
  } catch (const ChainError& e) {
    throw ChainError(std::string("invalid address: ") + e.what());
  }
  if (raw.size() != 21) throw ChainError("invalid address: base58 payload must be 21 bytes");
  Hash160 h;
  std::copy(raw.begin() + 1, raw.end(), h.begin());
  if (raw[0] == p.p2pkh_version) {
    info.type = ScriptType::kP2PKH;
    info.script_pubkey = p2pkh_script(h);
  } else if (raw[0] == p.p2sh_version) {
    info.type = ScriptType::kP2SH;
    info.script_pubkey = p2sh_script(h);
  } else {
    throw ChainError("address version byte is not for this network");
  }
  return info;
}

Bytes address_to_script(std::string_view addr, const NetworkParams& p) {
  return decode_address(addr, p).script_pubkey;
}

std::optional<std::string> script_to_address(ByteSpan script, const NetworkParams& p) {
  Bytes stripped = strip_name_prefix(script);
  ScriptInfo info = classify_script(stripped);
  switch (info.type) {
    case ScriptType::kP2PKH:
    case ScriptType::kP2SH: {
      Bytes payload{info.type == ScriptType::kP2PKH ? p.p2pkh_version : p.p2sh_version};
      payload.insert(payload.end(), info.payload.begin(), info.payload.end());
      return base58check_encode(payload);
    }
    case ScriptType::kP2WPKH:
    case ScriptType::kP2WSH:
    case ScriptType::kP2TR:
    case ScriptType::kWitnessUnknown:
      return segwit_address_encode(p.bech32_hrp, info.witness_version, info.payload);
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace redoubt::chain
