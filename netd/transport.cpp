#include "netd/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>

#include "netd/error.h"

namespace redoubt::netd {
namespace {

std::string ssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "no details";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// Non-blocking connect with a deadline; `addr` is already numeric.
Fd connect_addr(int family, const sockaddr* addr, socklen_t len, Deadline d,
                const std::string& what) {
  Fd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw NetError(what + ": socket() failed: " + std::strerror(errno));
  if (::connect(fd.get(), addr, len) == 0) return fd;
  if (errno != EINPROGRESS && errno != EAGAIN) {
    throw NetError(what + ": " + std::strerror(errno));
  }
  wait_fd(fd.get(), POLLOUT, d, what.c_str());
  int err = 0;
  socklen_t elen = sizeof err;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen) != 0) err = errno;
  if (err != 0) throw NetError(what + ": " + std::strerror(err));
  return fd;
}

Fd connect_ip(const std::string& ip, unsigned port, Deadline d, const std::string& what) {
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  // inet_pton parses numerals only: no name is ever looked up here.
  if (inet_pton(AF_INET, ip.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(port));
    return connect_addr(AF_INET, reinterpret_cast<sockaddr*>(&v4), sizeof v4, d, what);
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(port));
    return connect_addr(AF_INET6, reinterpret_cast<sockaddr*>(&v6), sizeof v6, d, what);
  }
  throw NetError(what + ": \"" + ip + "\" is not an IP address and netd does not resolve names");
}

Fd connect_unix_path(const std::string& path, Deadline d, const std::string& what) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  if (path.size() >= sizeof un.sun_path) throw NetError(what + ": socket path too long");
  std::memcpy(un.sun_path, path.data(), path.size());
  return connect_addr(AF_UNIX, reinterpret_cast<sockaddr*>(&un), sizeof un, d, what);
}

}  // namespace

void prewarm_tls() {
  OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) throw NetError("TLS setup failed: " + ssl_error());
  SSL* ssl = SSL_new(ctx);  // cipher lists and groups are resolved here
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  random_credentials();  // seeds the DRBG
}

Fd connect_first_hop(const ProxyChoice& proxy, const ServerAddress& server, Deadline d) {
  const std::string what =
      "cannot reach the Tor SOCKS proxy at " + proxy.address + " (proxy from " + proxy.source + ")";
  // What the user can do about it; the error itself says why (no such file,
  // refused, permission denied).
  const std::string advice =
      ". Is tor running? Start it, or point --proxy or TOR_SOCKS_IPC_PATH at its SocksPort; "
      "Redoubt does not connect without it";
  switch (proxy.kind) {
    case ProxyKind::unix_socket:
      try {
        return connect_unix_path(proxy.address, d, what);
      } catch (const NetError& e) {
        throw NetError(e.what() + advice);
      }
    case ProxyKind::tcp:
      try {
        return connect_ip(proxy.host, proxy.port, d, what);
      } catch (const NetError& e) {
        throw NetError(e.what() + advice);
      }
    case ProxyKind::transproxy:
    case ProxyKind::none:
      // Direct: the server must be an IP literal, because resolving its name
      // here would be a DNS leak (under transproxy the OS torifies TCP, not
      // our resolver's choice of server).
      if (!is_ip_literal(server.host)) {
        throw NetError(std::string("in ") + to_string(proxy.kind) +
                       " mode netd connects directly and never resolves names: server " +
                       server.host + " needs a SOCKS proxy (or give its IP address)");
      }
      return connect_ip(server.host, server.port, d, "cannot connect to " + to_string(server));
  }
  throw NetError("unknown proxy kind");
}

std::unique_ptr<Transport> Transport::open(const TransportOptions& o) {
  Deadline d = Clock::now() + o.connect_timeout;
  std::unique_ptr<Transport> t(new Transport());
  t->fd_ = connect_first_hop(o.proxy, o.server, d);
  if (o.proxy.kind == ProxyKind::unix_socket || o.proxy.kind == ProxyKind::tcp) {
    socks5_connect(t->fd_.get(), o.server.host, o.server.port, o.credentials, d);
  }
  if (!o.server.tls) return t;

  t->ctx_ = SSL_CTX_new(TLS_client_method());
  if (!t->ctx_) throw NetError("TLS setup failed: " + ssl_error());
  SSL_CTX_set_min_proto_version(t->ctx_, TLS1_2_VERSION);
  // Electrum servers use self-signed certificates; trust comes from the pin
  // (trust on first use, stored by the broker), checked below, not from a CA.
  SSL_CTX_set_verify(t->ctx_, SSL_VERIFY_NONE, nullptr);
  t->ssl_ = SSL_new(t->ctx_);
  if (!t->ssl_ || SSL_set_fd(t->ssl_, t->fd_.get()) != 1) {
    throw NetError("TLS setup failed: " + ssl_error());
  }
  // SNI carries the host name; never for an onion (it would only repeat what
  // Tor already hides from no one) nor an IP literal (RFC 6066 forbids it).
  if (!is_onion(o.server.host) && !is_ip_literal(o.server.host)) {
    SSL_set_tlsext_host_name(t->ssl_, o.server.host.c_str());
  }
  const std::string what = "TLS handshake with " + to_string(o.server);
  for (;;) {
    int r = SSL_connect(t->ssl_);
    if (r == 1) break;
    int err = SSL_get_error(t->ssl_, r);
    if (err == SSL_ERROR_WANT_READ) {
      wait_fd(t->fd_.get(), POLLIN, d, what.c_str());
    } else if (err == SSL_ERROR_WANT_WRITE) {
      wait_fd(t->fd_.get(), POLLOUT, d, what.c_str());
    } else {
      throw NetError(what + " failed: " + ssl_error());
    }
  }
  X509* cert = SSL_get1_peer_certificate(t->ssl_);
  if (!cert) throw NetError(what + ": the server sent no certificate");
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  X509_free(cert);
  if (len <= 0) throw NetError(what + ": cannot encode the server certificate");
  t->certificate_.assign(der, der + len);
  OPENSSL_free(der);
  if (!o.pinned_certificate.empty() && o.pinned_certificate != t->certificate_) {
    throw NetError("the TLS certificate of " + to_string(o.server) +
                   " changed since it was first seen; refusing the connection (if the "
                   "server operator replaced it, remove the stored certificate to trust the "
                   "new one)");
  }
  return t;
}

Transport::~Transport() {
  if (ssl_) SSL_free(ssl_);  // no close_notify: the socket simply closes
  if (ctx_) SSL_CTX_free(ctx_);
}

size_t Transport::read_some(char* buf, size_t n) {
  want_write_ = false;
  if (!ssl_) {
    for (;;) {
      ssize_t r = ::recv(fd_.get(), buf, n, 0);
      if (r > 0) return static_cast<size_t>(r);
      if (r == 0) throw NetError("the server closed the connection");
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      throw NetError(std::string("the connection broke: ") + std::strerror(errno));
    }
  }
  size_t got = 0;
  if (SSL_read_ex(ssl_, buf, n, &got) == 1) return got;
  switch (SSL_get_error(ssl_, 0)) {
    case SSL_ERROR_WANT_READ:
      return 0;
    case SSL_ERROR_WANT_WRITE:
      want_write_ = true;
      return 0;
    case SSL_ERROR_ZERO_RETURN:
      throw NetError("the server closed the connection");
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) throw NetError("the server closed the connection");
      [[fallthrough]];
    default:
      throw NetError("TLS error: " + ssl_error());
  }
}

bool Transport::pending() const {
  return ssl_ && SSL_pending(ssl_) > 0;
}

void Transport::write_all(const std::string& data, Deadline d) {
  const char* what = "sending to the server";
  if (!ssl_) {
    netd::write_all(fd_.get(), reinterpret_cast<const uint8_t*>(data.data()), data.size(), d, what);
    return;
  }
  size_t done = 0;
  while (done < data.size()) {
    size_t w = 0;
    if (SSL_write_ex(ssl_, data.data() + done, data.size() - done, &w) == 1) {
      done += w;
      continue;
    }
    switch (SSL_get_error(ssl_, 0)) {
      case SSL_ERROR_WANT_WRITE:
        wait_fd(fd_.get(), POLLOUT, d, what);
        break;
      case SSL_ERROR_WANT_READ:
        wait_fd(fd_.get(), POLLIN, d, what);
        break;
      default:
        throw NetError("TLS error while sending: " + ssl_error());
    }
  }
}

}  // namespace redoubt::netd
