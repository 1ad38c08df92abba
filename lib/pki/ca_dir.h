// ca_dir.h: what every command on a CA directory shares (`ca sign`, `ca revoke`, `ca crl`):
// the files' names, the lock that serialises their read-modify-write, the CA key's mode
// check and loading the CA pair. The layout itself is documented in pki/ca.h.
#pragma once

#include <string>
#include <vector>

#include "core/ossl.h"

namespace mtlscert {

/// ca_file_path: DIR/name (no doubled slash).
std::string ca_file_path(const std::string& dir, const char* name);

/// CaLock: an exclusive flock on DIR/ca.lock (created 0600) for the life of the object, so that
/// concurrent runs on one CA neither lose rows of its ledgers (read-modify-write of `serials`,
/// `revoked`, `crlnumber`) nor draw a serial another run is about to record. Throws Error.
class CaLock {
 public:
  explicit CaLock(const std::string& dir);
  ~CaLock();
  CaLock(const CaLock&) = delete;
  CaLock& operator=(const CaLock&) = delete;

 private:
  int fd_ = -1;
};

/// check_ca_key_file: the CA key is the CA. Throws Error when others may read it or anyone but
/// the owner may replace it; a warning when only its group may read it.
void check_ca_key_file(const std::string& key_path, std::vector<std::string>& warnings);

/// LoadedCa: DIR's CA certificate and key, checked to be a pair.
struct LoadedCa {
  std::string cert_path;
  std::string key_path;
  ossl::Ptr<X509> cert;
  ossl::Ptr<EVP_PKEY> key;
};

/// load_ca reads DIR/ca.crt and DIR/ca.key (after check_ca_key_file). Throws Error naming the
/// file when DIR holds no CA, a file does not parse, or the key is not the certificate's.
LoadedCa load_ca(const std::string& dir, std::vector<std::string>& warnings);

}  // namespace mtlscert
