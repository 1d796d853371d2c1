// Throwaway TLS material for the embedded API server: a self-signed CA and a serving
// certificate it signed, for 127.0.0.1 and localhost (and the listen address).
#ifndef KOP_TESTING_INTERNAL_TLS_H_
#define KOP_TESTING_INTERNAL_TLS_H_

#include <string>

#include "absl/status/statusor.h"

namespace kop::testing::internal {

struct TlsMaterial {
  std::string ca_cert_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

// ECDSA P-256 keys, SHA-256 signatures, valid from an hour ago for a year.
absl::StatusOr<TlsMaterial> GenerateTlsMaterial(const std::string& address);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_TLS_H_
