// domain_probe.h: probe a mail domain as a sender sees it (`probe --mx DOMAIN`, and `--mx`
// lines of `probe -f`): its MX hosts in preference order (the implicit MX when there is none,
// RFC 5321 5.1; nothing for a null MX, RFC 7505), every A and AAAA address of each, one STARTTLS
// probe per address with the MX host as the name checked, and optionally DANE (RFC 7672) per
// host, and optionally MTA-STS (RFC 8461: the policy applied to every MX host) with TLS-RPT
// (RFC 8460). The verdict is the domain's: every address must pass, and the policy if asked.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>
#include <nlohmann/json.hpp>

#include "core/finding.h"
#include "dns/dane.h"
#include "dns/resolver.h"
#include "smtp/mta_sts_check.h"
#include "smtp/probe.h"

namespace mtlscert {

struct DomainProbeOptions {
  std::string domain;       ///< a trailing dot is dropped
  std::uint16_t port = 25;  ///< the SMTP port on every MX address
  ProbeOptions probe;       ///< every probe's options; target and servername are set per address
  bool dane = false;        ///< judge each host's TLSA records as a DANE sender would
  bool strict = false;      ///< any finding, not only an error, fails an address
  /// mta_sts: fetch the domain's MTA-STS policy (its domain field is set from domain) and judge
  /// every MX host by it; look up TLS-RPT too. Unset: neither.
  std::optional<MtaStsCheckRequest> mta_sts;
};

struct DomainReport {
  std::string domain;
  /// result: the "result" object of `probe --mx --json`: domain, resolver, mx_lookup, mx (hosts
  /// and their addresses), reports (one per address, each with the single probe's document),
  /// domain_verdict; with MTA-STS also mta_sts and tls_rpt.
  nlohmann::ordered_json result;
  /// findings: the domain's (mx-bogus, null-mx, mx-no-address, address-bogus) and every
  /// address's, the latter prefixed "HOST (ADDRESS): ".
  std::vector<Finding> findings;
  bool ok = false;      ///< every address of every MX passed (and there was at least one), and the policy
  std::string summary;  ///< "all 3 addresses of 2 MX hosts passed", "1 of 3 addresses failed: …"
};

/// probe_domain looks up the MX set with resolver and probes every address. on_line receives
/// the human report's lines as they come (the MX list, one line per address, its DANE line, the
/// domain verdict). ctx: a context from probe_context(options.probe) shared by many probes, or
/// nullptr for one per probe. Throws Error when the domain does not exist or its MX lookup
/// fails (nothing to probe then); every host and address problem is a finding.
DomainReport probe_domain(const DomainProbeOptions& options, Resolver& resolver, SSL_CTX* ctx,
                          const std::function<void(const std::string&)>& on_line);

/// probe_dane: one probe judged by DANE (`probe --dane`, and -f's host lines): the TLSA records
/// at _PORT._tcp.NAME (NAME: servername, else the target's host) against the chain served.
/// Throws Error when NAME is an address: TLSA records are found by host name.
DaneCheck probe_dane(Resolver& resolver, const ProbeReport& report, const std::string& servername);

/// domain_of: DOMAIN without its trailing dot.
std::string domain_of(std::string_view domain);

}  // namespace mtlscert
