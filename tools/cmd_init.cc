#include "cmd_init.h"

#include <ctime>

#include <fmt/format.h>

#include "mtlscert/init.h"
#include "mtlscert/io.h"
#include "mtlscert/mc_emit.h"

namespace mtlscert::cli {

const char* const kInitSummary =
    "The whole recipe for HOST: key, CSR, private CA and certificate, CA files, sendmail.mc lines";
const char* const kInitExamples = R"(  $ mtlscert init smtp.example.org --ca private
      /etc/mail/tls: key, CSR, a private CA that signs a server+client certificate, cacert.pem,
      certs/ (hashed), mtlscert-starttls.m4 checked by the pre-flight; then the next steps
  $ mtlscert init smtp.example.org --dir ./tls
      key and CSR only (send the CSR to a CA), then: mtlscert install-cert CERT --dir ./tls
  $ mtlscert init smtp.example.org --ca private
      run again: every file that is already right says "already present; unchanged")";
const char* const kInstallCertSummary =
    "Install the certificate a CA returned into the directory init made, after checking it";
const char* const kInstallCertExamples = R"(  $ mtlscert install-cert smtp.example.org.crt
      checks key, host name, dates and chain, installs it (0644, atomically), re-runs the pre-flight
  $ mtlscert install-cert --dir ./tls fullchain.pem
      the leaf first, intermediates after it: they go into confCACERT)";

namespace {

int report(const InitResult& r, std::string_view schema, const Output& out) {
  out.json(to_json(r, schema));
  out.warn_all(r.warnings);
  for (const auto& f : r.files) {
    out.result(fmt::format("{}  {}  {}", f.path, f.mode == 0 ? "-" : io::mode_string(f.mode), f.status));
    out.say(fmt::format("    {}", f.purpose));
  }
  int errors = 0;
  for (const auto& f : r.findings) {
    std::string line = fmt::format("{} [{}]", f.message, f.code);
    if (!f.sendmail_log.empty()) line += fmt::format("; sendmail would log: {}", f.sendmail_log);
    if (f.level == Level::Error) {
      ++errors;
      out.error(Error(line, f.path, f.hint));
    } else {
      out.warn(fmt::format("{}{}", f.level == Level::Notice ? "notice: " : "", line));
    }
  }
  if (r.checked && errors == 0) out.result("Pre-flight: sendmail will accept these files and offer STARTTLS.");
  if (errors > 0) {
    out.result("Fix the errors above, then run the same command again.");
    return 1;
  }
  out.say("Next:");
  int n = 1;
  for (const auto& step : r.next_steps) out.say(fmt::format("  {}. {}", n++, step));
  return 0;
}

}  // namespace

int run_init(const InitOptions& o, const Output& out) {
  InitRequest r;
  r.host = o.host;
  r.dir = o.dir;
  r.private_ca = o.ca == "private";
  r.ca_dir = o.ca_dir;
  r.cacert = o.cacert;
  r.key = KeySpec{parse_key_type(o.type), o.bits, o.curve};
  r.key_group = o.group;
  r.subject = SubjectFields{o.country, o.state, o.locality, o.org, o.ou, o.email};
  r.now = std::time(nullptr);
  return report(init_mail_tls(r, load_template("sendmail-tls.mc.in"), MTLSCERT_VERSION), "mtlscert.init/1", out);
}

int run_install_cert(const InstallCertOptions& o, const Output& out) {
  InstallCertRequest r;
  r.cert = o.cert;
  r.dir = o.dir;
  r.now = std::time(nullptr);
  return report(install_cert(r, load_template("sendmail-tls.mc.in"), MTLSCERT_VERSION), "mtlscert.install-cert/1", out);
}

}  // namespace mtlscert::cli
