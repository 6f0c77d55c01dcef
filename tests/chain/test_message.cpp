// Signed messages: Bitcoin Core's published signmessagewithprivkey vector
// (same format, Bitcoin's magic), Namecoin-magic round trips for P2PKH,
// P2WPKH and P2SH-P2WPKH as Electrum accepts them, tampering, strict base64.
#include <gtest/gtest.h>

#include <string>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/hash.h"
#include "chain/message.h"
#include "chain/params.h"
#include "chain/script.h"

namespace redoubt::chain {
namespace {

// Bitcoin Core test/functional/rpc_signmessagewithprivkey.py. Version bytes
// 111 (P2PKH) and 239 (WIF) are Namecoin testnet's too.
constexpr const char* kCoreWif = "cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N";
constexpr const char* kCoreAddress = "mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB";
constexpr const char* kCoreMessage = "This is just a test message";
constexpr const char* kCoreSignature =
    "INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=";

TEST(Message, BitcoinCoreVector) {
  WifKey k = wif_decode(kCoreWif, 239);
  ASSERT_TRUE(k.compressed);
  std::string sig =
      sign_message(k.key, kCoreMessage, MessageSigHeader::kP2pkhCompressed, kBitcoinMessageMagic);
  EXPECT_EQ(sig, kCoreSignature);
  EXPECT_TRUE(verify_message(kCoreAddress, kCoreSignature, kCoreMessage, testnet_params(),
                             kBitcoinMessageMagic));
  // The same signature is not valid under Namecoin's magic, nor for another
  // message.
  EXPECT_FALSE(verify_message(kCoreAddress, kCoreSignature, kCoreMessage, testnet_params()));
  EXPECT_FALSE(verify_message(kCoreAddress, kCoreSignature, "This is just a test messagE",
                              testnet_params(), kBitcoinMessageMagic));
}

TEST(Message, HashLayout) {
  // sha256d(0x19 "Namecoin Signed Message:\n" 0x05 "hello"), spelled out.
  Bytes pre{0x19};
  std::string magic = "Namecoin Signed Message:\n";
  pre.insert(pre.end(), magic.begin(), magic.end());
  pre.push_back(5);
  for (char c : std::string("hello")) pre.push_back(static_cast<uint8_t>(c));
  EXPECT_EQ(message_hash("hello"), sha256d(pre));
  // A 300-byte message takes a 3-byte CompactSize (0xfd 0x2c 0x01).
  std::string big(300, 'x');
  Bytes pre2{0x19};
  pre2.insert(pre2.end(), magic.begin(), magic.end());
  pre2.insert(pre2.end(), {0xfd, 0x2c, 0x01});
  pre2.insert(pre2.end(), big.begin(), big.end());
  EXPECT_EQ(message_hash(big), sha256d(pre2));
}

TEST(Message, NamecoinRoundTripsPerAddressType) {
  const NetworkParams& net = regtest_params();
  PrivateKey key = PrivateKey::generate();
  Hash160 h = key.public_key().key_hash();
  std::string p2pkh = *script_to_address(p2pkh_script(h), net);
  std::string p2wpkh = *script_to_address(p2wpkh_script(h), net);
  std::string p2sh = *script_to_address(p2sh_script(hash160(p2wpkh_script(h))), net);
  const std::string msg = "I own d/redoubt";

  // Electrum writes 31+recid for every type and accepts it for all three.
  std::string electrum_style = sign_message(key, msg);
  EXPECT_TRUE(verify_message(p2pkh, electrum_style, msg, net));
  EXPECT_TRUE(verify_message(p2wpkh, electrum_style, msg, net));
  EXPECT_TRUE(verify_message(p2sh, electrum_style, msg, net));

  // BIP137 39+recid names P2WPKH: valid for the bech32 address only.
  std::string segwit = sign_message(key, msg, MessageSigHeader::kP2wpkh);
  Bytes raw = base64_decode(segwit);
  EXPECT_GE(raw[0], 39);
  EXPECT_LE(raw[0], 42);
  EXPECT_TRUE(verify_message(p2wpkh, segwit, msg, net));
  EXPECT_FALSE(verify_message(p2pkh, segwit, msg, net));
  EXPECT_FALSE(verify_message(p2sh, segwit, msg, net));
  std::string nested = sign_message(key, msg, MessageSigHeader::kP2shP2wpkh);
  EXPECT_TRUE(verify_message(p2sh, nested, msg, net));
  EXPECT_FALSE(verify_message(p2wpkh, nested, msg, net));

  // Uncompressed key: its own P2PKH address, not the compressed one.
  std::string unc = sign_message(key, msg, MessageSigHeader::kP2pkhUncompressed);
  std::string p2pkh_unc = *script_to_address(p2pkh_script(key.public_key().key_hash(false)), net);
  EXPECT_TRUE(verify_message(p2pkh_unc, unc, msg, net));
  EXPECT_FALSE(verify_message(p2pkh, unc, msg, net));

  // Another network's address, another key, and garbage all fail cleanly.
  EXPECT_FALSE(verify_message(p2pkh, electrum_style, msg, mainnet_params()));
  std::string other =
      *script_to_address(p2pkh_script(PrivateKey::generate().public_key().key_hash()), net);
  EXPECT_FALSE(verify_message(other, electrum_style, msg, net));
  EXPECT_FALSE(verify_message("not an address", electrum_style, msg, net));
  EXPECT_FALSE(verify_message(p2pkh, "", msg, net));
  EXPECT_FALSE(verify_message(p2pkh, "!!!!", msg, net));
}

TEST(Message, TamperedSignaturesFail) {
  const NetworkParams& net = regtest_params();
  PrivateKey key = PrivateKey::generate();
  std::string addr = *script_to_address(p2pkh_script(key.public_key().key_hash()), net);
  Bytes sig = base64_decode(sign_message(key, "m"));
  for (size_t i = 0; i < sig.size(); i += 8) {
    Bytes t = sig;
    t[i] ^= 0x01;
    EXPECT_FALSE(verify_message(addr, base64_encode(t), "m", net)) << i;
  }
  Bytes bad_header = sig;
  bad_header[0] = 26;
  EXPECT_FALSE(verify_message(addr, base64_encode(bad_header), "m", net));
  bad_header[0] = 43;
  EXPECT_FALSE(verify_message(addr, base64_encode(bad_header), "m", net));
  Bytes short_sig(sig.begin(), sig.end() - 1);
  EXPECT_FALSE(verify_message(addr, base64_encode(short_sig), "m", net));
}

TEST(Base64, StrictDecoding) {
  EXPECT_EQ(base64_encode(as_span("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(as_span("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(as_span("f")), "Zg==");
  EXPECT_EQ(base64_encode(Bytes{}), "");
  EXPECT_EQ(base64_decode("Zm8="), (Bytes{'f', 'o'}));
  EXPECT_EQ(base64_decode("Zg=="), (Bytes{'f'}));
  EXPECT_TRUE(base64_decode("").empty());
  for (const char* bad :
       {"Zm8", "Zm8=\n", " Zm8=", "Zm=8", "Z===", "Zh==", "Zm9v YmFy", "Zm9-", "====", "Zg=a"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(base64_decode(bad), ChainError);
  }
  EXPECT_THROW(base64_decode(std::string(8192, 'A')), ChainError);
}

}  // namespace
}  // namespace redoubt::chain
