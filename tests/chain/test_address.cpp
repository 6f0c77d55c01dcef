// Address encodings against published vectors: BIP173/BIP350 valid and invalid
// strings, base58 vectors from Bitcoin Core, and Namecoin's version bytes.
#include <gtest/gtest.h>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/hash.h"

namespace redoubt::chain {
namespace {

struct ValidSegwit {
  const char* address;
  const char* script_hex;
};

// BIP350 "Test vectors for v0-v16 native segregated witness addresses" (valid).
const ValidSegwit kValidSegwit[] = {
    {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
     "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
    {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
     "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"BC1SW50QGDZ25J", "6002751e"},
    {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
    {"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
     "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
     "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
     "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
};

std::string hrp_of(std::string_view addr) {
  std::string h(addr.substr(0, addr.rfind('1')));
  for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return h;
}

TEST(Address, Bip350ValidSegwitAddresses) {
  for (const auto& v : kValidSegwit) {
    SCOPED_TRACE(v.address);
    WitnessProgram wp = segwit_address_decode(hrp_of(v.address), v.address);
    EXPECT_EQ(to_hex(witness_script(wp.version, wp.program)), v.script_hex);
    // Re-encoding gives the lower-case form.
    std::string lower(v.address);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(segwit_address_encode(hrp_of(v.address), wp.version, wp.program), lower);
  }
}

struct InvalidSegwit {
  const char* address;
  const char* hrp;  // the hrp the caller expects
};

// BIP350 invalid segwit addresses (and BIP173's that still apply), each with the
// hrp a wallet of that network would expect.
const InvalidSegwit kInvalidSegwit[] = {
    {"tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", "tb"},  // invalid hrp
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "bc"},  // bech32 for v1
    {"tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", "tb"},  // bech32 for v2
    {"BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "bc"},  // bech32 for v16
    {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "bc"},                      // bech32m for v0
    {"tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", "tb"},  // bech32m for v0
    {"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "bc"},  // bad char
    {"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "bc"},  // version 17
    {"bc1pw5dgrnzv", "bc"},                                                    // 1-byte program
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
     "bc"},                                                                      // 41 bytes
    {"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "bc"},                              // v0 16 bytes
    {"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "tb"},    // mixed case
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "bc"},  // >4 bits padding
    {"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "tb"},    // non-zero padding
    {"bc1gmk9yu", "bc"},                                                         // empty data
};

TEST(Address, Bip350InvalidSegwitAddresses) {
  for (const auto& v : kInvalidSegwit) {
    EXPECT_THROW(segwit_address_decode(v.hrp, v.address), ChainError) << v.address;
  }
}

// BIP173/BIP350 invalid bech32/bech32m strings (checksum-level).
TEST(Address, InvalidBech32Strings) {
  const std::string kInvalid[] = {
      std::string("\x20") + "1xj0phk",  // hrp char out of range
      std::string("\x7f") + "1g6xzxy",  // hrp char out of range
      std::string("\x80") + "1vctc34",  // hrp char out of range
      "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
      "qyrz8wqd2c9m",   // no separator
      "1qyrz8wqd2c9m",  // empty hrp
      "y1b0jsk6g",      // invalid data char
      "lt1igcx5c0",     // invalid data char
      "in1muywd",       // too short checksum
      "mm1crxm3i",      // invalid char in checksum
      "au1s5cgom",      // invalid char in checksum
      "M1VUXWEZ",       // checksum calculated with uppercase hrp
      "16plkw9",        // empty hrp
      "1p2gdwpf",       // empty hrp
      "A1G7SGD8",       // checksum calculated with uppercase form of HRP (BIP173)
      "10a06t8",        // empty HRP
      "1qzzfhee",       // empty HRP
  };
  for (const auto& s : kInvalid) EXPECT_THROW(bech32_decode(s), ChainError) << s;
}

TEST(Address, ValidBech32AndBech32mStrings) {
  const std::string kBech32[] = {
      "A12UEL5L",
      "a12uel5l",
      "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
      "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
      "11" + std::string(82, 'q') + "c8247j",
      "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
      "?1ezyfcl",
  };
  for (const std::string& s : kBech32) {
    Bech32Data d = bech32_decode(s);
    EXPECT_EQ(d.encoding, Bech32Encoding::kBech32) << s;
  }
  const std::string kBech32m[] = {
      "A1LQFN3A",
      "a1lqfn3a",
      "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
      "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
      "11" + std::string(82, 'l') + "ludsr8",
      "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
      "?1v759aa",
  };
  for (const std::string& s : kBech32m) {
    Bech32Data d = bech32_decode(s);
    EXPECT_EQ(d.encoding, Bech32Encoding::kBech32m) << s;
    std::string lower = s;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(bech32_encode(d.hrp, d.values, d.encoding), lower);
  }
}

// Bitcoin Core's base58_encode_decode.json.
TEST(Address, Base58Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"61", "2g"},
      {"626262", "a3gV"},
      {"636363", "aPEr"},
      {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
      {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
      {"516b6fcd0f", "ABnLTmg"},
      {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
      {"572e4794", "3EFU7m"},
      {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
      {"10c8511e", "Rt5zm"},
      {"00000000000000000000", "1111111111"},
      {"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
       "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
  };
  for (const auto& [hex, b58] : kVectors) {
    EXPECT_EQ(base58_encode(from_hex(hex)), b58);
    EXPECT_EQ(to_hex(base58_decode(b58)), hex);
  }
  EXPECT_THROW(base58_decode("0OIl"), ChainError);
  EXPECT_THROW(base58_decode(std::string("1\0", 2)), ChainError);
  EXPECT_THROW(base58check_decode("1111"), ChainError);
}

TEST(Address, NamecoinVersionsAndNetworks) {
  Hash160 h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(i);
  // Mainnet P2PKH (version 52) addresses start with N or M; P2SH (13) with 6.
  auto main_p2pkh = script_to_address(p2pkh_script(h), mainnet_params());
  ASSERT_TRUE(main_p2pkh);
  EXPECT_TRUE((*main_p2pkh)[0] == 'N' || (*main_p2pkh)[0] == 'M') << *main_p2pkh;
  EXPECT_EQ(base58check_decode(*main_p2pkh)[0], 52);
  auto main_p2sh = script_to_address(p2sh_script(h), mainnet_params());
  EXPECT_EQ(base58check_decode(*main_p2sh)[0], 13);
  EXPECT_EQ(address_to_script(*main_p2pkh, mainnet_params()), p2pkh_script(h));
  EXPECT_EQ(address_to_script(*main_p2sh, mainnet_params()), p2sh_script(h));
  // Wrong network is refused.
  EXPECT_THROW(address_to_script(*main_p2pkh, regtest_params()), ChainError);
  auto test_p2pkh = script_to_address(p2pkh_script(h), testnet_params());
  EXPECT_TRUE((*test_p2pkh)[0] == 'm' || (*test_p2pkh)[0] == 'n');
  EXPECT_EQ(base58check_decode(*test_p2pkh)[0], 111);
  EXPECT_EQ(base58check_decode(*script_to_address(p2sh_script(h), testnet_params()))[0], 196);
  // bech32 hrps.
  EXPECT_EQ(script_to_address(p2wpkh_script(h), mainnet_params())->substr(0, 3), "nc1");
  EXPECT_EQ(script_to_address(p2wpkh_script(h), testnet_params())->substr(0, 3), "tn1");
  EXPECT_EQ(script_to_address(p2wpkh_script(h), regtest_params())->substr(0, 5), "ncrt1");
  std::string nc = *script_to_address(p2wpkh_script(h), mainnet_params());
  EXPECT_EQ(address_to_script(nc, mainnet_params()), p2wpkh_script(h));
  EXPECT_THROW(address_to_script(nc, testnet_params()), ChainError);
  // A flipped character breaks the checksum.
  std::string bad = *main_p2pkh;
  bad[5] = bad[5] == 'a' ? 'b' : 'a';
  EXPECT_THROW(address_to_script(bad, mainnet_params()), ChainError);
  // OP_RETURN has no address.
  EXPECT_FALSE(script_to_address(op_return_script(as_span("hi")), mainnet_params()));
}

TEST(Address, RealRegtestAddressesFromNamecoind) {
  // Addresses namecoind printed for these scripts (tests/chain/data vectors).
  EXPECT_EQ(script_to_address(from_hex("76a914a04d3b55022a162bffb40c9e54476985f3e20c2e88ac"),
                              regtest_params()),
            "mv8YvuPVtiSoSwiXht7rQk3FkDw2rP4d2A");
  EXPECT_EQ(
      script_to_address(from_hex("0014aebf4228dfda1fda623b1cc8ab7fee70bdc43b76"), regtest_params()),
      "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka");
}

}  // namespace
}  // namespace redoubt::chain
