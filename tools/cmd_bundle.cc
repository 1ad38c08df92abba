#include "cmd_bundle.h"

#include <ctime>

#include <fmt/format.h>

#include "bundle/bundle.h"
#include "bundle/rehash.h"
#include "pki/cert_info.h"
#include "sendmail/options.h"

namespace mtlscert::cli {

const char* const kBundleSummary = "Measure, clean and split CA bundles for confCACERT / confCACERT_PATH";
const char* const kBundleExamples = R"(  $ mtlscert bundle check /etc/mail/tls/ca.pem
      the CA-list size sendmail sends, and every problem (exit 1 on an error)
  $ mtlscert bundle split /etc/ssl/certs/ca-certificates.crt --advertise smtp.crt \
      --cacert /etc/mail/tls/ca.pem --cacert-path /etc/mail/tls/certs
      a short confCACERT plus a hashed confCACERT_PATH, and the two define lines)";

const char* const kBundleCheckSummary = "Judge a CA bundle as confCACERT: exact CA-list bytes and findings";
const char* const kBundleCheckExamples = R"(  $ mtlscert bundle check /etc/ssl/certs/ca-certificates.crt
      warns: the CA list is about 14.7 KB, above 8,000 bytes (alert 47 peers); exit 0
  $ mtlscert bundle check --strict /etc/mail/tls/ca.pem
      exit 1 on any finding, warnings and notices too (for cron and CI)
  $ mtlscert bundle check --at 2027-01-01 --json /etc/mail/tls/ca.pem
      validity judged on another date; one JSON document)";

const char* const kBundleTrimSummary =
    "Write a clean bundle: no duplicates, expired or non-CA certificates, keys or junk";
const char* const kBundleTrimExamples = R"(  $ mtlscert bundle trim ca.pem -o ca-clean.pem
      drops duplicates, expired and non-CA certificates, keys, CSRs and junk
  $ mtlscert bundle trim /etc/ssl/certs/ca-certificates.crt --keep-issuers-of smtp.crt -o ca.pem
      only the CAs that verify smtp.crt's chain; prints the list size before and after)";

const char* const kBundleSplitSummary = "Split a bundle into a short confCACERT and a hashed confCACERT_PATH";
const char* const kBundleSplitExamples =
    R"(  $ mtlscert bundle split /etc/ssl/certs/ca-certificates.crt --advertise /etc/mail/tls/smtp.crt \
      --cacert /etc/mail/tls/ca.pem --cacert-path /etc/mail/tls/certs
      ca.pem holds smtp.crt's issuers; certs/ holds every CA, hashed; prints the define lines)";

const char* const kBundleRehashSummary = "Make <subject-hash>.N links in a CA directory, as openssl rehash names them";
const char* const kBundleRehashExamples = R"(  $ mtlscert bundle rehash /etc/mail/tls/certs
      creates missing links, removes stale ones it made; a second run changes nothing
  $ mtlscert bundle rehash --dry-run /etc/mail/tls/certs
      shows what it would do)";

namespace {

// The option a checked or split CA file serves as (its name comes from the library's table).
const std::string_view kCaCert = sendmail_macro(SendmailOption::CaCert);

std::int64_t at_or_now(const std::string& at) {
  return at.empty() ? static_cast<std::int64_t>(std::time(nullptr)) : parse_date(at);
}

std::string plural(std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

std::string cert_line(const CertRef& c) {
  std::string fp = c.sha256.size() > 23 ? c.sha256.substr(0, 23) + "..." : c.sha256;
  return fmt::format("#{} line {}: {} (SHA-256 {})", c.index, c.line, c.subject, fp);
}

std::string budget(const CaListSize& s) {
  return fmt::format("{} bytes ({})", with_commas(s.list_bytes), plural(s.unique_names, "name"));
}

}  // namespace

int run_bundle_check(const BundleCheckOptions& o, const Output& out) {
  mtlscert::BundleCheckOptions options;
  options.at = at_or_now(o.at);
  options.expiring_days = o.expiring_days;
  options.thresholds = {o.notice, o.warn, o.error, o.java};
  BundleReport r = check_bundle_file(o.file, options);
  Report report;
  // The document lists every certificate: on a 100,000-certificate bundle building it
  // costs more time and memory than the check itself, so only --json pays for it.
  if (out.json_mode()) report.set_result(to_json(r));
  report.inputs = {o.file};
  report.findings = r.findings;
  out.result(r.verdict);
  out.result(fmt::format("{}: {}, {} sent as {}.", r.file.path, plural(r.certs.size(), "certificate"),
                         plural(r.list.unique_names, "distinct subject"), kCaCert));
  CertificateRequestSize request = certificate_request_size(r.list);
  out.result(fmt::format("CertificateRequest: {} bytes with TLS 1.2, {} with TLS 1.3 (an OpenSSL 3 server's defaults).",
                         with_commas(request.tls12), with_commas(request.tls13)));
  if (r.findings.empty()) out.result("0 errors, 0 warnings, 0 notices.");
  if (r.no_certificate()) {
    // Nothing to judge is not a verdict on a bundle: the input is unusable (exit 2).
    for (const auto& f : r.findings) out.finding(f);
    return out.fail(Error(fmt::format("'{}' holds no certificate to use as {}", o.file, kCaCert), o.file,
                          "give the PEM file of your CA certificates"),
                    &report);
  }
  return out.finish(report);
}

int run_bundle_trim(const BundleTrimOptions& o, const Output& out) {
  if (o.out == "-") throw Error("bundle trim cannot write to standard output (-o -)", {}, "give a file name with -o");
  TrimRequest req{o.file, o.out, o.force, {at_or_now(o.at), o.keep_issuers_of, o.keep}};
  TrimResult r = trim_bundle(req);
  Report report;
  report.set_result(to_json(r));
  report.inputs = {o.file};
  report.inputs.insert(report.inputs.end(), o.keep_issuers_of.begin(), o.keep_issuers_of.end());
  report.outputs = {{r.out, 0644}};
  report.add_warnings(r.warnings, "trim-advice");
  for (const auto& d : r.dropped) {
    out.say(fmt::format("dropped {}: {}", d.cert.index >= 0 ? cert_line(d.cert) : fmt::format("line {}", d.line),
                        d.reason));
  }
  for (const auto& n : r.notes) out.say(n);
  out.result(fmt::format("Wrote {} ({} of {}). CA list: {} before, {} after.", r.out,
                         plural(r.kept.size(), "certificate"), r.certificates, budget(r.before), budget(r.after)));
  out.say(fmt::format("Next: mtlscert bundle check {}", r.out));
  return out.finish(report);
}

int run_bundle_split(const BundleSplitOptions& o, const Output& out) {
  SplitRequest req{o.file, o.cacert, o.cacert_path, o.force, {at_or_now(o.at), o.advertise, o.keep}};
  SplitResult r = split_bundle(req);
  Report report;
  report.set_result(to_json(r));
  report.inputs = {o.file};
  report.inputs.insert(report.inputs.end(), o.advertise.begin(), o.advertise.end());
  report.outputs = {{r.cacert, 0644}, {r.cacert_path, 0755}};
  report.add_warnings(r.warnings, "split-advice");
  for (const auto& c : r.advertised) out.say(fmt::format("advertised {}", cert_line(c)));
  for (const auto& d : r.dropped) {
    out.say(fmt::format("left out {}: {}", d.cert.index >= 0 ? cert_line(d.cert) : fmt::format("line {}", d.line),
                        d.reason));
  }
  out.result(fmt::format("Wrote {} ({}): the CA list is {}; the whole bundle as {} would send {}.", r.cacert,
                         plural(r.advertised.size(), "certificate"), budget(r.after), kCaCert, budget(r.before)));
  out.result(fmt::format("Wrote {} ({} CA files, {} new hash links): trusted for verification, never sent.",
                         r.cacert_path, r.trusted, r.links_created));
  out.result("Add to sendmail.mc, then rebuild sendmail.cf:");
  // Kept apart so it can later call the shared m4 emitter (emit-mc).
  for (const auto& line : split_define_lines(r)) out.result(line);
  return out.finish(report);
}

int run_bundle_rehash(const BundleRehashOptions& o, const Output& out) {
  RehashPlan plan = plan_rehash(o.dir);
  if (!o.dry_run) apply_rehash(plan);
  Report report;
  report.set_result(to_json(plan, o.dry_run));
  report.inputs = {o.dir};
  if (!o.dry_run) report.outputs = {{plan.dir, 0755}};
  const char* prefix = o.dry_run ? "would " : "";
  for (const auto& l : plan.links) {
    if (l.action == RehashLink::Action::Create) out.say(fmt::format("{}link {} -> {}", prefix, l.name, l.target));
    if (l.action == RehashLink::Action::Remove) {
      out.say(fmt::format("{}remove {} -> {} ({})", prefix, l.name, l.target, l.reason));
    }
  }
  for (const auto& s : plan.skipped) {
    report.findings.push_back(make_finding(Level::Notice, "rehash-skipped", fmt::format("skipped {}", s)));
  }
  out.result(fmt::format("{} {}: {} and {} hashed; {} {}, {} {}, {} unchanged.", o.dry_run ? "Dry run in" : "Rehashed",
                         plan.dir, plural(plan.certificates, "certificate"), plural(plan.crls, "CRL"),
                         plural(plan.count(RehashLink::Action::Create), "link"), o.dry_run ? "to create" : "created",
                         plural(plan.count(RehashLink::Action::Remove), "stale link"),
                         o.dry_run ? "to remove" : "removed", plan.count(RehashLink::Action::Keep)));
  return out.finish(report);
}

}  // namespace mtlscert::cli
