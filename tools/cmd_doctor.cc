#include "cmd_doctor.h"

#include <ctime>

#include <fmt/format.h>

#include "cmd_exim.h"
#include "lifecycle/expiry.h"
#include "mta/detect.h"
#include "mta_flag.h"
#include "postfix/doctor.h"
#include "sendmail/doctor.h"
#include "sendmail/options.h"

namespace mtlscert::cli {

const char* const kDoctorSummary =
    "Read a sendmail.cf (or .mc) and say why STARTTLS would not work: each problem, the line sendmail logs, the fix";
const char* const kDoctorExamples = R"(  $ mtlscert doctor
      reads /etc/mail/sendmail.cf; exit 0 healthy, 1 problems found (each with its fix)
  $ mtlscert doctor /etc/mail/sendmail.mc
      the define lines of the .mc and of every file it include()s
  $ mtlscert doctor --host smtp.example.org /etc/mail/sendmail.cf
      also check that the server certificate names the host peers connect to)";

namespace {

using enum SendmailOption;

// "  ServerCertFile=… ServerKeyFile=…": two options as the .cf spells them, values as read.
std::string option_pair(const SendmailTls& t, SendmailOption a, SendmailOption b) {
  auto value = [&t](SendmailOption id) -> const std::string& {
    return t.*sendmail_option_table()[static_cast<std::size_t>(id)].tls;
  };
  return fmt::format("  {}={} {}={}", sendmail_cf_name(a), value(a), sendmail_cf_name(b), value(b));
}

}  // namespace

// Which MTA doctor checks: --mta, else the one FILE is written for, else sendmail (what
// doctor read before it knew other MTAs; its output names the MTA, so a wrong guess shows).
Mta doctor_mta(const DoctorOptions& o) {
  if (!o.mta.empty()) return mta_from_flag(o.mta);
  if (o.request.path.empty()) return Mta::Sendmail;
  return detect_mta(o.request.path).value_or(Mta::Sendmail);
}

int run_doctor(const DoctorOptions& options, const Output& out) {
  DoctorOptions o = options;
  const Mta mta = doctor_mta(o);
  if (o.request.path.empty()) o.request.path = default_config_path(mta);
  switch (mta) {
    case Mta::Sendmail: return run_doctor_sendmail(o, out);
    case Mta::Postfix: return run_doctor_postfix(o, out);
    case Mta::Exim: return run_doctor_exim(o, out);
  }
  not_implemented("doctor", mta);
}

void add_lifecycle_findings(const DoctorOptions& o, const std::string& cert, const std::string& host,
                            std::vector<Finding>& findings) {
  if (cert.empty()) return;
  const std::time_t now = std::time(nullptr);
  std::vector<Finding> more;
  if (!o.expires_within.empty())
    more = file_expiry_findings(cert, parse_duration(o.expires_within, "--expires-within"), now);
  if (!o.probe.empty()) {
    auto served = served_findings(cert, o.probe, host, now);
    more.insert(more.end(), served.begin(), served.end());
  }
  findings.insert(findings.begin(), more.begin(), more.end());
}

int run_doctor_sendmail(const DoctorOptions& o, const Output& out) {
  DoctorRequest request = o.request;
  request.now = std::time(nullptr);
  DoctorResult r = doctor(request);
  add_lifecycle_findings(o, r.config.tls.server_cert_file, o.request.host.empty() ? r.config.host : o.request.host, r.findings);
  Report report;
  report.set_result(to_json(r));
  report.result["mta"] = mta_name(Mta::Sendmail);
  report.inputs = r.config.files_read;
  report.findings = r.findings;
  const SendmailTls& t = r.config.tls;
  out.say(fmt::format("Read {} (sendmail, {}{}).", request.path, r.config.is_mc ? "m4 source" : "sendmail.cf",
                      r.config.files_read.size() > 1
                          ? fmt::format(", {} included file(s)", r.config.files_read.size() - 1)
                          : std::string()));
  if (r.config.any_tls_option) {
    out.say(option_pair(t, ServerCert, ServerKey));
    out.say(option_pair(t, CaCert, CaCertPath));
    if (!t.client_cert_file.empty()) out.say(option_pair(t, ClientCert, ClientKey));
    out.say(fmt::format("  TLSSrvOptions={} RunAsUser={}", t.tls_srv_options.empty() ? "(none)" : t.tls_srv_options,
                        r.config.run_as_user.empty() ? "root" : r.config.run_as_user));
  }
  if (exit_code(r.findings) == Exit::Ok) {
    out.result(fmt::format("{}: healthy: sendmail will offer STARTTLS with these files.", request.path));
  } else {
    out.result(fmt::format("{}: sendmail would not offer STARTTLS as configured:", request.path));
  }
  return out.finish(report);
}

int run_doctor_postfix(const DoctorOptions& o, const Output& out) {
  PostfixDoctorRequest request;
  request.path = o.request.path;
  request.host = o.request.host;
  request.now = std::time(nullptr);
  PostfixDoctorResult r = postfix_doctor(request);
  add_lifecycle_findings(o, r.config.tls.cert_file, o.request.host, r.findings);
  Report report;
  report.set_result(to_json(r));
  report.inputs = r.config.files_read;
  report.findings = r.findings;
  const PostfixTls& t = r.config.tls;
  out.say(fmt::format(
      "Read {} (postfix, main.cf{}).", o.request.path,
      r.config.service.empty() ? std::string() : fmt::format(" and master.cf service {}", r.config.service)));
  if (r.config.any_tls_option) {
    if (!t.chain_files.empty()) {
      out.say(fmt::format("  smtpd_tls_chain_files={}", t.chain_files));
    } else {
      out.say(fmt::format("  smtpd_tls_cert_file={} smtpd_tls_key_file={}", t.cert_file, t.key_file));
    }
    out.say(fmt::format("  smtpd_tls_CAfile={} smtpd_tls_CApath={}", t.ca_file, t.ca_path));
    out.say(fmt::format("  smtpd_tls_security_level={} smtpd_tls_ask_ccert={}", t.security_level, t.ask_ccert));
  }
  if (exit_code(r.findings) == Exit::Ok) {
    out.result(fmt::format("{}: healthy: Postfix will offer STARTTLS with these files.", o.request.path));
  } else {
    out.result(fmt::format("{}: Postfix would not do STARTTLS as configured:", o.request.path));
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
