// pki.h: certificates made at test time with the OpenSSL API, with fixed dates
// (2000-2100 by default, or deliberately expired / not yet valid), so no fixture rots.
#pragma once

#include <string>
#include <vector>

#include "core/ossl.h"
#include "pki/key.h"

namespace mtlscert::test {

struct CertSpec {
  std::string cn = "Test CA";
  std::vector<std::pair<std::string, std::string>> extra_rdns;  ///< e.g. {"O","Example"}, {"C","FR"}
  bool ca = true;                 ///< basicConstraints CA:TRUE (critical); false → CA:FALSE
  bool basic_constraints = true;  ///< false: no basicConstraints extension at all
  int pathlen = -1;               ///< >= 0 sets pathLenConstraint
  std::vector<std::string> dns;   ///< SAN dNSNames
  std::string eku;                ///< e.g. "serverAuth,clientAuth"; empty: none
  std::string not_before = "20000101000000Z";
  std::string not_after = "21000101000000Z";
  std::string digest = "SHA256";  ///< "SHA1", "MD5" (if the provider allows) …
  KeySpec key{KeyType::Ecdsa, 0, "P-256"};
  long serial = 0;  ///< 0: random
  /// Borrowed: certify this key instead of generating one (the benchmark generator
  /// reuses one key for thousands of certificates). Null: generate spec.key.
  EVP_PKEY* use_key = nullptr;
};

struct Issued {
  ossl::Ptr<X509> cert;
  ossl::Ptr<EVP_PKEY> key;
  std::string cert_pem() const;
  std::string cert_der() const;
  std::string key_pem() const;
};

/// make_cert issues spec, self-signed when issuer is null. RSA below 2048 bits
/// (refused by validate_key_spec) is generated directly: tests need weak keys.
Issued make_cert(const CertSpec& spec, const Issued* issuer = nullptr);

/// subject_der_length: DER size of the certificate's subject Name.
int subject_der_length(const X509* cert);

}  // namespace mtlscert::test
