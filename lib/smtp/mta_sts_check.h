// mta_sts_check.h: what an MTA-STS (RFC 8461) sender concludes about a domain: the
// _mta-sts TXT record, the policy fetched over HTTPS (https_fetch.h), and for every MX host
// whether the policy lets the sender deliver there (the host matches an mx: pattern, and its
// STARTTLS certificate verifies for the host name).
//
// The steps, as a sender takes them (RFC 8461 3.1, 3.3, 4.1, 5):
//  1. TXT _mta-sts.DOMAIN: records not starting "v=STSv1" are discarded; none left is "no
//     policy", more than one or an invalid one is treated as no policy too.
//  2. GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt (no redirect, 200, text/plain, at
//     most 64 KiB), parsed (mta_sts.h).
//  3. Each MX: matches a pattern? certificate valid for the host (PKIX)? In mode enforce a
//     failing MX is not delivered to (an error finding); in testing the sender delivers and
//     reports it by TLS-RPT (a warning); in none the policy is withdrawn (a notice).
//
// Findings (codes): "mta-sts-absent" (notice), "mta-sts-txt-lookup-failed" (warn),
// "mta-sts-txt-invalid", "mta-sts-txt-multiple", "mta-sts-fetch-failed",
// "mta-sts-policy-invalid" (errors: the domain publishes a policy senders cannot use),
// "mta-sts-mode-none" (notice), and per MX host by mode (enforce: error, testing: warn,
// none: notice): "mta-sts-mx-not-in-policy", "mta-sts-cert-invalid" (TLS worked, the
// certificate does not verify for the host), "mta-sts-no-tls" (no STARTTLS or no handshake).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/finding.h"
#include "dns/resolver.h"
#include "smtp/mta_sts.h"
#include "smtp/probe.h"

namespace mtlscert {

/// MtaStsAddress: what a probe of one address of an MX host tells an MTA-STS sender.
struct MtaStsAddress {
  std::string address;
  bool tls = false;     ///< STARTTLS and the handshake completed
  bool pkix = false;    ///< the chain verified and the name matched the MX host
  std::string problem;  ///< why not, one line ("" when pkix)
};

/// mta_sts_address: the MtaStsAddress of a probe report (whatever --insecure-skip-verify said).
MtaStsAddress mta_sts_address(const std::string& address, const ProbeReport& report);

/// MtaStsDane: whether DANE (RFC 7672) decides for a host instead of the policy. RFC 8461 2:
/// "senders who implement MTA-STS validation MUST NOT allow MTA-STS Policy validation to
/// override a failing DANE validation"; a sender that does DANE uses it where it applies.
enum class MtaStsDane {
  NotChecked,  ///< no DANE check (probe without --dane), or DANE does not apply (no secure TLSA)
  Matched,     ///< every address matched the host's secure TLSA records
  Failed,      ///< DANE applies and fails (stale, bogus, lookup failed, nothing served)
};

/// MtaStsHost: one MX host, its addresses as probed (none: it has no address).
struct MtaStsHost {
  int preference = 0;
  std::string host;
  std::vector<MtaStsAddress> addresses;
  MtaStsDane dane = MtaStsDane::NotChecked;
};

/// MtaStsMxVerdict: one MX host judged against the policy.
struct MtaStsMxVerdict {
  int preference = 0;
  std::string host;
  std::string pattern;  ///< the first mx: pattern matching the host, "" for none
  bool tls = false;     ///< every address did STARTTLS with a certificate valid for the host
  std::vector<std::string> failed_addresses;
  bool ok = false;                           ///< a sender applying the policy delivers here
  std::string why;                           ///< when not ok, one line
  MtaStsDane dane = MtaStsDane::NotChecked;  ///< Matched or Failed: DANE decided, not the policy
};

/// evaluate_mta_sts_mx: each host against the policy (step 3 above), with its findings. A host
/// DANE decides for (MtaStsHost::dane) gets DANE's verdict and no MTA-STS finding: its DANE
/// finding already says what a sender does.
std::vector<MtaStsMxVerdict> evaluate_mta_sts_mx(const MtaStsPolicy& policy, const std::vector<MtaStsHost>& hosts,
                                                 std::vector<Finding>& findings);

enum class MtaStsStatus {
  Policy,           ///< a policy was fetched and applied
  NoPolicy,         ///< no STSv1 TXT record
  TxtLookupFailed,  ///< the TXT lookup did not answer
  TxtInvalid,       ///< one STSv1 record, without a valid id
  TxtMultiple,      ///< several STSv1 records
  FetchFailed,      ///< the HTTPS fetch failed
  PolicyInvalid,    ///< the body is not a valid policy
};
std::string_view mta_sts_status_name(MtaStsStatus s);  ///< "policy", "none", "txt-invalid", …

struct MtaStsTxt {
  std::string name;  ///< "_mta-sts.example.org"
  std::string dns, dnssec;
  std::vector<std::string> records;  ///< every TXT record at the name
  std::string id;                    ///< the valid record's id
};

struct MtaStsCheck {
  std::string domain;
  MtaStsStatus status = MtaStsStatus::NoPolicy;
  MtaStsTxt txt;
  std::string policy_url;
  std::string policy_host;       ///< "mta-sts.DOMAIN"
  std::string policy_address;    ///< the address that served it
  std::string fetch_error_code;  ///< fetch_failure_name, when the fetch failed
  std::string error;             ///< why there is no usable policy (fetch, parse, TXT)
  std::optional<MtaStsPolicy> policy;
  std::vector<MtaStsMxVerdict> mx;
  std::vector<Finding> findings;

  /// ok: no error-level finding.
  bool ok() const;
  /// summary: "enforce: 2 of 2 MX hosts comply", "no policy (no _mta-sts TXT record)", …
  std::string summary() const;
  /// lines: the human report (the TXT record, the policy, one line per MX host).
  std::vector<std::string> lines() const;
};

/// judge_mta_sts_txt: step 1 on the TXT answer; sets check.txt, and on a failure
/// check.status, check.error and its finding. Returns true when a policy is to be fetched.
bool judge_mta_sts_txt(MtaStsCheck& check, const DnsAnswer<std::string>& answer);

struct MtaStsCheckRequest {
  std::string domain;
  std::uint16_t port = 443;  ///< the policy server's port (tests: a loopback server elsewhere)
  std::string cafile;        ///< trust for the policy server; both empty: the system store
  std::string capath;
  std::chrono::milliseconds timeout{10000};  ///< the whole fetch, and each DNS lookup
};

/// check_mta_sts runs steps 1-3. DNS and fetch failures are findings; throws Error only for an
/// unreadable CA file or directory.
MtaStsCheck check_mta_sts(const MtaStsCheckRequest& request, Resolver& resolver, const std::vector<MtaStsHost>& hosts);

void to_json(nlohmann::ordered_json& j, const MtaStsCheck& c);

}  // namespace mtlscert
