// preflight.h: what an Exim with these TLS options will do, predicted before it runs:
// every reason its STARTTLS handshakes would fail (with the line Exim logs) and what the
// CA list it sends clients weighs.
//
// Exim differs from sendmail in where it fails: it offers STARTTLS whatever the files
// are, and reads the certificate and key per connection AFTER dropping to exim_user
// (Debian-exim), so a root 0600 key makes every handshake fail with
//   TLS error on connection from ... (cert/key setup: cert=C key=K): Error while reading file.
// GnuTLS sends the subjects of tls_verify_certificates as the CertificateRequest CA list
// when tls_try_verify_hosts/tls_verify_hosts match: the same budget as sendmail's
// confCACERT (measured: 144 names, 14,842 bytes for Debian's ca-certificates.crt).
#pragma once

#include <sys/types.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "bundle/ca_list.h"
#include "core/finding.h"
#include "exim/options.h"

namespace mtlscert {

/// EximIdentity: who Exim reads its TLS files as.
struct EximIdentity {
  std::string user = std::string(kEximDebianUser);
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< supplementary groups (Debian adds Debian-exim to ssl-cert when asked)
};

/// exim_identity looks user up in the password and group databases; nothing when unknown.
std::optional<EximIdentity> exim_identity(const std::string& user);

struct EximPreflightContext {
  std::string host;  ///< the name peers connect to; empty: not checked
  std::time_t now = 0;
  CaListThresholds thresholds;
  /// Who Exim reads files as; unset: exim_user of the configuration (default Debian-exim),
  /// looked up on this machine.
  std::optional<EximIdentity> identity;
  std::string system_bundle = "/etc/ssl/certs/ca-certificates.crt";  ///< what "system" means to GnuTLS on Debian
};

/// preflight_exim_tls runs every check. Finding codes (stable):
///   starttls-not-advertised option-missing option-expanded exim-user-unknown file-missing
///   file-unreadable key-unreadable-by-exim key-group-readable key-world-readable
///   cert-unreadable key-unreadable key-mismatch cert-expired host-mismatch
///   client-cert-not-requested cacert-system-bundle cacert-empty ca-list-*
///   crl-* (pki/crl_check.h; warnings only: GnuTLS applies a CRL past its nextUpdate)
/// The Exim log line a finding predicts is in its sendmail_log field ("mta log").
std::vector<Finding> preflight_exim_tls(const EximTls& tls, const EximPreflightContext& context);

}  // namespace mtlscert
