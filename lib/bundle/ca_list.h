// ca_list.h: the size of the list of acceptable CA names a server sends in its
// CertificateRequest (sendmail: every subject of confCACERT), and its judgement.
//
// The wire size is exact: list_bytes = 2 + Σ over distinct subjects (2 + DER length).
// Distinct as OpenSSL's SSL_load_client_CA_file keeps them: DER-identical (xname_cmp), see ca_file.h.
// Every documented failure is a byte limit (shared/reference, Topic A.3 and A.5):
//   > 4,096  notice  small-buffer embedded TLS stacks
//   > 8,000  warn    OpenSSL <= 0.9.6b clients and 8 KiB buffers: alert 47, the seed's failure
//   > 16,000 error   no longer fits one TLS record: mbed TLS, early GnuTLS, SChannel's 16 KB
//   > 32,000 error   Java clients (jdk.tls.maxHandshakeMessageSize 32,768)
//   > 65,535 error   cannot be encoded at all
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/defaults.h"
#include "core/finding.h"
#include "core/ossl.h"

namespace mtlscert {

struct CaListThresholds {
  std::size_t notice = kCaListNoticeBytes;
  std::size_t warn = kCaListWarnBytes;
  std::size_t error = kCaListErrorBytes;
  std::size_t java = kCaListJavaBytes;
  static constexpr std::size_t kProtocolMax = 65535;
};

struct CaListSize {
  std::size_t names = 0;         ///< names offered (certificates in the file)
  std::size_t unique_names = 0;  ///< distinct names actually sent
  std::size_t list_bytes = 0;    ///< certificate_authorities bytes as sent (deduplicated)
  std::size_t list_bytes_without_dedup = 0;
};

/// measure_ca_list computes the sizes for names in file order (borrowed pointers).
CaListSize measure_ca_list(const std::vector<const X509_NAME*>& names);

/// The CertificateRequest handshake body (the length OpenSSL's client compares with
/// SSL_CTX_set_max_cert_list, alert 47 above it) an OpenSSL 3.0 server with default
/// settings, as sendmail on Debian 12, sends with this CA list. The fixed part (certificate
/// types, signature_algorithms, extension headers) was measured from a real sendmail;
/// tests/scripts/sendmail_alert47.sh measures it again and checks the breaking point.
struct CertificateRequestSize {
  std::size_t tls12 = 0;
  std::size_t tls13 = 0;
};
CertificateRequestSize certificate_request_size(const CaListSize& size);

/// judge_ca_list_size returns at most one finding: the highest threshold crossed
/// (codes "ca-list-notice", "ca-list-warn", "ca-list-record", "ca-list-java",
/// "ca-list-unencodable"). `what` names the list in messages, e.g. "confCACERT".
std::vector<Finding> judge_ca_list_size(const CaListSize& size, const CaListThresholds& thresholds,
                                        std::string_view what);

/// ca_list_verdict: one sentence in words, e.g. "The CA list is 14,686 bytes (141
/// names), above 8,000: OpenSSL 0.9.6b-era clients and 8 KiB embedded TLS stacks
/// abort the handshake with alert 47 (illegal_parameter)."
std::string ca_list_verdict(const CaListSize& size, const CaListThresholds& thresholds);

/// to_json: {"names", "unique_names", "list_bytes", "list_bytes_without_dedup"}, the same
/// field names wherever a CA list is reported (bundle check, probe, emit-mc, doctor).
void to_json(nlohmann::ordered_json& j, const CaListSize& size);

/// with_commas formats 14686 as "14,686".
std::string with_commas(std::size_t n);

}  // namespace mtlscert
