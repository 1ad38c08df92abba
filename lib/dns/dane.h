// dane.h: DANE for SMTP (RFC 7672): does the chain a server served match its TLSA records?
//
// Only a secure TLSA RRset counts. DANE-EE (3) matches the leaf by its key or whole certificate
// and ignores names and dates (RFC 7672 3.1.1); DANE-TA (2) names a certificate of the served
// chain as trust anchor, and the leaf must chain to it with the name checked (3.1.2). PKIX-TA
// (0) and PKIX-EE (1) are unusable for SMTP (3.1.3). A bogus or failed TLSA lookup makes a DANE
// sender defer the mail; an insecure or absent RRset means DANE does not apply.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/finding.h"
#include "dns/resolver.h"

namespace mtlscert {

enum class DaneStatus {
  Matched,       ///< a secure, usable record matches the served chain
  Stale,         ///< secure, usable records, none matches: DANE senders will not deliver
  Unusable,      ///< secure records, all of them PKIX-TA/PKIX-EE or malformed
  NoTlsa,        ///< no TLSA records (NXDOMAIN or NODATA): DANE does not apply
  Insecure,      ///< the TLSA answer is not signed from a trust anchor: DANE does not apply
  Bogus,         ///< validation failed: DANE senders defer the mail
  LookupFailed,  ///< SERVFAIL, timeout, …: DANE senders defer the mail
  NotServed,     ///< records to check, but the probe got no certificate
};
std::string_view dane_status_name(DaneStatus s);  ///< "matched", "stale", … (JSON)

struct DaneCheck {
  std::string tlsa_name;  ///< "_25._tcp.mx.example.org"
  DaneStatus status = DaneStatus::NoTlsa;
  DnsOutcome outcome = DnsOutcome::NoData;
  DnsSecurity security = DnsSecurity::Insecure;
  std::string why_bogus;
  std::vector<TlsaRecord> records;
  std::string matched;     ///< the record that matched ("3 1 1 ab…")
  int matched_depth = -1;  ///< the chain position it matched (0: the leaf)
  std::string detail;      ///< why a DANE-TA record did not verify, a lookup error, …

  /// findings: dane-stale, dane-bogus, dane-lookup-failed (errors); dane-unusable (warn);
  /// dane-insecure, dane-no-tlsa (notices); none when matched.
  std::vector<Finding> findings() const;
};

/// dane_check judges a TLSA answer against the chain served (DER, leaf first) for host (the
/// MX host name: the DANE-TA name check).
DaneCheck dane_check(const DnsAnswer<TlsaRecord>& answer, const std::vector<std::string>& chain_der,
                     const std::string& host);

/// dane_summary: the one-line DANE verdict probe prints ("matched 3 1 1 ab… at depth 0 (… secure)",
/// "STALE: …", "not applicable: …").
std::string dane_summary(const DaneCheck& d);

/// findings_with_dane: a probe's findings judged as a DANE sender would: a matching secure TLSA
/// record authenticates the server, so the PKIX verdict (chain, name) no longer counts (RFC 7672
/// 3.1); then the DANE findings themselves.
std::vector<Finding> findings_with_dane(std::vector<Finding> findings, const DaneCheck& d);

/// to_json: the "dane" object of probe --json.
void to_json(nlohmann::ordered_json& j, const DaneCheck& d);

}  // namespace mtlscert
