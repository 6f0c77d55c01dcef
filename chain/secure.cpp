#include "chain/secure.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "chain/error.h"

namespace redoubt::chain {
namespace {

// A small slab allocator over locked pages. Each secret gets a chunk of a
// size class inside a page that stays mlock'ed for the life of the process:
// mlock works on whole pages and munlock would unlock neighbours, and
// RLIMIT_MEMLOCK (often 64 KiB-8 MiB) would not allow one page per 32-byte
// key. Large buffers (> kMaxChunk) get pages of their own.
constexpr std::array<size_t, 8> kClasses = {16, 32, 64, 128, 256, 512, 1024, 2048};
constexpr size_t kMaxChunk = kClasses.back();

struct Allocation {
  uint8_t* ptr = nullptr;
  bool locked = false;
};

class LockedPool {
 public:
  Allocation allocate(size_t size) {
    std::lock_guard<std::mutex> guard(mu_);
    ++stats_.live_buffers;
    if (size > kMaxChunk) return allocate_pages(size);
    size_t cls = class_of(size);
    if (free_[cls].empty()) add_slab(cls);
    uint8_t* p = free_[cls].back();
    free_[cls].pop_back();
    return {p, page_locked_.at(page_of(p))};
  }

  void release(uint8_t* p, size_t size) {
    std::lock_guard<std::mutex> guard(mu_);
    --stats_.live_buffers;
    if (size > kMaxChunk) {
      size_t len = round_pages(size);
      OPENSSL_cleanse(p, len);
      if (page_locked_.at(page_of(p))) {
        munlock(p, len);
        stats_.locked_bytes -= len;
      }
      page_locked_.erase(page_of(p));
      munmap(p, len);
      return;
    }
    size_t cls = class_of(size);
    OPENSSL_cleanse(p, kClasses[cls]);
    free_[cls].push_back(p);
  }

  SecureMemoryStats stats() {
    std::lock_guard<std::mutex> guard(mu_);
    return stats_;
  }

 private:
  static size_t page_size() {
    static const size_t ps = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return ps;
  }
  static uintptr_t page_of(const uint8_t* p) {
    return reinterpret_cast<uintptr_t>(p) & ~(static_cast<uintptr_t>(page_size()) - 1);
  }
  static size_t round_pages(size_t n) { return (n + page_size() - 1) / page_size() * page_size(); }
  static size_t class_of(size_t size) {
    for (size_t i = 0; i < kClasses.size(); ++i) {
      if (size <= kClasses[i]) return i;
    }
    return kClasses.size() - 1;  // unreachable: callers check kMaxChunk
  }

  // Maps `len` bytes, excludes them from core dumps and tries to lock them.
  uint8_t* map_locked(size_t len, bool* locked) {
    void* m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    madvise(m, len, MADV_DONTDUMP);
    // mlock failing (RLIMIT_MEMLOCK) is not fatal: the secret is still wiped
    // on release; the failure is counted so the process can report it.
    *locked = mlock(m, len) == 0;
    if (*locked) {
      stats_.locked_bytes += len;
    } else {
      ++stats_.lock_failures;
    }
    return static_cast<uint8_t*>(m);
  }

  Allocation allocate_pages(size_t size) {
    bool locked = false;
    uint8_t* p = map_locked(round_pages(size), &locked);
    page_locked_[page_of(p)] = locked;
    return {p, locked};
  }

  void add_slab(size_t cls) {
    size_t len = std::max(page_size(), kClasses[cls]);
    bool locked = false;
    uint8_t* base = map_locked(len, &locked);
    for (size_t off = 0; off < len; off += page_size()) page_locked_[page_of(base + off)] = locked;
    for (size_t off = len; off >= kClasses[cls]; off -= kClasses[cls]) {
      free_[cls].push_back(base + off - kClasses[cls]);
    }
  }

  std::mutex mu_;
  std::array<std::vector<uint8_t*>, kClasses.size()> free_;
  std::unordered_map<uintptr_t, bool> page_locked_;
  SecureMemoryStats stats_;
};

LockedPool& pool() {
  // Never destroyed: SecureBytes with static storage duration may be
  // released after a function-local static would be.
  static LockedPool* p = new LockedPool();
  return *p;
}

}  // namespace

SecureBytes::SecureBytes(size_t size) : size_(size) {
  if (size_ == 0) return;
  Allocation a = pool().allocate(size_);
  data_ = a.ptr;
  locked_ = a.locked;
  std::memset(data_, 0, size_);
}

SecureBytes::SecureBytes(ByteSpan data) : SecureBytes(data.size()) {
  if (!data.empty() && data_ != nullptr) std::memcpy(data_, data.data(), data.size());
}

SecureBytes::~SecureBytes() {
  clear();
}

SecureBytes::SecureBytes(SecureBytes&& other) noexcept
    : data_(other.data_), size_(other.size_), locked_(other.locked_) {
  other.data_ = nullptr;
  other.size_ = 0;
  other.locked_ = false;
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
  if (this != &other) {
    clear();
    data_ = other.data_;
    size_ = other.size_;
    locked_ = other.locked_;
    other.data_ = nullptr;
    other.size_ = 0;
    other.locked_ = false;
  }
  return *this;
}

void SecureBytes::clear() {
  if (data_ != nullptr) pool().release(data_, size_);
  data_ = nullptr;
  size_ = 0;
  locked_ = false;
}

void SecureBytes::resize(size_t size) {
  if (size == size_) return;
  SecureBytes next(size);
  if (size_ != 0 && size != 0) std::memcpy(next.data_, data_, std::min(size, size_));
  *this = std::move(next);  // the old storage is wiped on release
}

void SecureBytes::append(ByteSpan data) {
  if (data.empty()) return;
  size_t old = size_;
  // Copy first: `data` may alias this buffer, which resize() releases.
  SecureBytes tail(data);
  resize(old + tail.size());
  std::memcpy(data_ + old, tail.data(), tail.size());
}

bool SecureBytes::equals(ByteSpan other) const {
  if (other.size() != size_) return false;
  if (size_ == 0) return true;
  return CRYPTO_memcmp(data_, other.data(), size_) == 0;
}

SecureMemoryStats secure_memory_stats() {
  return pool().stats();
}

void secure_wipe(std::span<uint8_t> data) {
  if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
}

void secure_wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

const secp256k1_context_struct* secp_context() {
  static const secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (c == nullptr) throw ChainError("cannot create the secp256k1 context");
    std::array<uint8_t, 32> seed{};
    if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1 ||
        secp256k1_context_randomize(c, seed.data()) != 1) {
      OPENSSL_cleanse(seed.data(), seed.size());
      secp256k1_context_destroy(c);
      throw ChainError("cannot randomize the secp256k1 context");
    }
    OPENSSL_cleanse(seed.data(), seed.size());
    return c;
  }();
  return ctx;
}

}  // namespace redoubt::chain
