// Bounded binary reader and writer for Bitcoin/Namecoin wire formats:
// little/big-endian integers, CompactSize (canonical only) and length-prefixed bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "chain/bytes.h"

namespace redoubt::chain {

// Largest CompactSize any of our formats accepts unless a caller asks for less:
// Bitcoin Core's MAX_SIZE (0x02000000), the limit of its own deserializer.
inline constexpr uint64_t kMaxCompactSize = 0x02000000;

// Reads from a span it does not own. Every read is bounds-checked; a short or
// malformed input throws ChainError ("truncated <what>", "non-canonical ...").
class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return pos_ == data_.size(); }

  uint8_t u8(const char* what = "byte");
  uint16_t u16le(const char* what = "uint16");
  uint32_t u32le(const char* what = "uint32");
  uint64_t u64le(const char* what = "uint64");
  int32_t i32le(const char* what = "int32") { return static_cast<int32_t>(u32le(what)); }
  int64_t i64le(const char* what = "int64") { return static_cast<int64_t>(u64le(what)); }
  uint16_t u16be(const char* what = "uint16");
  uint32_t u32be(const char* what = "uint32");
  uint64_t u64be(const char* what = "uint64");

  // CompactSize, rejecting non-minimal encodings (as Core does) and values above `max`.
  uint64_t compact_size(uint64_t max = kMaxCompactSize, const char* what = "compact size");
  // `n` raw bytes, as a view into the input (valid while the input lives).
  ByteSpan take(size_t n, const char* what = "bytes");
  Bytes bytes(size_t n, const char* what = "bytes");
  // CompactSize length then that many bytes, the length limited to `max`.
  Bytes var_bytes(uint64_t max = kMaxCompactSize, const char* what = "var bytes");
  Hash256 hash256(const char* what = "hash");
  // Throws unless the whole input was consumed.
  void expect_end(const char* what = "data") const;

 private:
  void need(size_t n, const char* what) const;
  ByteSpan data_;
  size_t pos_ = 0;
};

// Appends to an owned buffer.
class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16le(uint16_t v);
  void u32le(uint32_t v);
  void u64le(uint64_t v);
  void i32le(int32_t v) { u32le(static_cast<uint32_t>(v)); }
  void i64le(int64_t v) { u64le(static_cast<uint64_t>(v)); }
  void u16be(uint16_t v);
  void u32be(uint32_t v);
  void u64be(uint64_t v);
  void compact_size(uint64_t v);
  void bytes(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void var_bytes(ByteSpan b) {
    compact_size(b.size());
    bytes(b);
  }
  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// Size of the CompactSize encoding of `v` (1, 3, 5 or 9).
size_t compact_size_len(uint64_t v);

}  // namespace redoubt::chain
