#include "chain/serialize.h"

#include <string>

#include "chain/error.h"

namespace redoubt::chain {

void Reader::need(size_t n, const char* what) const {
  if (n > remaining()) throw ChainError(std::string("truncated ") + what);
}

uint8_t Reader::u8(const char* what) {
  need(1, what);
  return data_[pos_++];
}

uint16_t Reader::u16le(const char* what) {
  need(2, what);
  uint16_t v = static_cast<uint16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
  pos_ += 2;
  return v;
}

uint32_t Reader::u32le(const char* what) {
  need(4, what);
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | data_[pos_ + i];
  pos_ += 4;
  return v;
}

uint64_t Reader::u64le(const char* what) {
  need(8, what);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | data_[pos_ + i];
  pos_ += 8;
  return v;
}

uint16_t Reader::u16be(const char* what) {
  need(2, what);
  uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

uint32_t Reader::u32be(const char* what) {
  need(4, what);
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += 4;
  return v;
}

uint64_t Reader::u64be(const char* what) {
  need(8, what);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += 8;
  return v;
}

uint64_t Reader::compact_size(uint64_t max, const char* what) {
  uint8_t tag = u8(what);
  uint64_t v;
  // Non-minimal encodings are rejected as Bitcoin Core's ReadCompactSize does:
  // otherwise one transaction would have several serializations (malleability).
  if (tag < 0xfd) {
    v = tag;
  } else if (tag == 0xfd) {
    v = u16le(what);
    if (v < 0xfd) throw ChainError(std::string("non-canonical ") + what);
  } else if (tag == 0xfe) {
    v = u32le(what);
    if (v < 0x10000) throw ChainError(std::string("non-canonical ") + what);
  } else {
    v = u64le(what);
    if (v < 0x100000000ULL) throw ChainError(std::string("non-canonical ") + what);
  }
  if (v > max) throw ChainError(std::string(what) + " too large");
  return v;
}

ByteSpan Reader::take(size_t n, const char* what) {
  need(n, what);
  ByteSpan s = data_.subspan(pos_, n);
  pos_ += n;
  return s;
}

Bytes Reader::bytes(size_t n, const char* what) {
  ByteSpan s = take(n, what);
  return Bytes(s.begin(), s.end());
}

Bytes Reader::var_bytes(uint64_t max, const char* what) {
  uint64_t n = compact_size(max, what);
  return bytes(static_cast<size_t>(n), what);
}

Hash256 Reader::hash256(const char* what) {
  ByteSpan s = take(32, what);
  Hash256 h;
  std::copy(s.begin(), s.end(), h.begin());
  return h;
}

void Reader::expect_end(const char* what) const {
  if (!empty()) throw ChainError(std::string("trailing bytes after ") + what);
}

void Writer::u16le(uint16_t v) {
  u8(static_cast<uint8_t>(v));
  u8(static_cast<uint8_t>(v >> 8));
}
void Writer::u32le(uint32_t v) {
  for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}
void Writer::u64le(uint64_t v) {
  for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}
void Writer::u16be(uint16_t v) {
  u8(static_cast<uint8_t>(v >> 8));
  u8(static_cast<uint8_t>(v));
}
void Writer::u32be(uint32_t v) {
  for (int i = 3; i >= 0; --i) u8(static_cast<uint8_t>(v >> (8 * i)));
}
void Writer::u64be(uint64_t v) {
  for (int i = 7; i >= 0; --i) u8(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::compact_size(uint64_t v) {
  if (v < 0xfd) {
    u8(static_cast<uint8_t>(v));
  } else if (v <= 0xffff) {
    u8(0xfd);
    u16le(static_cast<uint16_t>(v));
  } else if (v <= 0xffffffffULL) {
    u8(0xfe);
    u32le(static_cast<uint32_t>(v));
  } else {
    u8(0xff);
    u64le(v);
  }
}

size_t compact_size_len(uint64_t v) {
  if (v < 0xfd) return 1;
  if (v <= 0xffff) return 3;
  if (v <= 0xffffffffULL) return 5;
  return 9;
}

}  // namespace redoubt::chain
