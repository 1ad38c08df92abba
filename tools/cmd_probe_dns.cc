// cmd_probe_dns.cc: the DNS side of `mtlscert probe`: --dane (TLSA, RFC 7672) and --mx (every
// address of every MX host of a domain, one probe each, and the domain's verdict).
#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cmd_probe.h"
#include "dns/dane.h"
#include "dns/resolver.h"

namespace mtlscert::cli {

namespace {

using json = nlohmann::ordered_json;

Resolver make_resolver(const ProbeCmdOptions& o) {
  return Resolver({.server = o.resolver,
                   .trust_anchor = o.trust_anchor,
                   .timeout = std::chrono::milliseconds(std::max(1, o.request.timeout_seconds) * 1000)});
}

// with_dane: the probe's findings judged as a DANE sender would: a matching secure TLSA record
// authenticates the server, so the PKIX verdict (chain, name) no longer counts (RFC 7672 3.1).
std::vector<Finding> with_dane(std::vector<Finding> findings, const DaneCheck& d) {
  if (d.status == DaneStatus::Matched) {
    std::erase_if(findings, [](const Finding& f) { return f.code == "verify-failed" || f.code == "name-mismatch"; });
  }
  auto more = d.findings();
  findings.insert(findings.end(), more.begin(), more.end());
  return findings;
}

std::string dane_line(const DaneCheck& d) {
  std::string dnssec(dns_security_name(d.security));
  switch (d.status) {
    case DaneStatus::Matched:
      return fmt::format("matched {} at depth {} ({} {})", d.matched.substr(0, 22) + "…", d.matched_depth, d.tlsa_name,
                         dnssec);
    case DaneStatus::Stale:
      return fmt::format("STALE: no record at {} ({}) matches the chain served", d.tlsa_name, dnssec);
    case DaneStatus::Bogus: return fmt::format("BOGUS: {} fails DNSSEC validation: {}", d.tlsa_name, d.why_bogus);
    case DaneStatus::LookupFailed: return fmt::format("lookup of {} FAILED: {}", d.tlsa_name, d.detail);
    case DaneStatus::Insecure: return fmt::format("not applicable: {} is insecure (unsigned)", d.tlsa_name);
    case DaneStatus::NoTlsa: return fmt::format("not applicable: no TLSA records at {} ({})", d.tlsa_name, dnssec);
    case DaneStatus::Unusable: return fmt::format("unusable: only PKIX-TA/PKIX-EE records at {}", d.tlsa_name);
    case DaneStatus::NotServed: return fmt::format("no certificate served to match {}", d.tlsa_name);
  }
  return {};
}

DaneCheck check_dane(Resolver& resolver, const std::string& host, std::uint16_t port, const ProbeReport& r) {
  return dane_check(resolver.tlsa(tlsa_name(host, port)), r.chain_der, host);
}

std::string endpoint_text(const std::string& address, std::uint16_t port) {
  return address.find(':') != std::string::npos ? fmt::format("[{}]:{}", address, port)
                                                : fmt::format("{}:{}", address, port);
}

}  // namespace

void add_dane(const ProbeCmdOptions& o, const ProbeReport& r, Report& report, const Output& out) {
  std::string host = o.request.servername.empty() ? r.endpoint.host : o.request.servername;
  if (is_ip_literal(host))
    throw Error(fmt::format("--dane: '{}' is an address; TLSA records are found by host name", host), {},
                "give the MX host name as the target, or --servername NAME");
  Resolver resolver = make_resolver(o);
  DaneCheck d = check_dane(resolver, host, r.endpoint.port, r);
  out.result(fmt::format("{:<15}{}", "DANE:", dane_line(d)));
  if (d.status == DaneStatus::Matched && (!r.verified || !r.name_matches))
    out.result(fmt::format("{:<15}{}", "", "DANE authenticates the server: the PKIX verdict above does not count"));
  json j;
  to_json(j, d);
  report.result["dane"] = j;
  report.findings = with_dane(std::move(report.findings), d);
  if (!o.trust_anchor.empty()) report.inputs.push_back(o.trust_anchor);
}

int run_probe_mx(const ProbeCmdOptions& o, const Output& out) {
  if (!o.request.target.empty()) throw Error("--mx DOMAIN probes the domain's MX hosts: give no HOST[:PORT] with it");
  const std::string domain = o.mx.back() == '.' && o.mx.size() > 1 ? o.mx.substr(0, o.mx.size() - 1) : o.mx;
  const std::uint16_t port = static_cast<std::uint16_t>(o.port > 0 ? o.port : o.request.smtps ? 465 : 25);
  if (o.port < 0 || o.port > 65535) throw Error("--port must be 1-65535");
  ProbeOptions base = probe_options(o);
  Resolver resolver = make_resolver(o);
  Report report;
  if (!o.trust_anchor.empty()) report.inputs.push_back(o.trust_anchor);

  auto mx = resolver.mx(domain);
  json doc;
  doc["domain"] = domain;
  doc["resolver"] = resolver.server_display();
  doc["mx_lookup"] = {{"dns", dns_outcome_name(mx.outcome)},
                      {"dnssec", dns_security_name(mx.security)},
                      {"why_bogus", mx.why_bogus.empty() ? json(nullptr) : json(mx.why_bogus)}};
  if (mx.outcome == DnsOutcome::NxDomain)
    throw Error(
        fmt::format("--mx {}: the domain does not exist (NXDOMAIN from {})", domain, resolver.server_display()));
  if (mx.outcome != DnsOutcome::Answer && mx.outcome != DnsOutcome::NoData)
    throw Error(fmt::format("--mx {}: the MX lookup failed ({}{}{})", domain, dns_outcome_name(mx.outcome),
                            mx.error.empty() ? "" : ": " + mx.error, mx.why_bogus.empty() ? "" : ": " + mx.why_bogus),
                {}, "check the resolver (--resolver ADDR[@PORT]) and the zone's DNSSEC signatures");
  std::vector<DnsMx> hosts = mx.records;
  if (mx.outcome == DnsOutcome::NoData) hosts.push_back({0, domain});  // RFC 5321 5.1: the implicit MX
  if (mx.bogus()) {
    report.findings.push_back(make_finding(
        Level::Error, "mx-bogus", fmt::format("the MX records of {} fail DNSSEC validation: {}", domain, mx.why_bogus),
        "re-sign the zone; validating senders cannot deliver to it"));
  }
  bool null_mx = hosts.size() == 1 && hosts[0].host == ".";
  if (null_mx) {
    report.findings.push_back(make_finding(
        Level::Error, "null-mx", fmt::format("{} publishes a null MX (RFC 7505): it accepts no mail", domain)));
    hosts.clear();
  }
  std::string list;
  for (const auto& h : hosts) list += fmt::format("{}{} {}", list.empty() ? "" : ", ", h.preference, h.host);
  out.result(fmt::format("MX {} ({}{}): {}", domain, mx.outcome == DnsOutcome::NoData ? "no MX, implicit; " : "",
                         dns_security_name(mx.security), list.empty() ? "none" : list));

  json mx_json = json::array();
  json reports = json::array();
  std::vector<std::string> failed;
  std::size_t addresses = 0;
  std::vector<MtaStsHost> sts_hosts;  // what --mta-sts judges: every host, its addresses as probed
  for (const auto& h : hosts) {
    sts_hosts.push_back({.preference = h.preference, .host = h.host, .addresses = {}});
    auto a = resolver.a(h.host);
    auto aaaa = resolver.aaaa(h.host);
    std::vector<std::string> addrs = a.records;
    addrs.insert(addrs.end(), aaaa.records.begin(), aaaa.records.end());
    mx_json.push_back(
        {{"preference", h.preference},
         {"host", h.host},
         {"addresses", addrs},
         {"a", {{"dns", dns_outcome_name(a.outcome)}, {"dnssec", dns_security_name(a.security)}}},
         {"aaaa", {{"dns", dns_outcome_name(aaaa.outcome)}, {"dnssec", dns_security_name(aaaa.security)}}}});
    if (a.bogus() || aaaa.bogus()) {
      report.findings.push_back(make_finding(Level::Error, "address-bogus",
                                             fmt::format("the addresses of MX host {} fail DNSSEC validation: {}",
                                                         h.host, a.bogus() ? a.why_bogus : aaaa.why_bogus)));
      failed.push_back(fmt::format("{} (bogus addresses)", h.host));
      continue;
    }
    if (addrs.empty()) {
      report.findings.push_back(make_finding(Level::Error, "mx-no-address",
                                             fmt::format("MX host {} has no A or AAAA record (A: {}, AAAA: {})", h.host,
                                                         dns_outcome_name(a.outcome), dns_outcome_name(aaaa.outcome)),
                                             "publish its address, or remove the MX record"));
      failed.push_back(fmt::format("{} (no address)", h.host));
      continue;
    }
    std::optional<DnsAnswer<TlsaRecord>> tlsa;
    if (o.dane) tlsa = resolver.tlsa(tlsa_name(h.host, port));
    for (const auto& addr : addrs) {
      ++addresses;
      ProbeOptions p = base;
      p.target = endpoint_text(addr, port);
      p.servername = h.host;
      ProbeReport r = probe(p);
      sts_hosts.back().addresses.push_back(mta_sts_address(addr, r));
      std::vector<Finding> findings = r.all_findings();
      if (r.could_not_run()) {
        findings.push_back(make_finding(Level::Error, "probe-failed",
                                        fmt::format("{}: {}", r.failure->code, r.failure->message), r.failure->hint));
      }
      json entry = {
          {"preference", h.preference}, {"host", h.host}, {"address", addr}, {"probe", json::parse(probe_json(r))}};
      std::string dane_text;
      if (tlsa) {
        DaneCheck d = dane_check(*tlsa, r.chain_der, h.host);
        findings = with_dane(std::move(findings), d);
        json dj;
        to_json(dj, d);
        entry["dane"] = dj;
        dane_text = dane_line(d);
      }
      int code = static_cast<int>(exit_code(findings, out.strict()));
      entry["exit_code"] = code;
      entry["findings"] = json::array();
      std::vector<std::string> codes;
      for (auto& f : findings) {
        entry["findings"].push_back({{"level", level_name(f.level)}, {"code", f.code}, {"message", f.message}});
        if (f.level == Level::Error) codes.push_back(f.code);
        f.message = fmt::format("{} ({}): {}", h.host, addr, f.message);
        report.findings.push_back(f);
      }
      if (code != 0) failed.push_back(fmt::format("{} ({}): {}", h.host, addr, fmt::join(codes, ", ")));
      out.result(fmt::format("[{}] {} {}: {}", h.preference, h.host, addr, r.verdict()));
      if (!dane_text.empty()) out.result(fmt::format("      DANE: {}", dane_text));
      reports.push_back(std::move(entry));
    }
  }
  doc["mx"] = mx_json;
  doc["reports"] = reports;
  std::optional<MtaStsCheck> sts;
  if (o.mta_sts) sts = add_mta_sts(o, resolver, domain, sts_hosts, doc, report, out);
  bool hosts_good = failed.empty() && !null_mx && !mx.bogus() && addresses > 0;
  bool good = hosts_good && (!sts || sts->ok());
  std::string summary =
      hosts_good ? fmt::format("all {} address{} of {} MX host{} passed{}", addresses, addresses == 1 ? "" : "es",
                               hosts.size(), hosts.size() == 1 ? "" : "s", o.dane ? " (with DANE)" : "")
                 : fmt::format("{} of {} address{} failed{}", failed.size(), addresses, addresses == 1 ? "" : "es",
                               failed.empty() ? "" : ": " + fmt::format("{}", fmt::join(failed, "; ")));
  if (sts) summary += "; " + sts->summary();
  doc["domain_verdict"] = {{"ok", good}, {"addresses", addresses}, {"failed", failed}, {"summary", summary}};
  report.result = doc;
  out.result(fmt::format("Domain {}: {}", domain, good ? "OK: " + summary : "PROBLEM: " + summary));
  return out.finish(report);
}

}  // namespace mtlscert::cli
