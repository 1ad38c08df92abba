#include "dns/dane.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/ossl.h"
#include "core/ossl_error.h"
#include "dns/tlsa.h"

namespace mtlscert {

namespace {

std::vector<ossl::Ptr<X509>> decode_chain(const std::vector<std::string>& der) {
  std::vector<ossl::Ptr<X509>> chain;
  for (const auto& d : der) {
    const auto* p = reinterpret_cast<const unsigned char*>(d.data());
    ossl::Ptr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(d.size())));
    if (!cert) break;  // a chain we cannot read past this point: match what came before
    chain.push_back(std::move(cert));
  }
  ossl::clear_errors();
  return chain;
}

bool record_matches(const TlsaRecord& r, X509* cert) {
  try {
    return tlsa_data(cert, nullptr, r.selector, r.matching) == r.data;
  } catch (const Error&) {
    return false;  // an unknown selector or matching type matches nothing (RFC 7672 3.1)
  }
}

// verifies_to_anchor: the leaf chains to chain[ta] (trusted as is, RFC 7672 3.1.2: DANE-TA
// anchors need not be self-signed) with host's name checked; empty on success, else why not.
std::string verifies_to_anchor(const std::vector<ossl::Ptr<X509>>& chain, std::size_t ta, const std::string& host) {
  ossl::Ptr<X509_STORE> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), chain[ta].get());
  ossl::BorrowedX509Stack untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  ossl::Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].get(), untrusted.get());
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  int ok = X509_verify_cert(ctx.get());
  std::string why = ok == 1 ? "" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  ossl::clear_errors();
  return why;
}

}  // namespace

std::string_view dane_status_name(DaneStatus s) {
  switch (s) {
    case DaneStatus::Matched: return "matched";
    case DaneStatus::Stale: return "stale";
    case DaneStatus::Unusable: return "unusable";
    case DaneStatus::NoTlsa: return "no-tlsa";
    case DaneStatus::Insecure: return "insecure";
    case DaneStatus::Bogus: return "bogus";
    case DaneStatus::LookupFailed: return "lookup-failed";
    case DaneStatus::NotServed: return "not-served";
  }
  return "lookup-failed";
}

DaneCheck dane_check(const DnsAnswer<TlsaRecord>& answer, const std::vector<std::string>& chain_der,
                     const std::string& host) {
  DaneCheck d;
  d.tlsa_name = answer.name;
  d.outcome = answer.outcome;
  d.security = answer.security;
  d.why_bogus = answer.why_bogus;
  d.records = answer.records;
  if (answer.bogus()) {
    d.status = DaneStatus::Bogus;
    return d;
  }
  if (answer.outcome == DnsOutcome::NxDomain || answer.outcome == DnsOutcome::NoData) {
    d.status = answer.secure() ? DaneStatus::NoTlsa : DaneStatus::Insecure;
    return d;
  }
  if (answer.outcome != DnsOutcome::Answer) {
    d.status = DaneStatus::LookupFailed;
    d.detail = answer.error.empty() ? std::string(dns_outcome_name(answer.outcome)) : answer.error;
    return d;
  }
  if (!answer.secure()) {
    d.status = DaneStatus::Insecure;
    return d;
  }
  std::vector<const TlsaRecord*> usable;
  for (const auto& r : answer.records) {
    if ((r.usage == kTlsaDaneEe || r.usage == kTlsaDaneTa) && r.selector <= kTlsaSelectorSpki &&
        r.matching <= kTlsaMatchSha512)
      usable.push_back(&r);
  }
  if (usable.empty()) {
    d.status = DaneStatus::Unusable;
    return d;
  }
  auto chain = decode_chain(chain_der);
  if (chain.empty()) {
    d.status = DaneStatus::NotServed;
    return d;
  }
  std::vector<std::string> why;
  for (const TlsaRecord* r : usable) {
    if (r->usage == kTlsaDaneEe) {
      if (record_matches(*r, chain[0].get())) {
        d.status = DaneStatus::Matched;
        d.matched = r->display();
        d.matched_depth = 0;
        return d;
      }
      continue;
    }
    for (std::size_t i = 0; i < chain.size(); ++i) {
      if (!record_matches(*r, chain[i].get())) continue;
      std::string failed = verifies_to_anchor(chain, i, host);
      if (failed.empty()) {
        d.status = DaneStatus::Matched;
        d.matched = r->display();
        d.matched_depth = static_cast<int>(i);
        return d;
      }
      why.push_back(fmt::format("{} matches the certificate at depth {}, but the chain to it fails: {}",
                                r->display().substr(0, 6), i, failed));
    }
  }
  d.status = DaneStatus::Stale;
  for (std::size_t i = 0; i < why.size(); ++i) d.detail += (i ? "; " : "") + why[i];
  return d;
}

std::vector<Finding> DaneCheck::findings() const {
  std::vector<Finding> out;
  switch (status) {
    case DaneStatus::Matched: break;
    case DaneStatus::Stale:
      out.push_back(make_finding(
          Level::Error, "dane-stale",
          fmt::format("none of the {} secure TLSA record(s) at {} matches the certificate served{}: DANE-validating "
                      "senders will not deliver",
                      records.size(), tlsa_name, detail.empty() ? "" : " (" + detail + ")"),
          "publish the record of the key served (mtlscert tlsa CERT --host HOST), or serve the key the record names"));
      break;
    case DaneStatus::Bogus:
      out.push_back(make_finding(Level::Error, "dane-bogus",
                                 fmt::format("the TLSA records at {} fail DNSSEC validation: {}; DANE-validating "
                                             "senders defer the mail",
                                             tlsa_name, why_bogus.empty() ? "bogus" : why_bogus),
                                 "re-sign the zone (expired or wrong signatures) or fix the DS at the parent"));
      break;
    case DaneStatus::LookupFailed:
      out.push_back(make_finding(
          Level::Error, "dane-lookup-failed",
          fmt::format("the TLSA lookup of {} failed ({}): DANE-validating senders defer the mail", tlsa_name, detail),
          "check the zone's name servers answer TLSA queries (not SERVFAIL)"));
      break;
    case DaneStatus::NotServed:
      out.push_back(
          make_finding(Level::Error, "dane-stale",
                       fmt::format("{} has TLSA records but the server presented no certificate", tlsa_name)));
      break;
    case DaneStatus::Unusable:
      out.push_back(make_finding(Level::Warn, "dane-unusable",
                                 fmt::format("the TLSA records at {} are all unusable for SMTP (PKIX-TA/PKIX-EE or "
                                             "unknown types, RFC 7672 3.1.3)",
                                             tlsa_name),
                                 "publish a DANE-EE (3 1 1) or DANE-TA (2 1 1) record"));
      break;
    case DaneStatus::Insecure:
      out.push_back(make_finding(Level::Notice, "dane-insecure",
                                 fmt::format("the TLSA answer for {} is not DNSSEC-signed (insecure): DANE does not "
                                             "apply",
                                             tlsa_name)));
      break;
    case DaneStatus::NoTlsa:
      out.push_back(make_finding(Level::Notice, "dane-no-tlsa",
                                 fmt::format("no TLSA records at {}: DANE does not apply", tlsa_name),
                                 "publish one: mtlscert tlsa CERT --host HOST"));
      break;
  }
  return out;
}

std::string dane_summary(const DaneCheck& d) {
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

std::vector<Finding> findings_with_dane(std::vector<Finding> findings, const DaneCheck& d) {
  if (d.status == DaneStatus::Matched) {
    std::erase_if(findings, [](const Finding& f) { return f.code == "verify-failed" || f.code == "name-mismatch"; });
  }
  auto more = d.findings();
  findings.insert(findings.end(), more.begin(), more.end());
  return findings;
}

void to_json(nlohmann::ordered_json& j, const DaneCheck& d) {
  using json = nlohmann::ordered_json;
  json records = json::array();
  for (const auto& r : d.records) records.push_back(r.display());
  j = json{{"tlsa_name", d.tlsa_name},
           {"status", dane_status_name(d.status)},
           {"dns", dns_outcome_name(d.outcome)},
           {"dnssec", dns_security_name(d.security)},
           {"why_bogus", d.why_bogus.empty() ? json(nullptr) : json(d.why_bogus)},
           {"records", records},
           {"matched", d.matched.empty() ? json(nullptr) : json(d.matched)},
           {"matched_depth", d.matched_depth < 0 ? json(nullptr) : json(d.matched_depth)},
           {"detail", d.detail.empty() ? json(nullptr) : json(d.detail)}};
}

}  // namespace mtlscert
