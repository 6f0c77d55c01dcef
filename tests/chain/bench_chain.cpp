// Benchmarks for chain/: AuxPoW header verification, transaction parsing and
// BIP143 signature hashing. Prints "bench: NAME VALUE UNIT x RATIO vs BASELINE"
// where RATIO = our rate / baseline rate measured in the same run (1.0 means
// as fast as the baseline; 0.25 means four times slower).
#include <openssl/sha.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "chain/header.h"
#include "chain/script.h"
#include "chain/sighash.h"
#include "chain/tx.h"

using namespace redoubt::chain;

namespace {

// Real merge-mined Namecoin mainnet header #37174 (80 bytes + AuxPoW with a
// 5-deep coinbase branch and 4-deep chain branch), from Electrum-NMC's tests;
// also in tests/chain/data/namecoin-mainnet-headers.json.
const char kHeader37174[] =
    "01010100d681bfa4acb5e0dc772a0099ce069ae4841ee2292ba731a63ac746bde66ddc8a79ad23ebbe11a144734b56"
    "d5bba0d0fb9ee68928112eb695a342e74899b3f78138950a4f4a2a241a000000000100000001000000000000000000"
    "0000000000000000000000000000000000000000000000ffffffff3907456c696769757303f8a7022cfabe6d6d2d27"
    "ea3a0cbe9d4edcecb32f6ed254b2bd017cb1f13258c9fd040b20519cbae41000000000000000ffffffff20abdd2a00"
    "0000000043410400ffc6890975ea785b450af3d4d0908303969581b3bc9f2b32172312fdd0c2e0e92285856abfc6f5"
    "abf6f79572a9084cdaf1678905dc7c00b2aa24368d90454cac283ee709000000001976a9148eafb1970e427d4d6ebb"
    "213b737b7dcdc96791e988acf974b706000000001976a91432e9b63db5ade6c81433fc1f3386d2a9d61c5ca388ac31"
    "e8c406000000001976a914b8c835af5f431a5b29f02f27f34617fab43f869d88ac5c5c1905000000001976a91438eb"
    "0cfbf241ce393845eaab98b03509b1a4f4c988ac12a99406000000001976a914a9e01ae5f2e882d018ca6c9c0b6280"
    "5f419f678488ac2eafeb0e000000001976a914e5673d0aaa04d7ef76cac33443c4d65f1f9d3abd88acab8c3b060000"
    "00001976a914890ee1d550411d3a56f90785f0b50d32422685e588ac2b83040e000000001976a914d6309a28ad2674"
    "7380adee68c78a82afc2e380b088ac37d85708000000001976a914cac51e198e50f78b352b7543450d4adb19a1ecb5"
    "88ac7024b209000000001976a9141ba5c1c3c0916014ee18f35b2c8972d974e0c2c688ac042c9e0f000000001976a9"
    "149bc7fd00183f8007edb836e54aaa43fa7093564b88ac11a3270d000000001976a914c784d5639cba9cac3ee83b84"
    "19d0df127f814dac88ac9e1a0904000000001976a914ad9d837dd996b6f09408c48fb021f47113893e1288acb2d8b8"
    "04000000001976a914773e6c68a0a90c3fa8d724a8d956d391cb2e780588acfadfa30a000000001976a91465d2028e"
    "f9a711679dd0475ee8c063e03f283b9988ac2cc7de04000000001976a914634a731a7cac60d4009e02de89adeba55b"
    "9e7c6988acf4f83704000000001976a914432c607e716ce918f4025ecd34e22149a52d66ac88acd0b6390400000000"
    "1976a91467cec2520fd4a12f815f6b69601a30ba95e4e1d888aceada260b000000001976a91476ea1118754fe1c7bd"
    "7e6e5a3bbf0a58bb50793e88acebc87810000000001976a9146284a45230cf59afc7014972809b33fcd697feae88ac"
    "4bd1800e000000001976a9141c0320b4b7d9f4462176b099412804a75ce1b0c288acf71ba505000000001976a91422"
    "0b8d06c0954da6d4434aac55b6478b116f0d6b88ac795db109000000001976a914c3dd52845bfba22107c21501138a"
    "0c8b04a0347588ac84e7560e000000001976a9147ac2b007faf68d60460f26884f41630a0c84bb1f88acbb4ec31200"
    "0000001976a91471556a3df90c4bfe9e3b0dc1d17b96bef721c15088ac5ed1c909000000001976a9142de17c20ad4a"
    "cd2eb0a6113b16a296e91dbed2e088ac585e1b04000000001976a9145e141e1a4346cfdcf9059a8d53e12fe73d9fc9"
    "6188ac1400ed09000000001976a9149465fdac29b5c47b99c8d17379d0fc6d99c1e4a688ac93f00f0b000000001976"
    "a914cc48bc094901e59d9f696b4d8b5c6045006bd33188ac76bbb70c000000001976a9149eb551c3924ed46408b361"
    "6242db21b7fcc7f9a288ac39186f0a000000001976a914959ccd483cd07cb7ab9c63ae088d36833e52a29388ac0000"
    "000084db572a0c547f2d33793a50525ff96d90d46ab361f57311112400000000000005e0dd9751b7164f0bd8da996f"
    "d31d1944dd28bbba422612ae65512a021473f2f8b0edec19fc4bd2b5e0df0feaf0c35b9eed377a4c17c04bb0e7de17"
    "0e42dca9c82036c3370630069cc8b763dcc4dff4e8c45d4398927baae42725218eb9c5e90c3641e824664bb1f0c601"
    "1f45bdf646049f836104449a87cb47b0a522410c6d3bcb36e428be422a5de15c00b24f0352dd8fc0d9525edf125121"
    "8ba638be00854500000000040a00000000000000000000000000000000000000000000000000000000000000028379"
    "63a2278915e751bb7f197f196b39e559867e97076564a3e3c7b28ebd65e9720db28e9dc39e9b719e7bf8955c539770"
    "1fa07683b2ab05d78932b11b965f50eb6b2eb0dc8cd70c2e6d93a25b679b0cdcbd53670aa435610d1241ccfdb57c0b"
    "0000000100000055a7bc918827dbe7d8027781d803f4b418589b7b9fc03e718a03000000000000625a3d6dc4dfb0ab"
    "25f450cd202ff3bdb074f2edde1ddb4af5217e10c9dbafb9639a0a4fd7690d1a25aeaa97";

uint64_t g_sink = 0;  // results feed this so the work is not optimized away

// Calls f repeatedly for about `seconds` and returns calls per second.
template <typename F>
double rate(F&& f, double seconds = 1.0) {
  using clock = std::chrono::steady_clock;
  uint64_t n = 0;
  const auto start = clock::now();
  auto now = start;
  do {
    for (int i = 0; i < 64; ++i) f();
    n += 64;
    now = clock::now();
  } while (std::chrono::duration<double>(now - start).count() < seconds);
  return static_cast<double>(n) / std::chrono::duration<double>(now - start).count();
}

double sha256d_rate(const Bytes& data) {
  return rate([&] {
    unsigned char a[32], b[32];
    SHA256(data.data(), data.size(), a);
    SHA256(a, 32, b);
    g_sink += b[0];
  });
}

Transaction many_input_tx(size_t n) {
  Transaction tx;
  for (size_t i = 0; i < n; ++i) {
    TxIn in;
    in.prevout.txid[0] = static_cast<uint8_t>(i);
    in.prevout.txid[1] = static_cast<uint8_t>(i >> 8);
    in.prevout.index = static_cast<uint32_t>(i);
    tx.inputs.push_back(in);
  }
  for (size_t i = 0; i < 2; ++i) tx.outputs.push_back(TxOut{1000, p2wpkh_script(Hash160{})});
  return tx;
}

// Microseconds per input to compute every input's BIP143 sighash of an n-input tx.
double sighash_us_per_input(size_t n) {
  const Transaction tx = many_input_tx(n);
  const Bytes code = p2wpkh_script_code(Hash160{});
  const double per_s = rate(
      [&] {
        SegwitPrecomputed pre(tx);
        for (size_t i = 0; i < n; ++i)
          g_sink += segwit_v0_sighash(tx, i, code, 5000, kSighashAll, pre)[0];
      },
      0.5);
  return 1e6 / per_s / static_cast<double>(n);
}

}  // namespace

int main() {
  const Bytes raw = from_hex(kHeader37174);
  const double verify = rate([&] {
    BlockHeader h = parse_block_header(raw);
    g_sink += check_header_pow(h, mainnet_params(), 37174).ok;
  });
  const double base = sha256d_rate(raw);
  std::printf("bench: header_verify %.0f per_s x %.3f vs sha256d\n", verify, verify / base);

  // The parent coinbase of the same header: a real 32-output transaction.
  const Bytes tx_raw = parse_block_header(raw).auxpow->coinbase.serialize();
  const double parse = rate([&] { g_sink += parse_transaction(tx_raw).outputs.size(); });
  std::printf("bench: tx_parse %.0f per_s x %.3f vs sha256d\n", parse,
              parse / sha256d_rate(tx_raw));

  // Linear signing: per-input cost at 1000 inputs against 10 inputs.
  const double us1000 = sighash_us_per_input(1000);
  const double us10 = sighash_us_per_input(10);
  std::printf("bench: sighash_bip143_1000in %.3f us_per_input x %.3f vs 10in\n", us1000,
              us10 / us1000);
  std::fprintf(stderr, "(checksum %llu)\n", static_cast<unsigned long long>(g_sink));
  return 0;
}
