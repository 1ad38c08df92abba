// ca_revoke.h: revocation for the private CA: `ca revoke` records a serial as revoked, `ca crl`
// writes the CRL that sendmail (confCRL), Exim (tls_crl) and `openssl verify -crl_check` load.
//
// Two more files in the CA directory (see pki/ca.h), both 0644 (a CRL publishes them anyway),
// both replaced atomically under DIR/ca.lock:
//   revoked    one line per revoked certificate: serial (hex, as in `serials`), the time of
//              the revocation (ISO 8601 UTC), the reason (RFC 5280 name); `#` starts a comment
//   crlnumber  the number of the last CRL written (decimal); missing: none written yet
// A CRL is a v2 CRL signed by ca.key: issuer = the CA's subject, thisUpdate = now, nextUpdate =
// now + days, one entry per line of `revoked` (with its reasonCode unless "unspecified") except
// those whose certificate (its notAfter in `serials`) expired more than one CRL lifetime (days)
// before now: RFC 5280 5.1.2.6 lets an entry go once it has been on a CRL issued after the
// certificate's end, and an expired certificate fails on its dates anyway. The
// cRLNumber extension (crlnumber + 1, recorded before the CRL is written, so numbers only grow)
// and the authorityKeyIdentifier (the CA's subject key identifier).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "core/ossl.h"

namespace mtlscert {

/// The default life of a CRL (its nextUpdate): past it, OpenSSL (sendmail, `openssl verify`)
/// refuses every certificate of the CA ("CRL has expired"), so a cron job must rewrite it sooner.
inline constexpr int kDefaultCrlDays = 30;

/// parse_revocation_reason: an RFC 5280 reason name ("keyCompromise", case-insensitive) to its
/// CRLReason code; throws Error naming the accepted names otherwise.
int parse_revocation_reason(std::string_view name);
/// revocation_reason_name: the RFC 5280 name of a CRLReason code ("unspecified" when unknown).
std::string_view revocation_reason_name(int code);
/// revocation_reason_names: every name parse_revocation_reason accepts, for help texts.
std::string revocation_reason_names();

/// normalize_serial: hex digits (optionally 0x-prefixed, ':'-separated, any case) as `serials`
/// spells them (BN_bn2hex: upper case, whole bytes). Throws Error for anything else.
std::string normalize_serial(std::string_view text);

struct RevokedEntry {
  std::string serial;   ///< as in `serials`
  std::string revoked;  ///< ISO 8601 UTC
  int reason = 0;       ///< CRLReason code
};

/// parse_revoked_file: the rows of a `revoked` file (path for messages). Throws Error on a
/// malformed row, naming its line.
std::vector<RevokedEntry> parse_revoked_file(std::string_view text, const std::string& path);

struct CaRevokeRequest {
  std::string dir;
  std::string target;  ///< a serial, or a certificate file issued by this CA
  std::string reason = "unspecified";
  bool dry_run = false;  ///< --dry-run: every check, then record nothing
};

struct CaRevokeResult {
  std::string serial;
  std::string subject;  ///< from `serials`
  std::string revoked;  ///< when (now, or the first revocation's time)
  int reason = 0;
  bool already = false;           ///< it was revoked before: nothing changed
  bool from_certificate = false;  ///< target was a certificate file (else a serial)
  std::string revoked_path;
  std::string ca_cert_path;
  std::vector<std::string> warnings;
};

/// ca_revoke records target's serial in DIR/revoked. A certificate file must be issued by this
/// CA (its signature verifies with ca.crt's key); a serial must be in DIR/serials. Revoking a
/// revoked serial changes nothing (already = true). Throws Error.
CaRevokeResult ca_revoke(const CaRevokeRequest& request, std::time_t now);

/// CrlRequest: the in-memory job (ca_crl's core, also used by tests).
struct CrlRequest {
  X509* ca_cert = nullptr;
  EVP_PKEY* ca_key = nullptr;
  std::vector<RevokedEntry> revoked;
  std::uint64_t number = 1;
  std::time_t now = 0;
  int days = kDefaultCrlDays;
};

/// make_crl signs the CRL described in the header comment. Throws Error.
ossl::Ptr<X509_CRL> make_crl(const CrlRequest& request);

/// crl_pem: one "BEGIN X509 CRL" block.
std::string crl_pem(X509_CRL* crl);

struct CaCrlRequest {
  std::string dir;
  std::string out;
  int days = kDefaultCrlDays;
  bool overwrite = false;  ///< replace any file; without it only a CRL of this CA is replaced
  bool dry_run = false;    ///< --dry-run: build and check the CRL, write neither it nor crlnumber
};

struct CaCrlResult {
  std::string out;
  std::string ca_cert_path;
  std::uint64_t number = 0;
  std::size_t revoked = 0;          ///< entries in the CRL
  std::size_t expired_omitted = 0;  ///< `revoked` rows left out: expired over `days` ago
  std::string this_update;  ///< ISO 8601 UTC
  std::string next_update;
  std::vector<std::string> warnings;
};

/// ca_crl writes DIR's CRL to out (0644, atomically), recording its number in DIR/crlnumber
/// first. An existing out is replaced when it holds a CRL of this CA (a cron job rewriting it),
/// otherwise only with overwrite. Throws Error.
CaCrlResult ca_crl(const CaCrlRequest& request, std::time_t now);

/// to_json: "mtlscert.ca-revoke/1", "mtlscert.ca-crl/1".
std::string to_json(const CaRevokeResult& result);
std::string to_json(const CaCrlResult& result);

}  // namespace mtlscert
