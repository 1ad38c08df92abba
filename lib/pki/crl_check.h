// crl_check.h: what an MTA will make of a CRL file, before it loads it (sendmail confCRL,
// Exim tls_crl). Measured on sendmail 8.17.1.9 (tests/scripts/crl_sendmail.sh): it checks
// every certificate of a client's chain against the CRLs it loaded; "unable to get
// certificate CRL" (no CRL of that CA in the file) is overridden, so such a CA is simply not
// checked; any other CRL error fails the verification of every certificate the CA issued:
// past nextUpdate ("CRL has expired"), before thisUpdate ("CRL is not yet valid"), or a
// signature that does not verify with the CA's key ("CRL signature failure").
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "core/finding.h"
#include "core/ossl.h"

namespace mtlscert {

struct CrlCheckRequest {
  std::string path;              ///< the CRL file (already checked to exist and be safe)
  X509_STORE* cas = nullptr;     ///< the CAs the MTA verifies clients with; null: issuer not judged
  std::string ca_files;          ///< how to name those CAs in messages ("CACertFile + CACertPath")
  std::string mta = "sendmail";  ///< the daemon, in messages
  std::time_t now = 0;
  int warn_days = 7;  ///< warn when nextUpdate is this close
  /// openssl: the MTA verifies with OpenSSL (sendmail): a CRL error fails every certificate of
  /// its CA, so those findings are errors. false: GnuTLS (Debian's Exim), measured to keep
  /// applying a CRL past its nextUpdate: the same findings are warnings.
  bool openssl = true;
};

/// check_crl_file returns findings, most serious first:
///   crl-unreadable (warn: no PEM CRL in the file), crl-expired, crl-not-yet-valid,
///   crl-signature (error with openssl: every client certificate of that CA fails; else warn),
///   crl-issuer-unknown (warn: no trusted CA issued it, so it revokes nothing),
///   crl-expires-soon (warn: nextUpdate within warn_days), crl-no-next-update (notice).
/// unusable_log: the line the MTA logs when the file holds no CRL (crl-unreadable).
/// Never throws for the file's content.
std::vector<Finding> check_crl_file(const CrlCheckRequest& request, const std::string& unusable_log = {});

}  // namespace mtlscert
