// cert_view.h: what a CA list and a bundle check need from a certificate, read
// straight from its DER without decoding the public key.
//
// Why: OpenSSL 3.0's d2i_X509 decodes every public key through a fresh provider
// decoder context (about a million instructions per certificate, 90% of the time of
// `bundle check` on a large file). Names, dates, constraints and the key's size are
// all in the encoding itself; this reads them with OpenSSL's own d2i for names,
// times and extensions, and a small strict DER walker for the frame.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/ossl.h"

namespace mtlscert {

struct CertView {
  // Names are kept as DER, decoded on demand: a decoded X509_NAME costs about 600 bytes
  // of heap, more than half a PEM certificate, and a bundle check holds every view.
  std::string subject_der;         ///< DER of the subject name (decoded on demand: subject())
  unsigned long subject_hash = 0;  ///< X509_NAME_hash_ex of the subject (openssl x509 -hash)
  std::string issuer_der;       ///< DER of the issuer name (decoded on demand: issuer())
  bool self_issued = false;     ///< issuer and subject encodings are identical: a root
  std::int64_t not_before = 0;  ///< epoch seconds
  std::int64_t not_after = 0;
  int signature_nid = 0;  ///< e.g. NID_sha256WithRSAEncryption
  int key_nid = 0;        ///< NID_rsaEncryption, NID_X9_62_id_ecPublicKey, NID_ED25519, …
  int key_bits = 0;       ///< RSA/DSA modulus bits, EC field bits; 0 if unknown
  std::string key_label;  ///< as summarize_key: "RSA 2048", "ECDSA P-256", "Ed25519"
  bool has_basic_constraints = false;
  bool is_ca = false;  ///< basicConstraints CA:TRUE
  bool valid() const { return !subject_der.empty(); }
  /// subject decodes subject_der (null if it does not parse).
  ossl::Ptr<X509_NAME> subject() const;
  /// issuer decodes issuer_der (null if it does not parse).
  ossl::Ptr<X509_NAME> issuer() const;
};

/// parse_cert_view reads one DER Certificate (and nothing after it). On malformed
/// input it returns false and says what is wrong in problem; it never throws.
bool parse_cert_view(std::string_view der, CertView& out, std::string& problem);

/// parse_cert_view with the certificate d2i_X509 already made of exactly these bytes:
/// the same view and verdict, without decoding the names, times and extensions again
/// (the fast path of read_ca_file has decoded them to judge the certificate).
bool parse_cert_view(std::string_view der, const X509* decoded, CertView& out, std::string& problem);

}  // namespace mtlscert
