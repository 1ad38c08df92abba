#include "cmd_ca.h"

#include <ctime>

#include <fmt/format.h>

#include "pki/ca.h"
#include "sendmail/options.h"

namespace mtlscert::cli {

const char* const kCaSummary = "A private CA for your mail servers: make it once, then sign their CSRs";
const char* const kCaExamples = R"(  $ mtlscert ca init --dir /etc/mail/ca --name 'Example Mail CA'
      CA key (0600) and self-signed CA certificate, valid 10 years
  $ mtlscert ca sign --dir /etc/mail/ca smtp.csr -o /etc/mail/tls/smtp.crt
      a server+client certificate for the CSR's host, valid 397 days)";
const char* const kCaInitSummary = "Make a CA: key (0600), self-signed certificate (CA:TRUE, pathlen 0), serials";
const char* const kCaInitExamples = R"(  $ mtlscert ca init --dir /etc/mail/ca --name 'Example Mail CA'
      RSA 3072 CA, 3650 days; refuses a directory that already holds a CA
  $ mtlscert ca init --dir ./ca --name 'Test CA' --type ecdsa --days 30
      a short-lived ECDSA P-256 CA for tests)";
const char* const kCaSignSummary = "Sign a CSR with the CA: a server and/or client certificate for sendmail";
const char* const kCaSignExamples = R"(  $ mtlscert ca sign --dir /etc/mail/ca smtp.csr -o /etc/mail/tls/smtp.crt
      serverAuth + clientAuth, 397 days, SANs copied from the CSR
  $ mtlscert ca sign --dir /etc/mail/ca --profile client relay1.csr -o relay1.crt
      a client certificate (clientAuth only) for relaying on a certificate
  $ mtlscert ca sign --dir /etc/mail/ca --force smtp.csr -o /etc/mail/tls/smtp.crt
      renew: replace the certificate atomically)";

int run_ca_init(const CaInitOptions& o, const Output& out) {
  CaInitRequest request;
  request.dir = o.dir;
  request.name = o.name;
  request.key.type = parse_key_type(o.type);
  request.key.bits = o.bits;
  request.key.curve = o.curve;
  request.days = o.days;
  CaInitResult r = ca_init(request, std::time(nullptr));
  Report report;
  report.set_result(to_json(r));
  report.outputs = {{r.key_path, 0600}, {r.cert_path, 0644}};
  report.add_warnings(r.warnings, "ca-advice");
  out.result(fmt::format("Made CA '{}' in {}: key {} ({}, mode 0600), certificate {} (valid until {}).", o.name, o.dir,
                         r.key_path, r.cert.key.label, r.cert_path, r.cert.not_after));
  out.say(fmt::format("Give {} to peers that verify your servers (their {}).", r.cert_path,
                      sendmail_macro(SendmailOption::CaCert)));
  out.say(fmt::format("Next: mtlscert ca sign --dir {} HOST.csr -o HOST.crt (the CSR from mtlscert csr)", o.dir));
  return out.finish(report);
}

int run_ca_sign(const CaSignOptions& o, const Output& out) {
  CaSignRequest request;
  request.dir = o.dir;
  request.csr_path = o.csr;
  request.out = o.out;
  request.profile = parse_cert_profile(o.profile);
  request.days = o.days;
  request.overwrite = o.force;
  if (o.out == "-")
    throw Error("ca sign cannot write the certificate to standard output (-o -)", {}, "give a file name with -o");
  CaSignResult r = ca_sign(request, std::time(nullptr));
  Report report;
  report.set_result(to_json(r));
  report.inputs = {o.csr, r.ca_cert_path};
  report.outputs = {{r.out, 0644}};
  report.add_warnings(r.warnings, "ca-advice");
  std::string names = r.cert.dns_names.empty() ? r.cert.subject : fmt::format("{}", fmt::join(r.cert.dns_names, ", "));
  out.result(fmt::format("Wrote certificate {} for {} (profile {}, serial {}, valid until {}).", r.out, names,
                         cert_profile_name(r.profile), r.cert.serial, r.cert.not_after));
  out.say(fmt::format(
      "Next: mtlscert emit-mc --server-cert {} --server-key KEY --cacert {} --cacert-path "
      "/etc/ssl/certs{}",
      r.out, r.ca_cert_path, r.cert.dns_names.empty() ? "" : fmt::format(" --host {}", r.cert.dns_names.front())));
  return out.finish(report);
}

}  // namespace mtlscert::cli
