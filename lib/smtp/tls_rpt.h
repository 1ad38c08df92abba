// tls_rpt.h: SMTP TLS Reporting (RFC 8460): the _smtp._tls.DOMAIN TXT record that tells
// senders where to send their daily reports of TLS failures (the reports an MTA-STS policy in
// mode testing relies on).
//
// Findings (codes): "tls-rpt-absent" (notice: no record; nobody hears of failures),
// "tls-rpt-invalid" (warn: a TLSRPTv1 record senders cannot use), "tls-rpt-multiple" (warn:
// more than one TLSRPTv1 record, which RFC 8460 3 says to ignore), "tls-rpt-lookup-failed"
// (warn: the lookup did not answer).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/finding.h"
#include "dns/resolver.h"

namespace mtlscert {

/// parse_tls_rpt_txt: the rua URIs of "v=TLSRPTv1; rua=mailto:a@example.org,https://r.example.org/x".
/// Throws Error (what: the rule broken) for another version, no rua, or a URI that is neither
/// mailto: with an address nor https: with a host.
std::vector<std::string> parse_tls_rpt_txt(std::string_view txt);

struct TlsRptCheck {
  std::string name;                  ///< "_smtp._tls.example.org"
  std::string status;                ///< "valid", "absent", "invalid", "multiple", "lookup-failed"
  std::string dns;                   ///< dns_outcome_name of the lookup
  std::string dnssec;                ///< dns_security_name
  std::vector<std::string> records;  ///< every TXT record at the name, as served
  std::vector<std::string> rua;      ///< when valid
  std::string error;                 ///< why not valid
  std::vector<Finding> findings;
};

/// judge_tls_rpt: RFC 8460 3 applied to the TXT answer for _smtp._tls.DOMAIN: records not
/// starting "v=TLSRPTv1" are discarded; exactly one must remain and parse.
TlsRptCheck judge_tls_rpt(const DnsAnswer<std::string>& txt);

/// check_tls_rpt looks the record up and judges it.
TlsRptCheck check_tls_rpt(Resolver& resolver, std::string_view domain);

void to_json(nlohmann::ordered_json& j, const TlsRptCheck& c);

}  // namespace mtlscert
