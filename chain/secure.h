// Memory for secrets (private keys, seeds, passphrases): locked out of swap,
// excluded from core dumps, wiped on release; plus the process-wide
// libsecp256k1 context every key operation uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "chain/bytes.h"

struct secp256k1_context_struct;

namespace redoubt::chain {

// A byte buffer whose storage is mlock'ed (never written to swap), marked
// MADV_DONTDUMP and wiped with OPENSSL_cleanse whenever it is released or
// resized. It cannot be copied by accident: clone() makes the copy visible.
// Moves leave the source empty. Not thread-safe per object; the allocator
// behind it is.
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t size);  // zero-filled
  explicit SecureBytes(ByteSpan data);
  // Copies a string's bytes (phrases, passphrases). The caller still owns
  // and must wipe the source if it was secret.
  static SecureBytes from_string(std::string_view s) { return SecureBytes(as_span(s)); }
  ~SecureBytes();

  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;
  SecureBytes(SecureBytes&& other) noexcept;
  SecureBytes& operator=(SecureBytes&& other) noexcept;

  SecureBytes clone() const { return SecureBytes(span()); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteSpan span() const { return {data_, size_}; }
  std::span<uint8_t> mutable_span() { return {data_, size_}; }
  // The bytes as text (for phrases kept in secure memory).
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  uint8_t& operator[](size_t i) { return data_[i]; }
  uint8_t operator[](size_t i) const { return data_[i]; }

  // New size; existing bytes are kept up to the new size, new bytes are zero,
  // and the old storage is wiped before it is released.
  void resize(size_t size);
  void append(ByteSpan data);
  void clear();  // wipe and release

  // False when mlock failed for this buffer's storage (RLIMIT_MEMLOCK): the
  // bytes are still wiped, but may reach swap.
  bool locked() const { return locked_; }

  // Constant-time comparison (CRYPTO_memcmp): for secrets.
  bool equals(ByteSpan other) const;

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool locked_ = false;
};

// What the secure allocator has done so far, for `redoubt audit` and tests.
struct SecureMemoryStats {
  size_t locked_bytes = 0;   // bytes of pages held locked by the pool
  size_t lock_failures = 0;  // mlock calls that failed (RLIMIT_MEMLOCK)
  size_t live_buffers = 0;   // SecureBytes currently holding storage
};
SecureMemoryStats secure_memory_stats();

// Wipes a buffer the caller owns (a std::string or Bytes that briefly held a
// secret): OPENSSL_cleanse, which the compiler may not elide.
void secure_wipe(std::span<uint8_t> data);
void secure_wipe(std::string& s);

// The process-wide libsecp256k1 context, created on first use and randomized
// (secp256k1_context_randomize, blinding against side channels) with 32
// bytes from OpenSSL's RAND_bytes. libsecp256k1 functions taking a const
// context are thread-safe, so one context serves every thread.
const secp256k1_context_struct* secp_context();

}  // namespace redoubt::chain
