// cmd_probe_dns.cc: the DNS side of `mtlscert probe`: --dane (TLSA, RFC 7672) and --mx (every
// address of every MX host of a domain, one probe each, and the domain's verdict).
#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cmd_probe.h"
#include "dns/dane.h"
#include "dns/resolver.h"
#include "smtp/domain_probe.h"

namespace mtlscert::cli {

namespace {

using json = nlohmann::ordered_json;

Resolver make_resolver(const ProbeCmdOptions& o) { return Resolver(resolver_options(o)); }

}  // namespace

ResolverOptions resolver_options(const ProbeCmdOptions& o) {
  return {.server = o.resolver,
          .trust_anchor = o.trust_anchor,
          .timeout = std::chrono::milliseconds(std::max(1, o.request.timeout_seconds) * 1000)};
}

DomainProbeOptions domain_probe_options(const ProbeCmdOptions& o, std::string_view domain, bool strict) {
  if (o.port < 0 || o.port > 65535) throw Error("--port must be 1-65535");
  DomainProbeOptions d{.domain = std::string(domain),
                       .port = static_cast<std::uint16_t>(o.port > 0        ? o.port
                                                          : o.request.smtps ? 465
                                                                            : 25),
                       .probe = probe_options(o),
                       .dane = o.dane,
                       .strict = strict,
                       .mta_sts = std::nullopt};
  if (o.mta_sts) {
    d.mta_sts = MtaStsCheckRequest{.domain = {},  // the domain probe sets it
                                   .port = static_cast<std::uint16_t>(o.mta_sts_port),
                                   .cafile = o.request.cacert,
                                   .capath = o.request.cacert_path,
                                   .timeout = std::chrono::seconds(std::max(1, o.request.timeout_seconds))};
  }
  return d;
}

void add_dane(const ProbeCmdOptions& o, const ProbeReport& r, Report& report, const Output& out) {
  Resolver resolver = make_resolver(o);
  DaneCheck d = probe_dane(resolver, r, o.request.servername);
  out.result(fmt::format("{:<15}{}", "DANE:", dane_summary(d)));
  if (d.status == DaneStatus::Matched && (!r.verified || !r.name_matches))
    out.result(fmt::format("{:<15}{}", "", "DANE authenticates the server: the PKIX verdict above does not count"));
  json j;
  to_json(j, d);
  report.result["dane"] = j;
  report.findings = findings_with_dane(std::move(report.findings), d);
  if (!o.trust_anchor.empty()) report.inputs.push_back(o.trust_anchor);
}

int run_probe_mx(const ProbeCmdOptions& o, const Output& out) {
  if (!o.request.target.empty()) throw Error("--mx DOMAIN probes the domain's MX hosts: give no HOST[:PORT] with it");
  Resolver resolver = make_resolver(o);
  Report report;
  if (!o.trust_anchor.empty()) report.inputs.push_back(o.trust_anchor);
  DomainReport d = probe_domain(domain_probe_options(o, o.mx, out.strict()), resolver, nullptr,
                                [&](const std::string& line) { out.result(line); });
  report.result = std::move(d.result);
  report.findings = std::move(d.findings);
  return out.finish(report);
}

}  // namespace mtlscert::cli
