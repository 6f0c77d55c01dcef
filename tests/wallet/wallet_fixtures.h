// Shared helpers of the wallet tests and benches: temporary directories and
// regtest headers mined on demand (AuxPoW through tests/support's miner).
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "chain/pure_header.h"

namespace redoubt::wallettest {

inline constexpr int64_t kCoinSat = 100'000'000;

// A name or value as bytes: nm("d/example").
inline chain::Bytes nm(const char* s) {
  return chain::Bytes(s, s + std::strlen(s));
}

// A fresh directory under $TMPDIR, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A merge-mined regtest header (80 bytes + AuxPoW) on top of `prev`.
chain::Bytes mine_regtest_header(const chain::Hash256& prev, uint32_t time,
                                 const chain::Hash256& merkle_root = {},
                                 uint32_t bits = 0x207fffff);
// `n` headers extending `prev` (at time `time0`), one minute apart; `salt`
// goes into the merkle root so two branches differ.
std::vector<chain::Bytes> mine_regtest_chain(const chain::Hash256& prev, uint32_t time0, size_t n,
                                             uint32_t salt = 0);
// The 80-byte part's hash of a raw header.
chain::Hash256 header_hash(const chain::Bytes& raw);

std::vector<uint8_t> read_file(const std::filesystem::path& p);

}  // namespace redoubt::wallettest
