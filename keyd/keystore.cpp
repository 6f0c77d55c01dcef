#include "keyd/keystore.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/serialize.h"
#include "keyd/error.h"

namespace redoubt::keyd {
namespace {

using chain::Bytes;
using chain::ByteSpan;
using chain::SecureBytes;

constexpr char kMagic[] = "REDOUBT-KEYSTORE";
constexpr size_t kMagicSize = 16;
constexpr uint16_t kFormatVersion = 1;
constexpr uint8_t kKdfScrypt = 1;
constexpr uint8_t kAeadAes256Gcm = 1;
constexpr size_t kSaltSize = 32;
constexpr size_t kNonceSize = 12;  // the GCM standard nonce (NIST SP 800-38D)
constexpr size_t kTagSize = 16;
constexpr size_t kChecksumSize = 32;
constexpr size_t kHeaderSize =
    kMagicSize + 2 + 1 + 1 + 4 + 4 + kSaltSize + 1 + kNonceSize + 1 + 1 + 4;
// Phrases and passphrases are bounded by chain/'s kMaxSeedTextLength (4 KiB
// each); a file far larger than that is not ours.
constexpr size_t kMaxFileSize = size_t{64} * 1024;
constexpr char kTempName[] = "keystore.tmp";

[[noreturn]] void corrupt(const std::string& why) {
  throw KeydError(ErrorKind::kCorrupt,
                  "the keystore is damaged (" + why +
                      "); it was left untouched: restore from your seed phrase or a backup");
}

[[noreturn]] void io_error(const std::string& what, const std::filesystem::path& p) {
  throw KeydError(ErrorKind::kInternal, what + " " + p.string() + ": " + strerror(errno));
}

struct Header {
  ScryptParams scrypt{};
  uint8_t salt[kSaltSize]{};
  uint8_t nonce[kNonceSize]{};
  SeedType type{};
  chain::Network network{};
  uint32_t ciphertext_size = 0;
};

Bytes encode_header(const Header& h) {
  chain::Writer w;
  w.bytes(chain::as_span(std::string_view(kMagic, kMagicSize)));
  w.u16le(kFormatVersion);
  w.u8(kKdfScrypt);
  w.u8(h.scrypt.log2_n);
  w.u32le(h.scrypt.r);
  w.u32le(h.scrypt.p);
  w.bytes(ByteSpan(h.salt, kSaltSize));
  w.u8(kAeadAes256Gcm);
  w.bytes(ByteSpan(h.nonce, kNonceSize));
  w.u8(static_cast<uint8_t>(h.type));
  w.u8(static_cast<uint8_t>(h.network));
  w.u32le(h.ciphertext_size);
  return w.take();
}

bool valid_type(uint8_t t) {
  return t <= static_cast<uint8_t>(SeedType::kBip39);
}
bool valid_network(uint8_t n) {
  return n <= static_cast<uint8_t>(chain::Network::kRegtest);
}

void check_scrypt(const ScryptParams& s) {
  if (s.log2_n < kMinScryptLog2N || s.log2_n > kMaxScryptLog2N) corrupt("scrypt N out of range");
  if (s.r < 1 || s.r > 32 || s.p < 1 || s.p > 16) corrupt("scrypt r or p out of range");
  uint64_t mem = 128ull * s.r * (1ull << s.log2_n) * s.p;
  if (mem > kMaxScryptMemory) corrupt("scrypt memory cost out of range");
}

// Parses and checks a whole file's bytes up to the point where the password
// is needed. Throws kCorrupt.
Header parse_file(ByteSpan file) {
  if (file.size() < kHeaderSize + kTagSize + kChecksumSize) corrupt("truncated");
  ByteSpan body = file.first(file.size() - kChecksumSize);
  chain::Hash256 sum = chain::sha256(body);
  if (CRYPTO_memcmp(sum.data(), file.data() + body.size(), kChecksumSize) != 0)
    corrupt("checksum mismatch: truncated or altered");
  try {
    chain::Reader r(body);
    if (std::memcmp(r.take(kMagicSize).data(), kMagic, kMagicSize) != 0)
      corrupt("not a Redoubt keystore");
    uint16_t version = r.u16le();
    if (version != kFormatVersion)
      corrupt("format version " + std::to_string(version) + " is not one this keyd reads");
    if (r.u8() != kKdfScrypt) corrupt("unknown key derivation function");
    Header h;
    h.scrypt.log2_n = r.u8();
    h.scrypt.r = r.u32le();
    h.scrypt.p = r.u32le();
    check_scrypt(h.scrypt);
    std::memcpy(h.salt, r.take(kSaltSize).data(), kSaltSize);
    if (r.u8() != kAeadAes256Gcm) corrupt("unknown cipher");
    std::memcpy(h.nonce, r.take(kNonceSize).data(), kNonceSize);
    uint8_t type = r.u8();
    uint8_t net = r.u8();
    if (!valid_type(type)) corrupt("unknown seed type");
    if (!valid_network(net)) corrupt("unknown network");
    h.type = static_cast<SeedType>(type);
    h.network = static_cast<chain::Network>(net);
    h.ciphertext_size = r.u32le();
    if (r.remaining() != static_cast<size_t>(h.ciphertext_size) + kTagSize)
      corrupt("length mismatch");
    return h;
  } catch (const chain::ChainError&) {
    corrupt("truncated header");
  }
}

SecureBytes derive_key(ByteSpan password, const Header& h) {
  SecureBytes key(32);
  uint64_t n = 1ull << h.scrypt.log2_n;
  // maxmem: OpenSSL needs 128*r*(N+p+2) bytes plus change; check_scrypt bounds it.
  uint64_t maxmem = 128ull * h.scrypt.r * (n + h.scrypt.p + 2) + (1u << 20);
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(password.data()), password.size(), h.salt,
                     kSaltSize, n, h.scrypt.r, h.scrypt.p, maxmem, key.data(), key.size()) != 1)
    throw KeydError(ErrorKind::kInternal, "scrypt failed (out of memory?)");
  return key;
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

// AES-256-GCM seal: returns ciphertext || tag.
Bytes seal(const SecureBytes& key, const Header& h, ByteSpan aad, ByteSpan plaintext) {
  CipherCtx c;
  Bytes out(plaintext.size() + kTagSize);
  int len = 0;
  bool ok =
      c.ctx && EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1 &&
      EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, key.data(), h.nonce) == 1 &&
      EVP_EncryptUpdate(c.ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(c.ctx, out.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(c.ctx, out.data() + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagSize, out.data() + plaintext.size()) ==
          1;
  if (!ok) throw KeydError(ErrorKind::kInternal, "AES-256-GCM encryption failed");
  return out;
}

// AES-256-GCM open; false when the tag does not verify.
bool open_sealed(const SecureBytes& key, const Header& h, ByteSpan aad, ByteSpan sealed,
                 SecureBytes& plaintext) {
  CipherCtx c;
  size_t n = sealed.size() - kTagSize;
  plaintext = SecureBytes(n);
  int len = 0;
  if (!c.ctx || EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, key.data(), h.nonce) != 1 ||
      EVP_DecryptUpdate(c.ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(c.ctx, plaintext.data(), &len, sealed.data(), static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagSize,
                          const_cast<uint8_t*>(sealed.data() + n)) != 1)
    throw KeydError(ErrorKind::kInternal, "AES-256-GCM setup failed");
  if (EVP_DecryptFinal_ex(c.ctx, plaintext.data() + len, &len) != 1) {
    plaintext.clear();
    return false;
  }
  return true;
}

void put_u16(SecureBytes& out, size_t v) {
  uint8_t b[2] = {static_cast<uint8_t>(v & 0xff), static_cast<uint8_t>(v >> 8)};
  out.append(ByteSpan(b, 2));
}

SecureBytes encode_plaintext(const SeedMaterial& seed) {
  if (seed.phrase.size() > 0xffff || seed.passphrase.size() > 0xffff)
    throw KeydError(ErrorKind::kUsage, "seed phrase or passphrase too long");
  SecureBytes out;
  uint8_t tn[2] = {static_cast<uint8_t>(seed.type), static_cast<uint8_t>(seed.network)};
  out.append(ByteSpan(tn, 2));
  put_u16(out, seed.phrase.size());
  out.append(seed.phrase.span());
  put_u16(out, seed.passphrase.size());
  out.append(seed.passphrase.span());
  return out;
}

SeedMaterial decode_plaintext(const SecureBytes& p, const Header& h) {
  // Bounds-checked by hand: the bytes are secret, chain::Reader copies into Bytes.
  size_t pos = 0;
  auto need = [&](size_t n) {
    if (p.size() - pos < n) corrupt("decrypted contents malformed");
  };
  auto u16 = [&]() {
    need(2);
    size_t v = p[pos] | (static_cast<size_t>(p[pos + 1]) << 8);
    pos += 2;
    return v;
  };
  need(2);
  if (p[0] != static_cast<uint8_t>(h.type) || p[1] != static_cast<uint8_t>(h.network))
    corrupt("header disagrees with contents");
  pos = 2;
  SeedMaterial seed;
  seed.type = h.type;
  seed.network = h.network;
  size_t n = u16();
  need(n);
  seed.phrase = SecureBytes(p.span().subspan(pos, n));
  pos += n;
  n = u16();
  need(n);
  seed.passphrase = SecureBytes(p.span().subspan(pos, n));
  pos += n;
  if (pos != p.size()) corrupt("decrypted contents malformed");
  return seed;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool read_file(const std::filesystem::path& p, Bytes& out) {
  Fd f;
  f.fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (f.fd < 0) {
    if (errno == ENOENT) return false;
    io_error("cannot open", p);
  }
  struct stat st;
  if (fstat(f.fd, &st) != 0) io_error("cannot stat", p);
  if (!S_ISREG(st.st_mode)) corrupt("not a regular file");
  if (st.st_size > static_cast<off_t>(kMaxFileSize)) corrupt("file too large");
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(f.fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_error("cannot read", p);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return true;
}

void write_all(int fd, ByteSpan data, const std::filesystem::path& p) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) io_error("cannot write", p);
    done += static_cast<size_t>(n);
  }
}

// Temp file, fsync, rename over the target, fsync the directory: after a
// crash the directory holds either the old file or the new one, never a mix.
// The calls are the ones keyd's seccomp policy allows (policies/keyd.cpp:
// openat, unlinkat, mkdirat, rename, fsync); glibc's unlink() and mkdir()
// would use the unlink and mkdir syscalls, which it kills.
void write_atomically(const std::filesystem::path& dir, const std::filesystem::path& target,
                      ByteSpan data) {
  std::filesystem::path tmp = dir / kTempName;
  ::unlinkat(AT_FDCWD, tmp.c_str(), 0);  // a leftover from an interrupted write
  {
    Fd f;
    f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f.fd < 0) io_error("cannot create", tmp);
    write_all(f.fd, data, tmp);
    if (::fsync(f.fd) != 0) {
      ::unlinkat(AT_FDCWD, tmp.c_str(), 0);
      io_error("cannot fsync", tmp);
    }
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    ::unlinkat(AT_FDCWD, tmp.c_str(), 0);
    io_error("cannot rename into", target);
  }
  Fd d;
  d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d.fd < 0 || ::fsync(d.fd) != 0) io_error("cannot fsync directory", dir);
}

void ensure_private_dir(const std::filesystem::path& dir) {
  if (::mkdirat(AT_FDCWD, dir.c_str(), 0700) != 0 && errno != EEXIST)
    io_error("cannot create", dir);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) io_error("cannot stat", dir);
  if (!S_ISDIR(st.st_mode))
    throw KeydError(ErrorKind::kInternal, dir.string() + " is not a directory");
  // Keep other users out even if something created it with a wider mode.
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) io_error("cannot chmod", dir);
}

}  // namespace

Keystore::Keystore(std::filesystem::path dir, ScryptParams scrypt)
    : dir_(std::move(dir)), file_(dir_ / "keystore"), scrypt_(scrypt) {}

bool Keystore::exists() const {
  struct stat st;
  return ::lstat(file_.c_str(), &st) == 0;
}

std::optional<KeystoreInfo> Keystore::info() const {
  Bytes file;
  if (!read_file(file_, file)) return std::nullopt;
  Header h = parse_file(file);
  return KeystoreInfo{h.type, h.network, h.scrypt};
}

void Keystore::create(const SeedMaterial& seed, ByteSpan password) const {
  ensure_private_dir(dir_);
  if (exists())
    throw KeydError(ErrorKind::kExists, "a keystore already exists at " + file_.string() +
                                            "; keyd never overwrites one (move it away first)");
  write(seed, password);
}

void Keystore::write(const SeedMaterial& seed, ByteSpan password) const {
  if (password.empty()) throw KeydError(ErrorKind::kUsage, "the password must not be empty");
  Header h;
  h.scrypt = scrypt_;
  h.type = seed.type;
  h.network = seed.network;
  if (RAND_bytes(h.salt, kSaltSize) != 1 || RAND_bytes(h.nonce, kNonceSize) != 1)
    throw KeydError(ErrorKind::kInternal, "no randomness from OpenSSL");
  SecureBytes plain = encode_plaintext(seed);
  h.ciphertext_size = static_cast<uint32_t>(plain.size());
  Bytes file = encode_header(h);
  SecureBytes key = derive_key(password, h);
  Bytes sealed = seal(key, h, file, plain.span());
  file.insert(file.end(), sealed.begin(), sealed.end());
  chain::Hash256 sum = chain::sha256(file);
  file.insert(file.end(), sum.begin(), sum.end());
  ensure_private_dir(dir_);
  write_atomically(dir_, file_, file);
}

SeedMaterial Keystore::open(ByteSpan password) const {
  Bytes file;
  if (!read_file(file_, file))
    throw KeydError(ErrorKind::kNoKeystore, "there is no keystore yet: create or restore a wallet");
  Header h = parse_file(file);
  SecureBytes key = derive_key(password, h);
  ByteSpan aad(file.data(), kHeaderSize);
  ByteSpan sealed(file.data() + kHeaderSize, h.ciphertext_size + kTagSize);
  SecureBytes plain;
  if (!open_sealed(key, h, aad, sealed, plain))
    throw KeydError(ErrorKind::kBadPassword, "wrong password");
  return decode_plaintext(plain, h);
}

void Keystore::change_password(ByteSpan old_password, ByteSpan new_password) const {
  SeedMaterial seed = open(old_password);
  write(seed, new_password);
}

}  // namespace redoubt::keyd
