// preflight.h: what Postfix's smtpd will do with these TLS parameters, predicted before it
// runs: every reason it would not do STARTTLS (with the exact line it logs), and what peers
// will think of its certificates. The sibling of sendmail/preflight.h; doctor (reading a
// main.cf) and emit (before writing lines) share it.
//
// Measured against Debian 12's Postfix 3.7.11: smtpd loads keys and certificates as root
// before it drops privileges, so it never refuses a key for its mode (a key readable by
// others is mtlscert's rule, not Postfix's); when it cannot use a file it logs the line
// and still lists STARTTLS in EHLO, but answers it "454 4.7.0 TLS not available due to
// local problem".
#pragma once

#include <string>
#include <vector>

#include "core/finding.h"
#include "sendmail/preflight.h"  // PreflightContext: host, now, thresholds (MTA-neutral)

namespace mtlscert {

/// PostfixTls: the TLS parameters that matter, expanded as Postfix reads them.
struct PostfixTls {
  std::string chain_files;  ///< smtpd_tls_chain_files: "key, cert[, key2, cert2]"
  std::string cert_file, key_file, eccert_file, eckey_file;
  std::string ca_file, ca_path;
  std::string security_level;  ///< none, may, encrypt (empty: none)
  std::string ask_ccert, loglevel, received_header, fingerprint_digest;
  std::string relay_restrictions, relay_clientcerts;
  std::string client_chain_files, client_cert_file, client_key_file, client_ca_file, client_ca_path;
  std::string client_security_level, client_loglevel;
};

/// split_postfix_list: the items of a Postfix list value (comma and/or white space).
std::vector<std::string> split_postfix_list(const std::string& value);

/// preflight_postfix_tls runs every check. Finding codes (stable, shared with sendmail's
/// where the problem is the same): tls-off option-missing option-relative file-missing
/// key-group-readable key-world-readable key-encrypted key-unreadable key-mismatch
/// cert-unreadable cacert-empty cacert-path-missing cert-expired cert-not-yet-valid
/// cert-expires-soon host-mismatch ca-list-* relay-not-permitted fingerprint-digest.
std::vector<Finding> preflight_postfix_tls(const PostfixTls& tls, const PreflightContext& context);

}  // namespace mtlscert
