// csr.h: certificate signing requests for a mail server: CN = the MX host,
// subjectAltName = the host plus extra names, keyUsage + extendedKeyUsage
// (serverAuth and clientAuth: sendmail presents the same certificate as a client).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/ossl.h"
#include "pki/cert_info.h"
#include "pki/names.h"
#include "pki/subject.h"

namespace mtlscert {

/// CsrRequest: what the user asked for, unchecked (flags as given).
struct CsrRequest {
  std::string host;                      ///< --host; exclusive with mx
  std::string mx;                        ///< --mx: one or more MX lines (zone file or dig +short)
  std::vector<std::string> extra_names;  ///< --san, in order
  SubjectFields subject;                 ///< --country … --email
};

/// CsrPlan: the request checked and made canonical; nothing is signed yet.
struct CsrPlan {
  HostName host;                       ///< the CN and first dNSName
  std::vector<std::string> dns_names;  ///< A-labels, host first, duplicates dropped
  SubjectFields subject;               ///< canonical (country upper-cased, values trimmed)
  std::vector<MxRecord> mx;            ///< the records read from --mx (empty with --host)
  std::vector<std::string> notes;      ///< things worth telling, e.g. MX hosts left out
};

/// plan_csr checks every name and field before any work: --host or --mx (exactly one),
/// host-name rules (validate_host_name), CN length (check_common_name), each --san,
/// and the subject fields (check_subject). Throws Error naming the flag and the rule.
CsrPlan plan_csr(const CsrRequest& request);

/// build_csr makes and signs the request with key: subject C, ST, L, O, OU, CN, emailAddress;
/// requested extensions subjectAltName (dNSName), keyUsage (critical: digitalSignature, plus
/// keyEncipherment for RSA) and extendedKeyUsage serverAuth + clientAuth. SHA-256 (Ed25519 and
/// Ed448 sign without a separate digest). Throws Error for an unsuitable key (RSA under 2048
/// bits, DSA, …) or when OpenSSL fails.
ossl::Ptr<X509_REQ> build_csr(EVP_PKEY* key, const CsrPlan& plan);

/// csr_pem encodes a request as "BEGIN CERTIFICATE REQUEST" PEM.
std::string csr_pem(X509_REQ* csr);

/// CsrFileRequest: the csr operation: read the key, build, write.
struct CsrFileRequest {
  std::string key_path;
  CsrRequest request;
  std::string path;        ///< where to write; "-" = do not write (the PEM is returned)
  bool overwrite = false;  ///< --force
  bool dry_run = false;    ///< --dry-run: build and check the CSR and the target, write nothing
};

struct CsrFileResult {
  std::string path;  ///< as requested ("-" for standard output)
  mode_t mode = 0644;
  std::string key_path;
  std::string pem;
  CsrPlan plan;
  CsrInfo info;  ///< the written CSR read back (signature checked)
  std::vector<std::string> warnings;
};

/// create_csr_file: plan_csr first (names are checked before the key is read), then
/// load the key, build the CSR, read it back, and write it with write_file_atomic
/// (mode 0644, never over an existing file unless overwrite, never over the key
/// itself). Throws Error.
CsrFileResult create_csr_file(const CsrFileRequest& request);

/// to_json: the csr --json document (schema "mtlscert.csr/1").
std::string to_json(const CsrFileResult& result);

}  // namespace mtlscert
