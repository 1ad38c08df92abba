// error.h: the one exception type of libmtlscert, and the exit codes of the mtlscert binary.
//
// Failures (the operation could not be done) throw mtlscert::Error. Findings of a
// check are *not* errors: checks return them as values (see finding.h).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace mtlscert {

/// Exit codes, the same for every command (documented in --help and mtlscert(1)).
enum class Exit : int {
  Ok = 0,        ///< success
  Findings = 1,  ///< a check ran and found problems
  Failed = 2,    ///< usage error, unreadable or invalid input, or the operation could not be done
};

/// Error: what failed, on which file, and what to do next.
///
/// what() is one line that names the file and its role, what was expected and
/// what was found ("key file 'k.pem': expected a PEM private key, got a CERTIFICATE").
/// hint() says what to do next, or is empty. openssl_queue() holds OpenSSL's raw
/// error strings, shown only on request (-v / MTLSCERT_DEBUG=1).
class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, std::string path = {}, std::string hint = {},
                 std::vector<std::string> openssl_queue = {})
      : std::runtime_error(std::move(message)),
        path_(std::move(path)),
        hint_(std::move(hint)),
        openssl_queue_(std::move(openssl_queue)) {}

  const std::string& path() const noexcept { return path_; }
  const std::string& hint() const noexcept { return hint_; }
  const std::vector<std::string>& openssl_queue() const noexcept { return openssl_queue_; }

 private:
  std::string path_;
  std::string hint_;
  std::vector<std::string> openssl_queue_;
};

}  // namespace mtlscert
