#include "smtp/mta_sts_check.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "smtp/https_fetch.h"

namespace mtlscert {

namespace {

constexpr const char* kPolicyPath = "/.well-known/mta-sts.txt";

// is_sts_record: RFC 8461 3.1 keeps the records that begin "v=STSv1" (a whole field).
bool is_sts_record(std::string_view txt) {
  std::string t = trim(txt);
  if (t.rfind("v=STSv1", 0) != 0) return false;
  std::string rest = trim(std::string_view(t).substr(7));
  return rest.empty() || rest.front() == ';';
}

// by_mode: the level of an MX a policy's mode refuses, and what a sender does about it.
struct ModeEffect {
  Level level;
  std::string consequence;
};

ModeEffect by_mode(const std::string& mode, const std::string& host) {
  if (mode == "enforce") return {Level::Error, fmt::format("an MTA-STS enforcing sender will not deliver to {}", host)};
  if (mode == "testing") {
    return {Level::Warn,
            fmt::format("in mode testing senders still deliver to {} (and report the failure by TLS-RPT)", host)};
  }
  return {Level::Notice, fmt::format("mode none: senders ignore the policy for {}", host)};
}

std::string join(const std::vector<std::string>& items) { return fmt::format("{}", fmt::join(items, ", ")); }

void set_failure(MtaStsCheck& c, MtaStsStatus status, Level level, std::string code, std::string error,
                 std::string hint = {}) {
  c.status = status;
  c.error = std::move(error);
  c.findings.push_back(make_finding(level, std::move(code), c.error, std::move(hint)));
}

}  // namespace

MtaStsAddress mta_sts_address(const std::string& address, const ProbeReport& r) {
  MtaStsAddress a{.address = address, .tls = r.tls, .pkix = r.tls && r.verified && r.name_matches, .problem = {}};
  if (!r.tls) {
    a.problem = r.failure ? r.failure->message : "no TLS session";
  } else if (!r.verified) {
    a.problem = r.verify_errors.empty() ? std::string("the chain does not verify")
                                        : fmt::format("the chain does not verify: {}", r.verify_errors.front().reason);
  } else if (!r.name_matches) {
    a.problem = fmt::format("the certificate is not valid for the name {}", r.servername);
  }
  return a;
}

std::vector<MtaStsMxVerdict> evaluate_mta_sts_mx(const MtaStsPolicy& policy, const std::vector<MtaStsHost>& hosts,
                                                 std::vector<Finding>& findings) {
  std::vector<MtaStsMxVerdict> out;
  const std::string patterns = policy.mx.empty() ? "none" : join(policy.mx);
  for (const auto& h : hosts) {
    MtaStsMxVerdict v;
    v.preference = h.preference;
    v.host = h.host;
    auto match = std::find_if(policy.mx.begin(), policy.mx.end(),
                              [&](const std::string& p) { return mx_pattern_matches(p, h.host); });
    if (match != policy.mx.end()) v.pattern = *match;
    v.tls = !h.addresses.empty();
    bool no_tls = false;
    std::vector<std::string> problems;
    for (const auto& a : h.addresses) {
      if (a.pkix) continue;
      v.tls = false;
      no_tls = no_tls || !a.tls;
      v.failed_addresses.push_back(a.address);
      problems.push_back(fmt::format("{}: {}", a.address, a.problem));
    }
    v.dane = h.dane;
    if (h.dane != MtaStsDane::NotChecked) {
      v.ok = h.dane == MtaStsDane::Matched;
      if (!v.ok) v.why = "DANE applies and fails, which MTA-STS must not override (RFC 8461 2)";
      out.push_back(std::move(v));
      continue;
    }
    v.ok = !v.pattern.empty() && v.tls;
    ModeEffect effect = by_mode(policy.mode, h.host);
    if (v.pattern.empty()) {
      v.why = fmt::format("matches no mx: pattern ({})", patterns);
      findings.push_back(make_finding(
          effect.level, "mta-sts-mx-not-in-policy",
          fmt::format("{}: it matches no mx: pattern of the policy ({})", effect.consequence, patterns),
          fmt::format("add 'mx: {}' to the policy and publish a new id in the _mta-sts TXT record, or remove the "
                      "MX record",
                      h.host)));
    }
    if (h.addresses.empty()) {
      // The probe already reported the missing address; a sender has nothing to try.
      if (v.why.empty()) v.why = "no address";
    } else if (!problems.empty()) {
      std::string what = fmt::format("{} ({})",
                                     no_tls ? "no TLS session with a certificate to check"
                                            : fmt::format("its certificate does not verify for {}", h.host),
                                     fmt::join(problems, "; "));
      if (v.why.empty()) v.why = what;
      findings.push_back(make_finding(
          effect.level, no_tls ? "mta-sts-no-tls" : "mta-sts-cert-invalid",
          fmt::format("{}: {}", effect.consequence, what),
          no_tls ? "offer STARTTLS with a certificate for the MX host name"
                 : fmt::format("serve a certificate for {} from a CA senders trust (MTA-STS is PKIX: a public CA)",
                               h.host)));
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::string_view mta_sts_status_name(MtaStsStatus s) {
  switch (s) {
    case MtaStsStatus::Policy: return "policy";
    case MtaStsStatus::NoPolicy: return "none";
    case MtaStsStatus::TxtLookupFailed: return "txt-lookup-failed";
    case MtaStsStatus::TxtInvalid: return "txt-invalid";
    case MtaStsStatus::TxtMultiple: return "txt-multiple";
    case MtaStsStatus::FetchFailed: return "fetch-failed";
    case MtaStsStatus::PolicyInvalid: return "policy-invalid";
  }
  return "unknown";
}

bool judge_mta_sts_txt(MtaStsCheck& c, const DnsAnswer<std::string>& answer) {
  c.txt.name = answer.name;
  c.txt.dns = dns_outcome_name(answer.outcome);
  c.txt.dnssec = dns_security_name(answer.security);
  c.txt.records = answer.records;
  // A bogus answer is what a validating resolver turns into SERVFAIL: not an answer either.
  if (answer.bogus() || (answer.outcome != DnsOutcome::Answer && answer.outcome != DnsOutcome::NoData &&
                         answer.outcome != DnsOutcome::NxDomain)) {
    set_failure(c, MtaStsStatus::TxtLookupFailed, Level::Warn, "mta-sts-txt-lookup-failed",
                fmt::format("the TXT lookup of {} failed ({}{}): senders without a cached policy apply none",
                            answer.name, c.txt.dns, answer.bogus() ? ": " + answer.why_bogus : ""),
                "check the zone's name servers and DNSSEC signatures");
    return false;
  }
  std::vector<std::string> sts;
  std::copy_if(answer.records.begin(), answer.records.end(), std::back_inserter(sts), is_sts_record);
  if (sts.empty()) {
    set_failure(c, MtaStsStatus::NoPolicy, Level::Notice, "mta-sts-absent",
                fmt::format("no MTA-STS policy: no v=STSv1 TXT record at {}", answer.name),
                "mtlscert mta-sts --domain DOMAIN --mx PATTERN prints a policy and the record to publish");
    return false;
  }
  if (sts.size() > 1) {
    set_failure(c, MtaStsStatus::TxtMultiple, Level::Error, "mta-sts-txt-multiple",
                fmt::format("{} v=STSv1 TXT records at {}: senders treat that as no policy (RFC 8461 3.1)", sts.size(),
                            answer.name),
                "keep exactly one record");
    return false;
  }
  try {
    c.txt.id = parse_mta_sts_txt(sts.front());
  } catch (const Error& e) {
    set_failure(c, MtaStsStatus::TxtInvalid, Level::Error, "mta-sts-txt-invalid",
                fmt::format("{}: {}: senders treat that as no policy", answer.name, e.what()), e.hint());
    return false;
  }
  return true;
}

MtaStsCheck check_mta_sts(const MtaStsCheckRequest& req, Resolver& resolver, const std::vector<MtaStsHost>& hosts) {
  MtaStsCheck c;
  c.domain = req.domain;
  c.policy_host = "mta-sts." + req.domain;
  c.policy_url = https_url(c.policy_host, req.port, kPolicyPath);
  if (!judge_mta_sts_txt(c, resolver.txt("_mta-sts." + req.domain))) return c;

  HttpsRequest get{.host = c.policy_host,
                   .port = req.port,
                   .path = kPolicyPath,
                   .addresses = {},
                   .cafile = req.cafile,
                   .capath = req.capath,
                   .timeout = req.timeout,
                   .max_body = kMtaStsMaxPolicyBytes};
  auto a = resolver.a(c.policy_host);
  auto aaaa = resolver.aaaa(c.policy_host);
  if (!a.bogus()) get.addresses = a.records;
  if (!aaaa.bogus()) get.addresses.insert(get.addresses.end(), aaaa.records.begin(), aaaa.records.end());
  std::string body;
  try {
    if (get.addresses.empty()) {
      throw FetchError(FetchFailure::Resolve,
                       fmt::format("{}: {} has no usable A or AAAA record (A: {} {}, AAAA: {} {})", c.policy_url,
                                   c.policy_host, dns_outcome_name(a.outcome), dns_security_name(a.security),
                                   dns_outcome_name(aaaa.outcome), dns_security_name(aaaa.security)),
                       fmt::format("publish the address of {}, the policy server", c.policy_host));
    }
    HttpsResult got = https_get(get);
    c.policy_address = got.address;
    body = std::move(got.response.body);
  } catch (const FetchError& e) {
    c.fetch_error_code = fetch_failure_name(e.failure());
    set_failure(c, MtaStsStatus::FetchFailed, Level::Error, "mta-sts-fetch-failed",
                fmt::format("the MTA-STS policy could not be fetched ({}): {}", c.fetch_error_code, e.what()),
                e.hint());
    return c;
  }
  try {
    c.policy = parse_mta_sts_policy(body);
  } catch (const Error& e) {
    set_failure(c, MtaStsStatus::PolicyInvalid, Level::Error, "mta-sts-policy-invalid",
                fmt::format("{}: {}", c.policy_url, e.what()),
                e.hint().empty() ? "mtlscert mta-sts prints a valid policy" : e.hint());
    return c;
  }
  c.status = MtaStsStatus::Policy;
  if (c.policy->mode == "none") {
    c.findings.push_back(make_finding(Level::Notice, "mta-sts-mode-none",
                                      fmt::format("the MTA-STS policy of {} is mode none: withdrawn", req.domain)));
  }
  c.mx = evaluate_mta_sts_mx(*c.policy, hosts, c.findings);
  return c;
}

bool MtaStsCheck::ok() const { return !has_level(findings, Level::Error); }

std::string MtaStsCheck::summary() const {
  if (status != MtaStsStatus::Policy) {
    if (status == MtaStsStatus::NoPolicy) return "MTA-STS not published";
    if (status == MtaStsStatus::TxtLookupFailed) return "MTA-STS unknown (the TXT lookup failed)";
    return fmt::format("MTA-STS policy unusable ({})", mta_sts_status_name(status));
  }
  std::size_t good = std::count_if(mx.begin(), mx.end(), [](const MtaStsMxVerdict& v) { return v.ok; });
  return fmt::format("MTA-STS {}: {} of {} MX host{} comply", policy->mode, good, mx.size(), mx.size() == 1 ? "" : "s");
}

std::vector<std::string> MtaStsCheck::lines() const {
  std::vector<std::string> out;
  out.push_back(txt.id.empty() ? fmt::format("TXT {}: {}", txt.name, txt.records.empty() ? txt.dns : join(txt.records))
                               : fmt::format("TXT {}: id {} ({})", txt.name, txt.id, txt.dnssec));
  if (status != MtaStsStatus::Policy) {
    out.push_back(fmt::format("{}: {}", mta_sts_status_name(status), error));
    return out;
  }
  out.push_back(fmt::format("policy {} (from {}): mode {}, max_age {}", policy_url, policy_address, policy->mode,
                            policy->max_age));
  out.push_back(fmt::format("mx patterns: {}", policy->mx.empty() ? "none" : join(policy->mx)));
  for (const auto& v : mx) {
    if (v.dane == MtaStsDane::Matched) {
      out.push_back(fmt::format("[{}] {}: OK (DANE applies: its TLSA records match; the policy is not used)",
                                v.preference, v.host));
      continue;
    }
    out.push_back(v.ok ? fmt::format("[{}] {}: OK (matches {}, certificate valid)", v.preference, v.host, v.pattern)
                       : fmt::format("[{}] {}: {}: {}", v.preference, v.host,
                                     policy->mode == "enforce" ? "REFUSED" : "would be refused", v.why));
  }
  return out;
}

void to_json(nlohmann::ordered_json& j, const MtaStsCheck& c) {
  using json = nlohmann::ordered_json;
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  json mx = json::array();
  for (const auto& v : c.mx) {
    mx.push_back({{"preference", v.preference},
                  {"host", v.host},
                  {"pattern", or_null(v.pattern)},
                  {"tls", v.tls},
                  {"failed_addresses", v.failed_addresses},
                  {"ok", v.ok},
                  {"why", or_null(v.why)},
                  {"decided_by", v.dane == MtaStsDane::NotChecked ? "mta-sts" : "dane"}});
  }
  j = {{"status", mta_sts_status_name(c.status)},
       {"txt",
        {{"name", c.txt.name},
         {"dns", c.txt.dns},
         {"dnssec", c.txt.dnssec},
         {"records", c.txt.records},
         {"id", or_null(c.txt.id)}}},
       {"policy_url", c.policy_url},
       {"policy_address", or_null(c.policy_address)},
       {"fetch_error", or_null(c.fetch_error_code)},
       {"error", or_null(c.error)},
       {"policy", c.policy ? json{{"mode", c.policy->mode}, {"max_age", c.policy->max_age}, {"mx", c.policy->mx}}
                           : json(nullptr)},
       {"mx", mx},
       {"ok", c.ok()},
       {"summary", c.summary()}};
}

}  // namespace mtlscert
