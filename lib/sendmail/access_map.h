// access_map.h: sendmail access-map lines for relaying by client certificate
// (CERTISSUER:/CERTSUBJECT:) and TLS policy (TLS_Srv:/TLS_Clt:), with the keys encoded
// exactly as sendmail compares them (reference B.7/B.8, rules 19-20):
//   X509_NAME_oneline(name, buf, 256) of the libcrypto this library links (the one sendmail
//   links on the same machine), then sendmail's xtext: bytes < 0x21, > 0x7E and + \ ( ) < > "
//   become +XX (upper-case hex).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "core/ossl.h"

namespace mtlscert {

/// sendmail_xtext: sendmail's xtextify(buf, "<>\")") as used for ${cert_issuer} et al.
std::string sendmail_xtext(std::string_view raw);

/// sendmail_oneline: X509_NAME_oneline(name, buf, 256): what sendmail stores before xtext
/// (trailing RDNs that do not fit 255 bytes are dropped by libcrypto).
std::string sendmail_oneline(const X509_NAME* name);

/// sendmail_name_key: sendmail_xtext(sendmail_oneline(name)): ${cert_issuer}/${cert_subject}.
std::string sendmail_name_key(const X509_NAME* name);

/// AccessRequest: what to make lines for.
struct AccessRequest {
  std::vector<std::string> ca_files;  ///< CA certificates: CERTISSUER:<their subject>
  std::vector<std::string>
      client_files;                  ///< client certificates: CERTISSUER:<issuer> SUBJECT + CERTSUBJECT:<subject> RELAY
  bool subject_rhs = false;          ///< --subject: CA lines get SUBJECT instead of RELAY
  std::vector<std::string> tls_srv;  ///< TLS_Srv:<name> lines (sendmail as client)
  std::vector<std::string> tls_clt;  ///< TLS_Clt:<name> lines (sendmail as server)
  std::string policy = "VERIFY";     ///< VERIFY, VERIFY:bits or ENCR:bits
  std::string cn;                    ///< appended as +CN:name (empty: none)
  std::string trust_store_dir = "/etc/ssl/certs";  ///< hashed public roots (the public-CA test)
  bool allow_public_ca = false;                    ///< --allow-public-ca: a public --ca is a warning, not a refusal
};

struct AccessLine {
  std::string key;      ///< CERTISSUER:/C=…  (tag upper case)
  std::string value;    ///< RELAY, SUBJECT, VERIFY:128+CN:x
  std::string comment;  ///< the readable name it came from (RFC 2253), for a # line above it
};

struct AccessResult {
  std::vector<AccessLine> lines;
  std::vector<Finding> findings;  ///< access-public-ca (error or warn), access-name-truncated (warn), …
  /// refused: an error finding (a public --ca without --allow-public-ca): print no line.
  bool refused() const;
};

/// check_access_policy validates a TLS_Srv/TLS_Clt right-hand side: VERIFY, VERIFY:bits,
/// ENCR:bits (bits a positive number). Throws Error naming --policy.
void check_access_policy(std::string_view policy);

/// is_public_ca: the heuristic behind access-public-ca. A CA name is public when a
/// certificate with that subject is in trust_store_dir (hashed, as openssl rehash makes it),
/// or when the CA certificate itself (if given) was issued by such a certificate (an
/// intermediate of a public root). Self-made CAs are in neither place.
bool is_public_ca(const X509_NAME* name, X509* cert, const std::string& trust_store_dir);

/// issued_by_public_ca: for a client certificate given without its intermediate: the leaf
/// carries a CA/Browser Forum policy OID (2.23.140.1.*) or embedded CT SCTs, which only
/// publicly-trusted CAs issue, or its issuer (by name and authority key identifier) is in
/// trust_store_dir.
bool issued_by_public_ca(X509* leaf, const std::string& trust_store_dir);

/// make_access_lines reads the files and builds the lines. A public --ca (CERTISSUER: RELAY,
/// an open relay for that CA's customers) is an error finding unless allow_public_ca or
/// subject_rhs. Throws Error for unreadable files, files without a certificate, a CA file
/// whose certificate is not a CA, a client certificate with an empty subject, or a bad
/// policy or name.
AccessResult make_access_lines(const AccessRequest& request);

/// access_text: the lines as an access file (comment line, then KEY<TAB>VALUE).
std::string access_text(const AccessResult& result);

/// to_json: the access --json document ("mtlscert.access/1").
std::string to_json(const AccessResult& result);

}  // namespace mtlscert
