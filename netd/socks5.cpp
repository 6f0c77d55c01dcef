#include "netd/socks5.h"

#include <openssl/rand.h>

#include "chain/bytes.h"
#include "netd/error.h"

namespace redoubt::netd {
namespace {

constexpr uint8_t kVersion = 0x05;
constexpr uint8_t kMethodUserPass = 0x02;
constexpr uint8_t kMethodNoneAcceptable = 0xff;
constexpr uint8_t kAuthVersion = 0x01;  // RFC 1929 sub-negotiation version
constexpr uint8_t kCmdConnect = 0x01;
constexpr uint8_t kAtypIpv4 = 0x01, kAtypDomain = 0x03, kAtypIpv6 = 0x04;

std::string random_hex16() {
  uint8_t buf[16];
  if (RAND_bytes(buf, sizeof buf) != 1) throw NetError("no randomness for SOCKS credentials");
  return chain::to_hex(chain::ByteSpan(buf, sizeof buf));
}

bool host_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == ':';
}

}  // namespace

SocksCredentials random_credentials() {
  return {random_hex16(), random_hex16()};
}

ByteVec build_greeting() {
  return {kVersion, 0x01, kMethodUserPass};
}

ByteVec build_auth(const SocksCredentials& c) {
  if (c.username.empty() || c.username.size() > 255 || c.password.empty() ||
      c.password.size() > 255) {
    throw UsageError("SOCKS username and password must be 1 to 255 bytes");
  }
  ByteVec out;
  out.reserve(3 + c.username.size() + c.password.size());
  out.push_back(kAuthVersion);
  out.push_back(static_cast<uint8_t>(c.username.size()));
  for (char ch : c.username) out.push_back(static_cast<uint8_t>(ch));
  out.push_back(static_cast<uint8_t>(c.password.size()));
  for (char ch : c.password) out.push_back(static_cast<uint8_t>(ch));
  return out;
}

ByteVec build_connect(std::string_view host, uint16_t port) {
  if (host.empty() || host.size() > 255) {
    throw UsageError("server host name must be 1 to 255 bytes");
  }
  for (char c : host) {
    if (!host_char_ok(c)) throw UsageError("server host name contains an invalid character");
  }
  ByteVec out;
  out.reserve(5 + host.size() + 2);
  for (uint8_t b : {kVersion, kCmdConnect, uint8_t{0x00}, kAtypDomain}) out.push_back(b);
  out.push_back(static_cast<uint8_t>(host.size()));
  for (char c : host) out.push_back(static_cast<uint8_t>(c));
  out.push_back(static_cast<uint8_t>(port >> 8));
  out.push_back(static_cast<uint8_t>(port & 0xff));
  return out;
}

void check_method_reply(const uint8_t r[2]) {
  if (r[0] != kVersion) throw NetError("the proxy does not speak SOCKS5");
  if (r[1] == kMethodNoneAcceptable) {
    throw NetError("the proxy refused username/password authentication (needed for isolation)");
  }
  if (r[1] != kMethodUserPass)
    throw NetError("the proxy chose an authentication method we did not offer");
}

void check_auth_reply(const uint8_t r[2]) {
  if (r[0] != kAuthVersion) throw NetError("the proxy sent a malformed authentication reply");
  if (r[1] != 0x00) throw NetError("the proxy rejected the SOCKS username/password");
}

ConnectReply parse_connect_reply(const uint8_t* data, size_t size) {
  ConnectReply r;
  auto incomplete = [&](size_t need) {
    r.state = ConnectReply::State::incomplete;
    r.need = need;
    return r;
  };
  auto malformed = [&](const char* why) {
    r.state = ConnectReply::State::malformed;
    r.error = why;
    return r;
  };
  if (size < 4) return incomplete(4);
  if (data[0] != kVersion) return malformed("the proxy's reply is not SOCKS5");
  if (data[2] != 0x00) return malformed("the proxy's reply has a non-zero reserved byte");
  size_t addr_len = 0;
  size_t header = 4;
  switch (data[3]) {
    case kAtypIpv4:
      addr_len = 4;
      break;
    case kAtypIpv6:
      addr_len = 16;
      break;
    case kAtypDomain:
      if (size < 5) return incomplete(5);
      addr_len = data[4];
      header = 5;
      break;
    default:
      return malformed("the proxy's reply has an unknown address type");
  }
  size_t total = header + addr_len + 2;  // + BND.PORT; at most 5 + 255 + 2
  if (size < total) return incomplete(total);
  r.state = ConnectReply::State::complete;
  r.consumed = total;
  r.code = data[1];
  return r;
}

std::string socks_reply_message(uint8_t code) {
  switch (code) {
    case 0x00:
      return "succeeded";
    case 0x01:
      return "Tor reported a general failure: it could not build a circuit or the server "
             "refused or did not answer (check the server address and port, and that tor is "
             "connected: its log says; then try again)";
    case 0x02:
      return "the proxy's rules do not allow this connection";
    case 0x03:
      return "network unreachable: Tor could not reach the server's network";
    case 0x04:
      return "host unreachable: the server could not be found or reached through Tor";
    case 0x05:
      return "connection refused by the server";
    case 0x06:
      return "the connection timed out inside Tor (TTL expired); the server or the Tor network "
             "is slow or down: try again later or choose another server";
    case 0x07:
      return "the proxy does not support the CONNECT command";
    case 0x08:
      return "the proxy does not support host names (address type not supported)";
    case 0xf0:
      return "onion service not found: its descriptor is not published (the service may be "
             "offline)";
    case 0xf1:
      return "onion service descriptor is invalid";
    case 0xf2:
      return "onion service introduction failed (the service may be overloaded or offline)";
    case 0xf3:
      return "onion service rendezvous failed";
    case 0xf4:
      return "onion service requires client authorization, which is not configured";
    case 0xf5:
      return "onion service rejected the client authorization";
    case 0xf6:
      return "bad onion address (wrong format or checksum)";
    case 0xf7:
      return "onion service introduction timed out";
    default:
      return "the proxy refused the connection (unknown SOCKS reply code " + std::to_string(code) +
             ")";
  }
}

void socks5_connect(int fd, std::string_view host, uint16_t port, const SocksCredentials& creds,
                    Deadline deadline) {
  // Build everything first so a bad host fails before any byte is sent.
  ByteVec connect = build_connect(host, port);
  ByteVec greeting = build_greeting();
  ByteVec auth = build_auth(creds);
  const char* what = "SOCKS handshake with the proxy";
  write_all(fd, greeting.data(), greeting.size(), deadline, what);
  uint8_t two[2];
  read_exact(fd, two, 2, deadline, what);
  check_method_reply(two);
  write_all(fd, auth.data(), auth.size(), deadline, what);
  read_exact(fd, two, 2, deadline, what);
  check_auth_reply(two);
  write_all(fd, connect.data(), connect.size(), deadline, what);
  // Read exactly the reply and not one byte of the tunnelled stream after it.
  uint8_t buf[5 + 255 + 2];
  size_t have = 0;
  for (;;) {
    ConnectReply r = parse_connect_reply(buf, have);
    if (r.state == ConnectReply::State::malformed) throw NetError(r.error);
    if (r.state == ConnectReply::State::complete) {
      if (r.code != 0x00) {
        throw NetError("proxy could not connect to " + std::string(host) + ":" +
                       std::to_string(port) + ": " + socks_reply_message(r.code));
      }
      return;
    }
    read_exact(fd, buf + have, r.need - have, deadline, what);
    have = r.need;
  }
}

}  // namespace redoubt::netd
