#include "cmd_doctor.h"

#include <ctime>

#include <fmt/format.h>

#include "sendmail/doctor.h"

namespace mtlscert::cli {

const char* const kDoctorSummary =
    "Read a sendmail.cf (or .mc) and say why STARTTLS would not work: each problem, the line sendmail logs, the fix";
const char* const kDoctorExamples = R"(  $ mtlscert doctor
      reads /etc/mail/sendmail.cf; exit 0 healthy, 1 problems found (each with its fix)
  $ mtlscert doctor /etc/mail/sendmail.mc
      the define lines of the .mc and of every file it include()s
  $ mtlscert doctor --host smtp.example.org /etc/mail/sendmail.cf
      also check that the server certificate names the host peers connect to)";

int run_doctor(const DoctorOptions& o, const Output& out) {
  DoctorRequest request = o.request;
  request.now = std::time(nullptr);
  DoctorResult r = doctor(request);
  Report report;
  report.set_result(to_json(r));
  report.inputs = r.config.files_read;
  report.findings = r.findings;
  const SendmailTls& t = r.config.tls;
  out.say(fmt::format("Read {} ({}{}).", request.path, r.config.is_mc ? "m4 source" : "sendmail.cf",
                      r.config.files_read.size() > 1
                          ? fmt::format(", {} included file(s)", r.config.files_read.size() - 1)
                          : std::string()));
  if (r.config.any_tls_option) {
    out.say(fmt::format("  ServerCertFile={} ServerKeyFile={}", t.server_cert_file, t.server_key_file));
    out.say(fmt::format("  CACertFile={} CACertPath={}", t.ca_cert_file, t.ca_cert_path));
    if (!t.client_cert_file.empty()) {
      out.say(fmt::format("  ClientCertFile={} ClientKeyFile={}", t.client_cert_file, t.client_key_file));
    }
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

}  // namespace mtlscert::cli
