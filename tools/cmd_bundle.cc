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
      --out-cacert /etc/mail/tls/ca.pem --out-cacert-path /etc/mail/tls/certs
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
      --out-cacert /etc/mail/tls/ca.pem --out-cacert-path /etc/mail/tls/certs
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
  mtlscert::BundleCheckOptions options = o.check;
  options.at = at_or_now(o.at);
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
  TrimRequest req = o.request;
  req.select.at = at_or_now(o.at);
  const bool to_stdout = req.out == "-";
  TrimResult r = trim_bundle(req);
  Report report;
  report.set_result(to_json(r));
  report.inputs = {req.path};
  report.inputs.insert(report.inputs.end(), req.select.keep_issuers_of.begin(), req.select.keep_issuers_of.end());
  if (!to_stdout) report.outputs = {{r.out, 0644, req.dry_run}};
  report.add_warnings(r.warnings, "trim-advice");
  // The clean bundle is the product on stdout with -o -: every other line goes to stderr then
  // (the findings, by data_on_stdout; the list of what was dropped, as progress).
  report.data_on_stdout = to_stdout;
  auto say = [&](const std::string& line) { to_stdout ? out.note(line) : out.say(line); };
  for (const auto& d : r.dropped) {
    say(fmt::format("dropped {}: {}", d.cert.index >= 0 ? cert_line(d.cert) : fmt::format("line {}", d.line),
                    d.reason));
  }
  for (const auto& n : r.notes) say(n);
  const std::string summary =
      fmt::format("{} ({} of {}). CA list: {} before, {} after.", to_stdout ? std::string("standard output") : r.out,
                  plural(r.kept.size(), "certificate"), r.certificates, budget(r.before), budget(r.after));
  if (to_stdout) {
    if (!out.json_mode() && !req.dry_run) out.data(r.pem);  // with --json: result.pem
    say(fmt::format("{} {}", req.dry_run ? "Dry run: would write" : "Wrote", summary));
    return out.finish(report);
  }
  out.result(fmt::format("{} {}", req.dry_run ? "Dry run: would write" : "Wrote", summary));
  if (!req.dry_run) out.say(fmt::format("Next: mtlscert bundle check {}", r.out));
  return out.finish(report);
}

namespace {

// deprecated_alias: the old spelling of an output flag still works, with a one-line notice.
void deprecated_alias(const Output& out, const std::string& old_value, const char* old_flag, const char* new_flag,
                      std::string& target) {
  if (old_value.empty()) return;
  if (!target.empty()) {
    throw Error(fmt::format("{} and {} name the same output; give only {}", old_flag, new_flag, new_flag), {},
                fmt::format("{} is the old spelling of {}", old_flag, new_flag));
  }
  out.warn(
      fmt::format("{} is deprecated in bundle split (elsewhere it names what is read); use {}", old_flag, new_flag));
  target = old_value;
}

}  // namespace

int run_bundle_split(const BundleSplitOptions& o, const Output& out) {
  SplitRequest req = o.request;
  deprecated_alias(out, o.old_cacert, "--cacert", "--out-cacert", req.cacert);
  deprecated_alias(out, o.old_cacert_path, "--cacert-path", "--out-cacert-path", req.cacert_path);
  if (req.cacert.empty() || req.cacert_path.empty()) {
    throw Error(
        fmt::format("bundle split needs {}", req.cacert.empty() ? "--out-cacert FILE" : "--out-cacert-path DIR"), {},
        "give --out-cacert FILE (the short confCACERT) and --out-cacert-path DIR (the hashed directory)");
  }
  req.advertise.at = at_or_now(o.at);
  SplitResult r = split_bundle(req);
  Report report;
  report.set_result(to_json(r));
  report.inputs = {req.path};
  report.inputs.insert(report.inputs.end(), req.advertise.keep_issuers_of.begin(), req.advertise.keep_issuers_of.end());
  report.outputs = {{r.cacert, 0644, req.dry_run}, {r.cacert_path, 0755, req.dry_run}};
  report.add_warnings(r.warnings, "split-advice");
  for (const auto& c : r.advertised) out.say(fmt::format("advertised {}", cert_line(c)));
  for (const auto& d : r.dropped) {
    out.say(fmt::format("left out {}: {}", d.cert.index >= 0 ? cert_line(d.cert) : fmt::format("line {}", d.line),
                        d.reason));
  }
  const char* wrote = req.dry_run ? "Dry run: would write" : "Wrote";
  out.result(fmt::format("{} {} ({}): the CA list is {}; the whole bundle as {} would send {}.", wrote,
                         r.cacert, plural(r.advertised.size(), "certificate"), budget(r.after), kCaCert,
                         budget(r.before)));
  out.result(fmt::format("{} {} ({} CA files, {} new hash links): trusted for verification, never sent.", wrote,
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
