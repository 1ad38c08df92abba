#include "smtp/domain_probe.h"

#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dns/dane.h"
#include "smtp/tls_rpt.h"

namespace mtlscert {

using json = nlohmann::ordered_json;

DaneCheck probe_dane(Resolver& resolver, const ProbeReport& report, const std::string& servername) {
  const std::string host = servername.empty() ? report.endpoint.host : servername;
  if (is_ip_literal(host))
    throw Error(fmt::format("--dane: '{}' is an address; TLSA records are found by host name", host), {},
                "give the MX host name as the target, or --servername NAME");
  return dane_check(resolver.tlsa(tlsa_name(host, report.endpoint.port)), report.chain_der, host);
}

std::string domain_of(std::string_view domain) {
  if (domain.size() > 1 && domain.back() == '.') domain.remove_suffix(1);
  return std::string(domain);
}

namespace {

// note_dane: one address's DANE outcome folded into its host's, for MTA-STS (RFC 8461 2):
// DANE decides for a host once any address has secure usable records (or fails to get them).
void note_dane(MtaStsHost& host, DaneStatus status) {
  const bool applies = status == DaneStatus::Matched || status == DaneStatus::Stale || status == DaneStatus::Bogus ||
                       status == DaneStatus::LookupFailed || status == DaneStatus::NotServed;
  if (!applies) return;
  if (status != DaneStatus::Matched) {
    host.dane = MtaStsDane::Failed;
  } else if (host.dane == MtaStsDane::NotChecked) {
    host.dane = MtaStsDane::Matched;
  }
}

json lookup_json(const DnsAnswer<std::string>& a) {
  return {{"dns", dns_outcome_name(a.outcome)}, {"dnssec", dns_security_name(a.security)}};
}

// Probing one domain: the report under construction and the addresses that failed.
class DomainRun {
 public:
  DomainRun(const DomainProbeOptions& o, Resolver& resolver, SSL_CTX* ctx,
            const std::function<void(const std::string&)>& on_line)
      : o_(o), resolver_(resolver), ctx_(ctx), on_line_(on_line) {
    report_.domain = domain_of(o.domain);
  }

  DomainReport run() {
    std::vector<DnsMx> hosts = mx_hosts();
    json mx_json = json::array();
    for (const auto& h : hosts) mx_json.push_back(probe_host(h));
    json& doc = report_.result;
    doc["mx"] = std::move(mx_json);
    doc["reports"] = std::move(reports_);
    std::optional<MtaStsCheck> sts;
    if (o_.mta_sts) sts = check_policy();
    const bool hosts_ok = failed_.empty() && !null_mx_ && !mx_bogus_ && addresses_ > 0;
    report_.ok = hosts_ok && (!sts || sts->ok());
    report_.summary =
        hosts_ok ? fmt::format("all {} address{} of {} MX host{} passed{}", addresses_, addresses_ == 1 ? "" : "es",
                               hosts.size(), hosts.size() == 1 ? "" : "s", o_.dane ? " (with DANE)" : "")
                 : fmt::format("{} of {} address{} failed{}", failed_.size(), addresses_, addresses_ == 1 ? "" : "es",
                               failed_.empty() ? "" : fmt::format(": {}", fmt::join(failed_, "; ")));
    if (sts) report_.summary += "; " + sts->summary();
    doc["domain_verdict"] = {
        {"ok", report_.ok}, {"addresses", addresses_}, {"failed", failed_}, {"summary", report_.summary}};
    line(fmt::format("Domain {}: {}{}", report_.domain, report_.ok ? "OK: " : "PROBLEM: ", report_.summary));
    return std::move(report_);
  }

 private:
  void line(const std::string& text) {
    if (on_line_) on_line_(text);
  }

  void finding(Level level, std::string code, std::string message, std::string hint = {}) {
    report_.findings.push_back(make_finding(level, std::move(code), std::move(message), std::move(hint)));
  }

  // mx_hosts: the hosts a sender would try, in its order, with the lookup's findings recorded.
  std::vector<DnsMx> mx_hosts() {
    const std::string& domain = report_.domain;
    auto mx = resolver_.mx(domain);
    json& doc = report_.result;
    doc["domain"] = domain;
    doc["resolver"] = resolver_.server_display();
    doc["mx_lookup"] = {{"dns", dns_outcome_name(mx.outcome)},
                        {"dnssec", dns_security_name(mx.security)},
                        {"why_bogus", mx.why_bogus.empty() ? json(nullptr) : json(mx.why_bogus)}};
    if (mx.outcome == DnsOutcome::NxDomain)
      throw Error(
          fmt::format("--mx {}: the domain does not exist (NXDOMAIN from {})", domain, resolver_.server_display()));
    if (mx.outcome != DnsOutcome::Answer && mx.outcome != DnsOutcome::NoData)
      throw Error(fmt::format("--mx {}: the MX lookup failed ({}{}{})", domain, dns_outcome_name(mx.outcome),
                              mx.error.empty() ? "" : ": " + mx.error, mx.why_bogus.empty() ? "" : ": " + mx.why_bogus),
                  {}, "check the resolver (--resolver ADDR[@PORT]) and the zone's DNSSEC signatures");
    std::vector<DnsMx> hosts = mx.records;
    if (mx.outcome == DnsOutcome::NoData) hosts.push_back({0, domain});  // RFC 5321 5.1: the implicit MX
    mx_bogus_ = mx.bogus();
    if (mx_bogus_) {
      finding(Level::Error, "mx-bogus",
              fmt::format("the MX records of {} fail DNSSEC validation: {}", domain, mx.why_bogus),
              "re-sign the zone; validating senders cannot deliver to it");
    }
    null_mx_ = hosts.size() == 1 && hosts[0].host == ".";
    if (null_mx_) {
      finding(Level::Error, "null-mx", fmt::format("{} publishes a null MX (RFC 7505): it accepts no mail", domain));
      hosts.clear();
    }
    std::string list;
    for (const auto& h : hosts) list += fmt::format("{}{} {}", list.empty() ? "" : ", ", h.preference, h.host);
    line(fmt::format("MX {} ({}{}): {}", domain, mx.outcome == DnsOutcome::NoData ? "no MX, implicit; " : "",
                     dns_security_name(mx.security), list.empty() ? "none" : list));
    return hosts;
  }

  // probe_host: every address of one MX host; returns the host's entry of "mx".
  json probe_host(const DnsMx& h) {
    sts_hosts_.push_back({.preference = h.preference, .host = h.host, .addresses = {}});
    auto a = resolver_.a(h.host);
    auto aaaa = resolver_.aaaa(h.host);
    std::vector<std::string> addrs = a.records;
    addrs.insert(addrs.end(), aaaa.records.begin(), aaaa.records.end());
    json entry = {{"preference", h.preference},
                  {"host", h.host},
                  {"addresses", addrs},
                  {"a", lookup_json(a)},
                  {"aaaa", lookup_json(aaaa)}};
    if (a.bogus() || aaaa.bogus()) {
      finding(Level::Error, "address-bogus",
              fmt::format("the addresses of MX host {} fail DNSSEC validation: {}", h.host,
                          a.bogus() ? a.why_bogus : aaaa.why_bogus));
      failed_.push_back(fmt::format("{} (bogus addresses)", h.host));
      return entry;
    }
    if (addrs.empty()) {
      finding(Level::Error, "mx-no-address",
              fmt::format("MX host {} has no A or AAAA record (A: {}, AAAA: {})", h.host, dns_outcome_name(a.outcome),
                          dns_outcome_name(aaaa.outcome)),
              "publish its address, or remove the MX record");
      failed_.push_back(fmt::format("{} (no address)", h.host));
      return entry;
    }
    std::optional<DnsAnswer<TlsaRecord>> tlsa;
    if (o_.dane) tlsa = resolver_.tlsa(tlsa_name(h.host, o_.port));
    for (const auto& addr : addrs) probe_address(h, addr, tlsa);
    return entry;
  }

  void probe_address(const DnsMx& h, const std::string& addr, const std::optional<DnsAnswer<TlsaRecord>>& tlsa) {
    ++addresses_;
    ProbeOptions p = o_.probe;
    p.target = Endpoint{addr, o_.port}.display();
    p.servername = h.host;
    ProbeReport r = ctx_ ? probe(p, ctx_) : probe(p);
    sts_hosts_.back().addresses.push_back(mta_sts_address(addr, r));
    std::vector<Finding> findings = r.all_findings();
    if (r.could_not_run()) {
      findings.push_back(make_finding(Level::Error, "probe-failed",
                                      fmt::format("{}: {}", r.failure->code, r.failure->message), r.failure->hint));
    }
    json entry = {{"preference", h.preference}, {"host", h.host}, {"address", addr}, {"probe", json(r)}};
    std::string dane_text;
    if (tlsa) {
      DaneCheck d = dane_check(*tlsa, r.chain_der, h.host);
      note_dane(sts_hosts_.back(), d.status);
      findings = findings_with_dane(std::move(findings), d);
      json dj;
      to_json(dj, d);
      entry["dane"] = dj;
      dane_text = dane_summary(d);
    }
    int code = static_cast<int>(exit_code(findings, o_.strict));
    entry["exit_code"] = code;
    entry["findings"] = json::array();
    std::vector<std::string> codes;
    for (auto& f : findings) {
      entry["findings"].push_back({{"level", level_name(f.level)}, {"code", f.code}, {"message", f.message}});
      if (f.level == Level::Error) codes.push_back(f.code);
      f.message = fmt::format("{} ({}): {}", h.host, addr, f.message);
      report_.findings.push_back(f);
    }
    if (code != 0) failed_.push_back(fmt::format("{} ({}): {}", h.host, addr, fmt::join(codes, ", ")));
    line(fmt::format("[{}] {} {}: {}", h.preference, h.host, addr, r.verdict()));
    if (!dane_text.empty()) line(fmt::format("      DANE: {}", dane_text));
    reports_.push_back(std::move(entry));
  }

  // check_policy: the domain's MTA-STS policy applied to the hosts as probed, and TLS-RPT:
  // their lines, their objects in the document, their findings.
  MtaStsCheck check_policy() {
    MtaStsCheckRequest request = *o_.mta_sts;
    request.domain = report_.domain;
    MtaStsCheck sts = check_mta_sts(request, resolver_, sts_hosts_);
    TlsRptCheck rpt = check_tls_rpt(resolver_, report_.domain);
    bool first = true;
    for (const auto& text : sts.lines()) {
      line(fmt::format("{:<9}{}", first ? "MTA-STS:" : "", text));
      first = false;
    }
    line(fmt::format("{:<9}{}: {}", "TLS-RPT:", rpt.name,
                     rpt.status == "valid" ? fmt::format("rua {}", fmt::join(rpt.rua, ", ")) : rpt.status));
    json j;
    to_json(j, sts);
    report_.result["mta_sts"] = j;
    to_json(j, rpt);
    report_.result["tls_rpt"] = j;
    report_.findings.insert(report_.findings.end(), sts.findings.begin(), sts.findings.end());
    report_.findings.insert(report_.findings.end(), rpt.findings.begin(), rpt.findings.end());
    return sts;
  }

  const DomainProbeOptions& o_;
  Resolver& resolver_;
  SSL_CTX* ctx_;
  const std::function<void(const std::string&)>& on_line_;
  DomainReport report_;
  json reports_ = json::array();
  std::vector<MtaStsHost> sts_hosts_;  // what MTA-STS judges: every host, its addresses as probed
  std::vector<std::string> failed_;
  std::size_t addresses_ = 0;
  bool null_mx_ = false;
  bool mx_bogus_ = false;
};

}  // namespace

DomainReport probe_domain(const DomainProbeOptions& options, Resolver& resolver, SSL_CTX* ctx,
                          const std::function<void(const std::string&)>& on_line) {
  return DomainRun(options, resolver, ctx, on_line).run();
}

}  // namespace mtlscert
