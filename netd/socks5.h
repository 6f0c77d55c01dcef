// SOCKS5 client (RFC 1928) with username/password authentication (RFC 1929):
// CONNECT by hostname (ATYP 0x03, never resolved here), random per-stream
// credentials for Tor's IsolateSOCKSAuth, and reply codes in plain words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "netd/io.h"

namespace redoubt::netd {

using ByteVec = std::vector<uint8_t>;

struct SocksCredentials {
  std::string username;
  std::string password;
  bool operator==(const SocksCredentials&) const = default;
};

// 16 random bytes (OpenSSL RAND_bytes) as hex for each of username and
// password: a fresh identity Tor isolates onto its own circuit.
SocksCredentials random_credentials();

// Client greeting: version 5, one method, 0x02 (username/password). We offer
// nothing else, so a proxy cannot silently drop the isolation credentials.
ByteVec build_greeting();
// RFC 1929 sub-negotiation. Username and password are 1..255 bytes.
ByteVec build_auth(const SocksCredentials& c);
// CONNECT request, ATYP 0x03 with `host` as given (a name, a .onion, or an IP
// string: Tor parses it, we do not). Throws UsageError for an empty host,
// one longer than 255 bytes or with bytes outside [A-Za-z0-9.-_:].
ByteVec build_connect(std::string_view host, uint16_t port);

// Checks the 2-byte method selection and auth replies; throw NetError.
void check_method_reply(const uint8_t reply[2]);
void check_auth_reply(const uint8_t reply[2]);

// The CONNECT reply parser, a pure function over bytes (fuzzed):
// VER REP RSV ATYP BND.ADDR BND.PORT, with BND.ADDR's length given by ATYP
// (4, 16, or 1 + its length byte). Never reads past `data`.
struct ConnectReply {
  enum class State { incomplete, complete, malformed } state = State::incomplete;
  size_t need = 0;      // incomplete: total bytes needed to know more
  size_t consumed = 0;  // complete: bytes of the reply
  uint8_t code = 0xff;  // complete: REP
  std::string error;    // malformed: why
};
ConnectReply parse_connect_reply(const uint8_t* data, size_t size);

// A sentence a user understands for a REP code, including Tor's onion
// service codes 0xF0-0xF7 (tor's doc/socks-extensions.txt).
std::string socks_reply_message(uint8_t code);

// Runs greeting, authentication and CONNECT on a connected non-blocking fd.
// On success the fd carries the tunnelled stream. Throws NetError with the
// mapped reply message on refusal, timeout or a malformed reply.
void socks5_connect(int fd, std::string_view host, uint16_t port, const SocksCredentials& creds,
                    Deadline deadline);

}  // namespace redoubt::netd
