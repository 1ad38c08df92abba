// ca.h: a small private CA for mail servers: `ca init` makes it, `ca sign` issues
// server and client certificates from CSRs.
//
// State directory (DIR):
//   ca.key    the CA's private key, PKCS#8 PEM, mode 0600
//   ca.crt    the self-signed CA certificate, mode 0644: this is confCACERT for peers
//   serials   one line per issued certificate: serial, issued, notAfter, profile, subject
//   ca.lock   empty, 0600: `ca sign` holds an exclusive flock on it from the serial draw to
//             the ledger row (concurrent runs on one CA lose no row, never share a serial)
//   revoked, crlnumber   written by `ca revoke` and `ca crl` (see pki/ca_revoke.h)
// Serial numbers are random 128-bit values, checked against `serials` so none repeats.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/defaults.h"
#include "core/ossl.h"
#include "pki/cert_info.h"
#include "pki/key.h"

namespace mtlscert {

/// CertProfile: which extended key usages an issued certificate carries.
enum class CertProfile {
  Server,        ///< serverAuth: confSERVER_CERT
  Client,        ///< clientAuth: confCLIENT_CERT, relaying on a certificate
  ServerClient,  ///< both: one certificate for both directions (the default)
};
/// parse_cert_profile maps "server", "client", "server+client"; throws Error otherwise.
CertProfile parse_cert_profile(std::string_view name);
std::string_view cert_profile_name(CertProfile profile);

struct CaInitRequest {
  std::string dir;   ///< created 0700 if missing; must not hold a CA already
  std::string name;  ///< the CA's common name, e.g. "Example Mail CA"
  KeySpec key{KeyType::Rsa, kDefaultCaRsaBits, std::string(kDefaultCurve)};
  int days = kDefaultCaDays;
  bool dry_run = false;  ///< --dry-run: make the key and certificate, check DIR, write nothing
};

struct CaInitResult {
  std::string key_path;
  std::string cert_path;
  CertInfo cert;
  std::vector<std::string> warnings;
};

/// ca_init makes the CA key and certificate (basicConstraints critical CA:TRUE pathlen:0,
/// keyUsage critical keyCertSign + cRLSign, subject key identifier). Refuses a DIR that
/// already holds ca.key or ca.crt. Throws Error. dry_run: DIR is checked (or, missing, its
/// parent), nothing is created.
CaInitResult ca_init(const CaInitRequest& request, std::time_t now);

/// IssueRequest: an in-memory signing job (ca_sign's core, also used by tests).
struct IssueRequest {
  X509_REQ* csr = nullptr;
  X509* ca_cert = nullptr;
  EVP_PKEY* ca_key = nullptr;
  CertProfile profile = CertProfile::ServerClient;
  int days = kDefaultLeafDays;
  std::time_t now = 0;
  std::string csr_path;  ///< for messages
};

/// issue_certificate checks the CSR (signature valid, no CA:TRUE request, every DNS name a
/// valid host name, at least one name) and returns the signed certificate: the CSR's
/// subject and public key, its DNS and IP SANs (the CN becomes the SAN when there is no
/// SAN), EKU from the profile, keyUsage, basicConstraints CA:FALSE, AKI/SKI, a random
/// 128-bit serial, notBefore one hour back (clock skew), notAfter `days` later, capped at
/// the CA's own notAfter. Throws Error.
ossl::Ptr<X509> issue_certificate(const IssueRequest& request, std::vector<std::string>* warnings = nullptr);

/// issue_certificate_with_serials: the same, drawing again while serial_used(hex) says a
/// serial was already issued.
ossl::Ptr<X509> issue_certificate_with_serials(const IssueRequest& request,
                                               const std::function<bool(const std::string&)>& serial_used,
                                               std::vector<std::string>* warnings = nullptr);

struct CaSignRequest {
  std::string dir;
  std::string csr_path;
  std::string out;
  CertProfile profile = CertProfile::ServerClient;
  int days = kDefaultLeafDays;
  bool overwrite = false;
  bool dry_run = false;  ///< --dry-run: issue in memory, check the target, record and write nothing
};

struct CaSignResult {
  std::string out;
  std::string ca_cert_path;
  CertProfile profile = CertProfile::ServerClient;
  CertInfo cert;
  std::string pem;  ///< the certificate, PEM (what out holds; the product when out is "-")
  std::vector<std::string> warnings;
};

/// ca_sign loads DIR's CA and the CSR, issues, records the serial in `serials`, then writes
/// the certificate (0644, atomically), all under DIR/ca.lock. Refuses a ca.key that others
/// may read or replace (warns when its group may read it), and a CSR whose subject repeats
/// an attribute (two CNs). Throws Error. out "-": the serial is recorded, no file is written
/// (the caller prints pem). dry_run: no lock, no serial recorded, nothing written.
CaSignResult ca_sign(const CaSignRequest& request, std::time_t now);

/// to_json: the `ca init` / `ca sign` --json documents ("mtlscert.ca-init/1", "mtlscert.ca-sign/1").
std::string to_json(const CaInitResult& result);
std::string to_json(const CaSignResult& result);

}  // namespace mtlscert
