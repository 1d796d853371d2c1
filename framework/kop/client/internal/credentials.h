// The credentials a request carries, from a Config: a bearer token (re-read from its file
// when that changes), basic auth, a client certificate, or an exec plugin's output (cached
// until it expires, re-run after a 401). Thread-safe.
#ifndef KOP_CLIENT_INTERNAL_CREDENTIALS_H_
#define KOP_CLIENT_INTERNAL_CREDENTIALS_H_

#include <chrono>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kop/base/mutex.h"
#include "kop/client/config.h"

namespace kop::client::internal {

struct AuthMaterial {
  std::string authorization;  // the Authorization header value, or empty
  std::string client_cert_pem;
  std::string client_key_pem;
};

class Credentials {
 public:
  explicit Credentials(Config config);

  // What the next request should carry. Errors: an unreadable token file, a failing or
  // malformed exec plugin (naming the command and its stderr).
  absl::StatusOr<AuthMaterial> Get();
  // After a 401: forget the exec plugin's cached credential and re-read the token file.
  void Invalidate();

 private:
  absl::StatusOr<AuthMaterial> RunExec() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static bool clock_now_passed(absl::Time t);

  const Config config_;
  kop::Mutex mu_;  // guards the caches below; held while an exec plugin runs, so it runs once
  std::string file_token_ ABSL_GUARDED_BY(mu_);
  std::filesystem::file_time_type file_mtime_ ABSL_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point file_checked_ ABSL_GUARDED_BY(mu_);
  bool have_exec_ ABSL_GUARDED_BY(mu_) = false;
  AuthMaterial exec_ ABSL_GUARDED_BY(mu_);
  absl::Time exec_expiry_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace kop::client::internal

#endif  // KOP_CLIENT_INTERNAL_CREDENTIALS_H_
