/* libkop-ssl-compat: what Debian's civetweb (built against the OpenSSL 1.1 API) looks up in
 * "libssl.so" and OpenSSL 3 no longer exports. Its SONAME is "libssl.so", so once it is
 * loaded, civetweb's dlopen("libssl.so") finds it; every other symbol resolves through its
 * dependency on the real libssl.so.3. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509* SSL_get_peer_certificate(const SSL* ssl) { return SSL_get1_peer_certificate(ssl); }
