// acl.h: an Exim ACL snippet (acl_smtp_rcpt) that relays for verified client certificates.
//
// Measured on Exim 4.96 (GnuTLS): $tls_in_certificate_verified is 1 once the client's
// certificate verified against tls_verify_certificates, and ${sha256:$tls_in_peercert}
// expands to the certificate's SHA-256 fingerprint as upper-case hex without colons.
// With client certificates the snippet pins their fingerprints (as Postfix's
// relay_clientcerts); with only --ca it relays for every certificate that CA issued.
#pragma once

#include <string>
#include <vector>

#include "core/finding.h"

namespace mtlscert {

struct EximAclRequest {
  std::vector<std::string> client_files;  ///< client certificates: relay for these (by fingerprint)
  std::vector<std::string> ca_files;      ///< CA certificates: relay for any verified certificate
  bool allow_public_ca = false;           ///< a public CA given with --ca is a warning, not a refusal
  std::string trust_store_dir = "/etc/ssl/certs";
};

struct EximAclResult {
  std::vector<std::string> fingerprints;  ///< upper-case hex, no colons, in the order given
  std::vector<std::string> subjects;      ///< RFC 2253, one per fingerprint
  std::vector<std::string> ca_subjects;   ///< --ca names
  std::vector<Finding> findings;          ///< access-public-ca
  bool refused() const;
};

/// exim_fingerprint: what ${sha256:$tls_in_peercert} expands to for cert.
std::string exim_fingerprint(const std::string& colon_hex_sha256);

/// make_exim_acl reads the files. Throws Error for unreadable files, files without a
/// certificate, or a CA file whose certificate is not a CA; needs at least one file.
EximAclResult make_exim_acl(const EximAclRequest& request);

/// exim_acl_text: the snippet (comment lines, then the accept statement).
std::string exim_acl_text(const EximAclResult& result);

}  // namespace mtlscert
