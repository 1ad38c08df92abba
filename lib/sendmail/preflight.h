// preflight.h: what a sendmail with these TLS options will do at start-up, predicted
// before it runs: every reason it would not offer STARTTLS (with the exact line it would
// log), and what peers will think of its certificates.
//
// The input is a plain description of the configuration, not command-line options, so
// emit-mc (before writing .mc lines) and doctor (reading a sendmail.cf) share it.
// Rules: shared/reference/sendmail-tls-facts.md, "Rules a checker should enforce" 1-13, 21-23.
// Every log line was measured against Debian 12's sendmail 8.17.1.9.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "bundle/ca_list.h"
#include "core/defaults.h"
#include "core/finding.h"

namespace mtlscert {

/// SendmailTls: the sendmail options that matter, as sendmail would read them.
struct SendmailTls {
  std::string server_cert_file;                  ///< ServerCertFile (one file or "rsa,ecdsa")
  std::string server_key_file;                   ///< ServerKeyFile
  std::string client_cert_file;                  ///< ClientCertFile (empty: none)
  std::string client_key_file;                   ///< ClientKeyFile
  std::string ca_cert_file;                      ///< CACertFile
  std::string ca_cert_path;                      ///< CACertPath
  std::string crl_file;                          ///< CRLFile (empty: none)
  std::string dh_parameters;                     ///< DHParameters (empty: default; 5, 1, 2, i, none or a file)
  std::string tls_srv_options;                   ///< TLSSrvOptions ("V": no client certificate request)
  std::vector<std::string> dont_blame_sendmail;  ///< DontBlameSendmail flags in effect
  uid_t run_as_uid = 0;                          ///< RunAsUser
  gid_t run_as_gid = 0;
  std::optional<uid_t> trusted_uid;  ///< TrustedUser
};

/// PreflightContext: what the checks compare against.
struct PreflightContext {
  std::string host;  ///< the name peers connect to (MX target); empty: not checked
  std::time_t now = 0;
  int expiry_warn_days = kExpiryWarnDays;  ///< warn when the server certificate ends sooner
  CaListThresholds thresholds;
};

/// preflight_sendmail_tls runs every check and returns the findings, most serious first
/// within each file. Error level: sendmail will not offer STARTTLS, or verifying peers
/// will reject the server. Finding codes (stable, for scripts and doctor):
///   option-missing option-relative file-missing file-not-regular file-group-writable
///   file-world-writable key-group-readable key-world-readable file-owner dir-group-writable
///   dir-world-writable key-encrypted key-unreadable key-mismatch cert-unreadable
///   cacert-empty cacert-not-ca cacert-system-bundle cacert-path-missing cert-expired
///   cert-not-yet-valid cert-expires-soon host-mismatch cert-no-cn cn-mismatch
///   server-chain client-eku client-chain crl-unreadable crl-expired crl-not-yet-valid crl-signature
///   crl-issuer-unknown crl-expires-soon crl-no-next-update (pki/crl_check.h) dh-unreadable ca-list-*
///   (the client-side and second-pair variants are warnings: sendmail carries on without them).
/// Never throws for problems in the files; throws Error only if host is not a host name.
std::vector<Finding> preflight_sendmail_tls(const SendmailTls& tls, const PreflightContext& context);

}  // namespace mtlscert
