#include "tests/support/tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace redoubt::testsupport {

std::string ssl_error_string() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "no OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

namespace {
[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("tls: ") + what + ": " + ssl_error_string());
}

void add_ext(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) fail("extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}
}  // namespace

SslCtxPtr make_self_signed_server_ctx(const std::string& cert_path, const std::string& extra_dns) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) fail("key generation");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("electrum.test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:electrum.test,DNS:localhost,IP:127.0.0.1";
  if (!extra_dns.empty()) san += ",DNS:" + extra_dns;
  add_ext(cert.get(), NID_subject_alt_name, san.c_str());
  add_ext(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("X509_sign");

  if (FILE* f = std::fopen(cert_path.c_str(), "w")) {
    PEM_write_X509(f, cert.get());
    std::fclose(f);
  } else {
    throw std::runtime_error("tls: cannot write " + cert_path);
  }

  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) fail("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1) fail("use_certificate");
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) fail("use_PrivateKey");
  // Partial writes let the non-blocking session loop flush a large reply
  // piece by piece.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

SslCtxPtr make_insecure_client_ctx() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) fail("SSL_CTX_new");
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  return ctx;
}

}  // namespace redoubt::testsupport
