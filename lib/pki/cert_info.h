// cert_info.h: a certificate or CSR described in plain values (no OpenSSL types),
// shared by inspect, bundle, ca, emit-mc and probe so they all say the same thing.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/ossl.h"
#include "pki/key.h"

namespace mtlscert {

struct CertInfo {
  std::string subject;  ///< RFC 2253 one line, e.g. "CN=smtp.toto.com,O=TOTO"
  std::string issuer;
  std::string common_name;  ///< the (last) CN of the subject; empty if none
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> emails;
  std::string not_before;  ///< ISO 8601 UTC "2026-11-28T15:40:53Z"
  std::string not_after;
  std::int64_t not_before_epoch = 0;
  std::int64_t not_after_epoch = 0;
  std::int64_t days_left = 0;  ///< whole days from `now` to notAfter (negative when expired)
  KeySummary key;
  std::string signature_algorithm;              ///< e.g. "ecdsa-with-SHA256"
  std::vector<std::string> extended_key_usage;  ///< "serverAuth", "clientAuth", …
  std::vector<std::string> key_usage;           ///< "digitalSignature", "keyCertSign", …
  bool has_basic_constraints = false;
  bool is_ca = false;
  int path_length = -1;        ///< pathLenConstraint, -1 when absent
  bool self_signed = false;    ///< subject == issuer and the signature verifies with its own key
  std::string serial;          ///< hex
  std::string sha256;          ///< "AA:BB:…" over the DER encoding
  std::string spki_sha256;     ///< lower-case hex SHA-256 of the SubjectPublicKeyInfo (TLSA 3 1 1 data)
  int subject_der_length = 0;  ///< bytes of DER(subject): what a CA list entry costs
  /// Subject attributes that occur more than once ("CN"): tools disagree on which one counts
  /// (sendmail's ${cn_subject} is the first CN; most libraries take the last).
  std::vector<std::string> repeated_attributes;

  /// names_host: host is one of the DNS names (ASCII case ignored), or the CN when there are no
  /// DNS names (the fallback mail clients still apply). No wildcards: mail certificates name
  /// their MX host exactly.
  bool names_host(std::string_view host) const;
  /// lists_eku: eku ("serverAuth", …) is in the extendedKeyUsage extension.
  bool lists_eku(std::string_view eku) const;
  /// allows_eku: lists_eku, or no extendedKeyUsage at all (RFC 5280 4.2.1.12: any purpose).
  bool allows_eku(std::string_view eku) const { return extended_key_usage.empty() || lists_eku(eku); }
};

/// describe_certificate reads everything above from cert; `now` sets days_left.
CertInfo describe_certificate(X509* cert, std::time_t now);

struct CsrInfo {
  std::string subject;
  std::string common_name;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> extended_key_usage;
  std::vector<std::string> key_usage;
  bool requests_ca = false;  ///< basicConstraints CA:TRUE requested
  KeySummary key;
  std::string signature_algorithm;
  bool signature_valid = false;                  ///< the CSR is signed by the key it carries
  std::vector<std::string> repeated_attributes;  ///< as in CertInfo
};

/// repeated_attributes: the short names ("CN", "O", …) of the attributes that occur more
/// than once in name, each once, in order of first appearance.
std::vector<std::string> repeated_attributes(const X509_NAME* name);

/// first_cn: the first CN of name (what sendmail puts in ${cn_subject}); empty if none.
std::string first_cn(const X509_NAME* name);

CsrInfo describe_csr(X509_REQ* csr);

/// sha256_fingerprint: "AA:BB:…" of the DER encoding.
std::string sha256_fingerprint(X509* cert);

/// asn1_time_to_epoch converts an ASN1_TIME; throws Error if it is malformed.
std::int64_t asn1_time_to_epoch(const ASN1_TIME* t);
/// iso8601 formats an epoch as "YYYY-MM-DDTHH:MM:SSZ".
std::string iso8601(std::int64_t epoch);
/// parse_date reads "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC) for --at; throws Error.
std::int64_t parse_date(const std::string& text);

/// name_rfc2253 renders an X509_NAME as "CN=…,O=…" (UTF-8, RFC 2253 escaping).
std::string name_rfc2253(const X509_NAME* name);

void to_json(nlohmann::ordered_json& j, const CertInfo& info);
void to_json(nlohmann::ordered_json& j, const CsrInfo& info);

}  // namespace mtlscert
