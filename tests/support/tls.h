// TLS for the test Electrum server: a self-signed certificate made at start
// (OpenSSL 3, EC P-256) and the server/client contexts that use it.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace redoubt::testsupport {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// Makes a fresh key and a self-signed certificate (CN `electrum.test`; SAN
// `electrum.test`, `localhost`, IP 127.0.0.1 and `extra_dns` if given; valid
// 30 days), writes the certificate PEM to `cert_path` (so clients can pin it)
// and returns a server context using it.
SslCtxPtr make_self_signed_server_ctx(const std::string& cert_path,
                                      const std::string& extra_dns = "");

// A client context that accepts any certificate: tests of the server's
// framing do not need to verify it (the wallet pins certificates itself).
SslCtxPtr make_insecure_client_ctx();

// The last OpenSSL error as text.
std::string ssl_error_string();

}  // namespace redoubt::testsupport
