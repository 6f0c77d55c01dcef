// The byte stream to one Electrum server: a socket to the proxy (a Unix
// socket, or TCP to an IP literal; direct only in transproxy/none mode), the
// SOCKS5 CONNECT by hostname, then TLS with certificate pinning for "s"
// servers. Never resolves a name: there is no getaddrinfo in netd.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>

#include "netd/io.h"
#include "netd/proxy.h"
#include "netd/servers.h"
#include "netd/socks5.h"

namespace redoubt::netd {

struct TransportOptions {
  ProxyChoice proxy;
  ServerAddress server;
  SocksCredentials credentials;  // used for the SOCKS proxy kinds
  ByteVec pinned_certificate;    // DER; empty = trust on first use
  std::chrono::milliseconds connect_timeout{60'000};
};

// Connects a socket to the proxy (or, for transproxy/none, to the server's
// IP literal). Fails closed with a NetError naming the proxy and its source.
Fd connect_first_hop(const ProxyChoice& proxy, const ServerAddress& server, Deadline d);

// Initialises OpenSSL (its config, providers, the DRBG) before confinement:
// first use reads files and calls sysinfo(), which the netd seccomp policy
// forbids once applied (the OpenSSH privsep pattern of warming up first).
void prewarm_tls();

class Transport {
 public:
  // Connects, tunnels and (for tls) handshakes and checks the pin.
  static std::unique_ptr<Transport> open(const TransportOptions& opts);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int fd() const { return fd_.get(); }
  // Non-blocking read: bytes read, or 0 when nothing is available now.
  // Throws NetError when the server closed the connection or it broke.
  size_t read_some(char* buf, size_t n);
  // True when TLS holds decrypted bytes that poll() cannot see.
  bool pending() const;
  // True when the last read needs the socket writable (TLS renegotiation).
  bool wants_write() const { return want_write_; }
  void write_all(const std::string& data, Deadline d);
  // The server's leaf certificate (DER); empty for plain connections.
  const ByteVec& certificate() const { return certificate_; }

 private:
  Transport() = default;
  Fd fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool want_write_ = false;
  ByteVec certificate_;
};

}  // namespace redoubt::netd
