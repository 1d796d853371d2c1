#include "kop/testing/internal/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

absl::Status OpenSslError(const char* what) {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return absl::InternalError(kop::StrCat("generating TLS material: ", what, ": ", buf));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

absl::StatusOr<Cert> NewCert(EVP_PKEY* key, const char* common_name) {
  Cert cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("kop"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  return cert;
}

std::string Pem(X509* cert) {
  std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string Pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

absl::StatusOr<TlsMaterial> GenerateTlsMaterial(const std::string& address) {
  Key ca_key(EVP_EC_gen("P-256"));
  Key server_key(EVP_EC_gen("P-256"));
  if (!ca_key || !server_key) return OpenSslError("EVP_EC_gen");

  absl::StatusOr<Cert> ca = NewCert(ca_key.get(), "kop-apiserver-ca");
  if (!ca.ok()) return ca.status();
  X509_set_issuer_name(ca->get(), X509_get_subject_name(ca->get()));
  if (!AddExtension(ca->get(), ca->get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(ca->get(), ca->get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExtension(ca->get(), ca->get(), NID_subject_key_identifier, "hash")) {
    return OpenSslError("CA extensions");
  }
  if (X509_sign(ca->get(), ca_key.get(), EVP_sha256()) == 0) return OpenSslError("signing the CA");

  absl::StatusOr<Cert> server = NewCert(server_key.get(), "kop-apiserver");
  if (!server.ok()) return server.status();
  X509_set_issuer_name(server->get(), X509_get_subject_name(ca->get()));
  std::string san = "IP:127.0.0.1,DNS:localhost";
  if (!address.empty() && address != "127.0.0.1" && address != "localhost" &&
      address != "0.0.0.0") {
    const bool ip = address.find_first_not_of("0123456789.") == std::string::npos;
    san += kop::StrCat(",", ip ? "IP:" : "DNS:", address);
  }
  if (!AddExtension(server->get(), ca->get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(server->get(), ca->get(), NID_key_usage,
                    "critical,digitalSignature,keyEncipherment") ||
      !AddExtension(server->get(), ca->get(), NID_ext_key_usage, "serverAuth") ||
      !AddExtension(server->get(), ca->get(), NID_subject_alt_name, san) ||
      !AddExtension(server->get(), ca->get(), NID_authority_key_identifier, "keyid:always")) {
    return OpenSslError("serving certificate extensions");
  }
  if (X509_sign(server->get(), ca_key.get(), EVP_sha256()) == 0) {
    return OpenSslError("signing the serving certificate");
  }
  return TlsMaterial{Pem(ca->get()), Pem(server->get()), Pem(server_key.get())};
}

}  // namespace kop::testing::internal
