#include "cmd_ca_revoke.h"

#include <ctime>

#include <fmt/format.h>

#include "exim/options.h"
#include "sendmail/options.h"

namespace mtlscert::cli {

const char* const kCaRevokeSummary = "Revoke a certificate of the CA: record its serial for the next CRL";
const char* const kCaRevokeExamples = R"(  $ mtlscert ca revoke --dir /etc/mail/ca --reason keyCompromise laptop.crt
      the certificate's serial goes in /etc/mail/ca/revoked; then write the CRL
  $ mtlscert ca revoke --dir /etc/mail/ca 5F3A09C2E1B04D6A8E2F1C7B9D0E3A41
      by serial, as `mtlscert inspect` or the CA's serials file shows it)";
const char* const kCaCrlSummary = "Write the CA's CRL (signed, v2, numbered) for sendmail confCRL and Exim tls_crl";
const char* const kCaCrlExamples = R"(  $ mtlscert ca crl --dir /etc/mail/ca -o /etc/mail/tls/ca.crl
      every revoked serial, valid 30 days: rewrite it sooner (cron), then restart sendmail
  $ mtlscert ca crl --dir /etc/mail/ca -o /etc/mail/tls/ca.crl --days 7
      a shorter life: a stolen certificate's revocation cannot be hidden as long)";

int run_ca_revoke(const CaRevokeOptions& o, const Output& out) {
  CaRevokeResult r = ca_revoke({.dir = o.dir, .target = o.target, .reason = o.reason, .dry_run = o.dry_run}, std::time(nullptr));
  Report report;
  report.set_result(to_json(r));
  report.inputs = {r.ca_cert_path};
  if (r.from_certificate) report.inputs.push_back(o.target);
  if (!r.already) report.outputs = {{r.revoked_path, 0644, o.dry_run}};
  report.add_warnings(r.warnings, "ca-advice");
  if (r.already) {
    out.result(fmt::format("Serial {} ({}) was already revoked on {} ({}); unchanged.", r.serial, r.subject, r.revoked,
                           revocation_reason_name(r.reason)));
  } else {
    out.result(fmt::format("{} serial {} ({}), reason {}: {} in {}.", o.dry_run ? "Dry run: would revoke" : "Revoked", r.serial, r.subject,
                           revocation_reason_name(r.reason), o.dry_run ? "would record it" : "recorded", r.revoked_path));
  }
  out.say(
      fmt::format("Next: mtlscert ca crl --dir {} -o CRLFILE, then restart the MTA (peers refuse the certificate "
                  "only once their CRL lists it).",
                  o.dir));
  return out.finish(report);
}

int run_ca_crl(const CaCrlOptions& o, const Output& out) {
  CaCrlResult r = ca_crl({.dir = o.dir, .out = o.out, .days = o.days, .overwrite = o.force, .dry_run = o.dry_run}, std::time(nullptr));
  Report report;
  report.set_result(to_json(r));
  report.inputs = {r.ca_cert_path};
  report.outputs = {{r.out, 0644, o.dry_run}};
  report.add_warnings(r.warnings, "ca-advice");
  out.result(fmt::format("{} CRL {} (number {}, {} revoked{}, next update {}).",
                         o.dry_run ? "Dry run: would write" : "Wrote", r.out, r.number, r.revoked,
                         r.expired_omitted == 0
                             ? ""
                             : fmt::format("; {} expired before the last CRL lifetime left out", r.expired_omitted),
                         r.next_update));
  out.say(
      fmt::format("Load it: sendmail {} (then restart sendmail: it reads the CRL at start), Exim {}; Postfix has "
                  "no CRL option.",
                  sendmail_macro(SendmailOption::Crl), exim_name(EximOption::Crl)));
  out.say(fmt::format("Rewrite it before {}: past its next update OpenSSL refuses every certificate of this CA.",
                      r.next_update));
  return out.finish(report);
}

}  // namespace mtlscert::cli
