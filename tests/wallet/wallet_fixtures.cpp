#include "tests/wallet/wallet_fixtures.h"

#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "chain/hash.h"
#include "tests/support/auxpow_miner.h"

namespace redoubt::wallettest {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "redoubt-wallet-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

chain::Bytes mine_regtest_header(const chain::Hash256& prev, uint32_t time,
                                 const chain::Hash256& merkle_root, uint32_t bits) {
  chain::PureHeader h;
  h.version = 4 | chain::PureHeader::kVersionAuxpow | (1 << 16);  // chain id 1
  h.prev_hash = prev;
  h.merkle_root = merkle_root;
  h.time = time;
  h.bits = bits;
  chain::Bytes raw = h.serialize();
  chain::Bytes aux = testsupport::mine_auxpow(raw, bits, false);
  raw.insert(raw.end(), aux.begin(), aux.end());
  return raw;
}

std::vector<chain::Bytes> mine_regtest_chain(const chain::Hash256& prev, uint32_t time0, size_t n,
                                             uint32_t salt) {
  std::vector<chain::Bytes> out;
  out.reserve(n);
  chain::Hash256 p = prev;
  for (size_t i = 0; i < n; ++i) {
    chain::Hash256 root{};
    root[0] = static_cast<uint8_t>(salt);
    root[1] = static_cast<uint8_t>(salt >> 8);
    root[2] = static_cast<uint8_t>(i);
    root[3] = static_cast<uint8_t>(i >> 8);
    root[4] = static_cast<uint8_t>(i >> 16);
    out.push_back(mine_regtest_header(p, time0 + static_cast<uint32_t>(i) * 60, root));
    p = header_hash(out.back());
  }
  return out;
}

chain::Hash256 header_hash(const chain::Bytes& raw) {
  return chain::sha256d(chain::ByteSpan(raw.data(), 80));
}

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace redoubt::wallettest
