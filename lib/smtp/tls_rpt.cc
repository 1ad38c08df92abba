#include "smtp/tls_rpt.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text.h"
#include "smtp/reply.h"

namespace mtlscert {
namespace {

constexpr std::string_view kVersion = "v=TLSRPTv1";

// is_tls_rpt: the record begins "v=TLSRPTv1" as a whole field (RFC 8460 3's filter).
bool is_tls_rpt(std::string_view txt) {
  std::string t = trim(txt);
  if (t.rfind(kVersion, 0) != 0) return false;
  std::string rest = trim(std::string_view(t).substr(kVersion.size()));
  return rest.empty() || rest.front() == ';';
}

void check_uri(const std::string& uri) {
  std::string l = lower(uri);
  if (l.rfind("mailto:", 0) == 0) {
    auto at = uri.find('@', 7);
    if (at == std::string::npos || at == 7 || at + 1 == uri.size()) {
      throw Error(fmt::format("rua '{}' has no mail address after mailto:", printable(uri)));
    }
    return;
  }
  if (l.rfind("https://", 0) == 0) {
    if (uri.size() == 8 || uri[8] == '/') throw Error(fmt::format("rua '{}' has no host", printable(uri)));
    return;
  }
  throw Error(fmt::format("rua '{}' is neither mailto: nor https:", printable(uri)));
}

}  // namespace

std::vector<std::string> parse_tls_rpt_txt(std::string_view txt) {
  std::vector<std::string> rua;
  bool first = true;
  bool have_rua = false;
  while (!txt.empty()) {
    auto semi = txt.find(';');
    std::string field = trim(txt.substr(0, semi));
    txt = semi == std::string_view::npos ? std::string_view{} : txt.substr(semi + 1);
    if (field.empty() && !first) continue;
    if (first) {
      if (field != kVersion) throw Error(fmt::format("'{}' is not 'v=TLSRPTv1'", printable(field)));
      first = false;
      continue;
    }
    auto eq = field.find('=');
    if (eq == std::string::npos) throw Error(fmt::format("'{}' is not 'key=value'", printable(field)));
    std::string key = trim(field.substr(0, eq));
    if (key != "rua") continue;  // RFC 8460 3: other fields are extensions, ignored
    if (have_rua) throw Error("a second rua field");
    have_rua = true;
    std::string_view list = std::string_view(field).substr(eq + 1);
    while (true) {
      auto comma = list.find(',');
      std::string uri = trim(list.substr(0, comma));
      check_uri(uri);
      rua.push_back(uri);
      if (comma == std::string_view::npos) break;
      list = list.substr(comma + 1);
    }
  }
  if (first) throw Error("an empty record");
  if (!have_rua) throw Error("no rua= field: senders have nowhere to send reports");
  return rua;
}

TlsRptCheck judge_tls_rpt(const DnsAnswer<std::string>& txt) {
  TlsRptCheck c;
  c.name = txt.name;
  c.dns = dns_outcome_name(txt.outcome);
  c.dnssec = dns_security_name(txt.security);
  c.records = txt.records;
  if (txt.bogus() ||
      (txt.outcome != DnsOutcome::Answer && txt.outcome != DnsOutcome::NoData && txt.outcome != DnsOutcome::NxDomain)) {
    c.status = "lookup-failed";
    c.error = fmt::format("the TXT lookup of {} failed ({}{})", c.name, c.dns, txt.bogus() ? ": " + txt.why_bogus : "");
    c.findings.push_back(make_finding(Level::Warn, "tls-rpt-lookup-failed", c.error,
                                      "check the zone's name servers and DNSSEC signatures"));
    return c;
  }
  std::vector<std::string> ours;
  for (const auto& r : txt.records) {
    if (is_tls_rpt(r)) ours.push_back(r);
  }
  if (ours.empty()) {
    c.status = "absent";
    c.findings.push_back(
        make_finding(Level::Notice, "tls-rpt-absent",
                     fmt::format("no TLS-RPT record at {}: senders do not report TLS failures to this domain", c.name),
                     fmt::format("publish {}. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN\" (RFC 8460)", c.name)));
    return c;
  }
  if (ours.size() > 1) {
    c.status = "multiple";
    c.error = fmt::format("{} TLSRPTv1 records at {}: senders ignore them all (RFC 8460 3)", ours.size(), c.name);
    c.findings.push_back(make_finding(Level::Warn, "tls-rpt-multiple", c.error, "keep one record"));
    return c;
  }
  try {
    c.rua = parse_tls_rpt_txt(ours.front());
    c.status = "valid";
  } catch (const Error& e) {
    c.status = "invalid";
    c.error = fmt::format("the TLS-RPT record at {} is invalid: {}", c.name, e.what());
    c.findings.push_back(make_finding(Level::Warn, "tls-rpt-invalid", c.error,
                                      "publish \"v=TLSRPTv1; rua=mailto:ADDRESS\" or rua=https://HOST/PATH"));
  }
  return c;
}

TlsRptCheck check_tls_rpt(Resolver& resolver, std::string_view domain) {
  return judge_tls_rpt(resolver.txt(fmt::format("_smtp._tls.{}", domain)));
}

void to_json(nlohmann::ordered_json& j, const TlsRptCheck& c) {
  j = {{"name", c.name},
       {"status", c.status},
       {"dns", c.dns},
       {"dnssec", c.dnssec},
       {"records", c.records},
       {"rua", c.rua},
       {"error", c.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.error)}};
}

}  // namespace mtlscert
