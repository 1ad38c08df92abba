#include "cmd_ca.h"

#include <ctime>
#include <string>

#include <fmt/format.h>

#include "pki/ca.h"
#include "sendmail/options.h"

namespace mtlscert::cli {

namespace {
// The defaults the examples state, from defaults.h (formatted once, at start-up).
const std::string kCaExamplesText = fmt::format(R"(  $ mtlscert ca init --dir /etc/mail/ca --name 'Example Mail CA'
      CA key (0600) and self-signed CA certificate, valid {} days
  $ mtlscert ca sign --dir /etc/mail/ca smtp.csr -o /etc/mail/tls/smtp.crt
      a server+client certificate for the CSR's host, valid {} days)",
                                                kDefaultCaDays, kDefaultLeafDays);
const std::string kCaInitExamplesText = fmt::format(R"(  $ mtlscert ca init --dir /etc/mail/ca --name 'Example Mail CA'
      RSA {} CA, {} days; refuses a directory that already holds a CA
  $ mtlscert ca init --dir ./ca --name 'Test CA' --type ecdsa --days 30
      a short-lived ECDSA {} CA for tests)",
                                                    kDefaultCaRsaBits, kDefaultCaDays, kDefaultCurve);
const std::string kCaSignExamplesText =
    fmt::format(R"(  $ mtlscert ca sign --dir /etc/mail/ca smtp.csr -o /etc/mail/tls/smtp.crt
      serverAuth + clientAuth, {} days, SANs copied from the CSR
  $ mtlscert ca sign --dir /etc/mail/ca --profile client relay1.csr -o relay1.crt
      a client certificate (clientAuth only) for relaying on a certificate
  $ mtlscert ca sign --dir /etc/mail/ca --force smtp.csr -o /etc/mail/tls/smtp.crt
      renew: replace the certificate atomically)",
                kDefaultLeafDays);
}  // namespace

const char* const kCaSummary = "A private CA for your mail servers: make it once, then sign their CSRs";
const char* const kCaExamples = kCaExamplesText.c_str();
const char* const kCaInitSummary = "Make a CA: key (0600), self-signed certificate (CA:TRUE, pathlen 0), serials";
const char* const kCaInitExamples = kCaInitExamplesText.c_str();
const char* const kCaSignSummary = "Sign a CSR with the CA: a server and/or client certificate for sendmail";
const char* const kCaSignExamples = kCaSignExamplesText.c_str();

int run_ca_init(const CaInitOptions& o, const Output& out) {
  CaInitRequest request = o.request;
  request.key.type = parse_key_type(o.type);
  CaInitResult r = ca_init(request, std::time(nullptr));
  Report report;
  report.set_result(to_json(r));
  report.outputs = {{r.key_path, 0600, request.dry_run}, {r.cert_path, 0644, request.dry_run}};
  report.add_warnings(r.warnings, "ca-advice");
  out.result(fmt::format("{} CA '{}' in {}: key {} ({}, mode 0600), certificate {} (valid until {}).",
                         request.dry_run ? "Dry run: would write" : "Made", request.name, request.dir, r.key_path,
                         r.cert.key.label, r.cert_path, r.cert.not_after));
  out.say(fmt::format("Give {} to peers that verify your servers (their {}).", r.cert_path,
                      sendmail_macro(SendmailOption::CaCert)));
  out.say(fmt::format("Next: mtlscert ca sign --dir {} HOST.csr -o HOST.crt (the CSR from mtlscert csr)", request.dir));
  return out.finish(report);
}

int run_ca_sign(const CaSignOptions& o, const Output& out) {
  CaSignRequest request = o.request;
  request.profile = parse_cert_profile(o.profile);
  const bool to_stdout = request.out == "-";
  CaSignResult r = ca_sign(request, std::time(nullptr));
  Report report;
  report.set_result(to_json(r));
  report.inputs = {request.csr_path, r.ca_cert_path};
  report.add_warnings(r.warnings, "ca-advice");
  if (to_stdout) {
    report.data_on_stdout = true;
    if (!out.json_mode() && !request.dry_run) out.data(r.pem);  // with --json: result.pem
    return out.finish(report);
  }
  report.outputs = {{r.out, 0644, request.dry_run}};
  std::string names = r.cert.dns_names.empty() ? r.cert.subject : fmt::format("{}", fmt::join(r.cert.dns_names, ", "));
  out.result(fmt::format("{} certificate {} for {} (profile {}, serial {}, valid until {}).",
                         request.dry_run ? "Dry run: would write" : "Wrote", r.out, names, cert_profile_name(r.profile),
                         r.cert.serial, r.cert.not_after));
  out.say(fmt::format(
      "Next: mtlscert emit-mc --server-cert {} --server-key KEY --cacert {} --cacert-path "
      "/etc/ssl/certs{}",
      r.out, r.ca_cert_path, r.cert.dns_names.empty() ? "" : fmt::format(" --host {}", r.cert.dns_names.front())));
  return out.finish(report);
}

}  // namespace mtlscert::cli
