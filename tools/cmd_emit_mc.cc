#include "cmd_emit_mc.h"

#include <ctime>

#include <fmt/format.h>

#include "mtlscert/mc_emit.h"

namespace mtlscert::cli {

const char* const kEmitMcSummary =
    "Print the sendmail.mc lines that turn STARTTLS on, after checking what sendmail will check";
const char* const kEmitMcExamples = R"(  $ mtlscert emit-mc --server-cert /etc/mail/tls/smtp.crt --server-key /etc/mail/tls/smtp.key \
        --cacert /etc/mail/tls/ca.crt --cacert-path /etc/ssl/certs --host smtp.example.org
      the define lines on stdout; exit 1 with the line sendmail would log if it would refuse them
  $ mtlscert emit-mc ... -o /etc/mail/tls/mtlscert-starttls.m4
      write them (0644, atomically) for include() after DOMAIN(`debian-mta'); not written on errors
  $ mtlscert emit-mc --server-cert /etc/mail/tls/rsa.crt,/etc/mail/tls/ec.crt \
        --server-key /etc/mail/tls/rsa.key,/etc/mail/tls/ec.key ...
      an RSA + ECDSA pair, in the comma form sendmail understands)";

int run_emit_mc(const EmitMcOptions& o, const Output& out) {
  EmitMcRequest request;
  request.mc.server_cert = o.server_cert;
  request.mc.server_key = o.server_key;
  request.mc.client_cert = o.client_cert;
  request.mc.client_key = o.client_key;
  request.mc.cacert = o.cacert;
  request.mc.cacert_path = o.cacert_path;
  request.mc.crl = o.crl;
  request.mc.dh_params = o.dh_params;
  request.mc.no_client_cert_request = o.no_client_cert_request;
  request.host = o.host;
  request.key_group = o.key_group;
  request.check = !o.no_check;
  request.out = o.out;
  request.overwrite = o.force;
  request.now = std::time(nullptr);
  EmitMcResult r = emit_mc(request, load_template("sendmail-tls.mc.in"), MTLSCERT_VERSION);
  out.json(to_json(r));

  if (o.out.empty() && !out.json_mode()) std::fputs(r.mc.text.c_str(), stdout);
  out.warn_all(r.mc.warnings);
  for (const auto& f : r.findings) {
    std::string line = fmt::format("{} [{}]", f.message, f.code);
    if (!f.sendmail_log.empty()) line += fmt::format("; sendmail would log: {}", f.sendmail_log);
    if (f.level == Level::Error) {
      out.error(Error(line, f.path, f.hint));
    } else {
      out.warn(fmt::format("{}{}", f.level == Level::Notice ? "notice: " : "", line));
      if (!f.hint.empty()) out.warn(fmt::format("  hint: {}", f.hint));
    }
  }
  if (r.blocked) {
    if (!o.out.empty()) out.result(fmt::format("Not written: {} (fix the errors above, then rerun).", o.out));
    return 1;
  }
  if (r.unchanged) {
    out.result(fmt::format("{} is already up to date; unchanged.", o.out));
  } else if (r.written) {
    out.result(fmt::format("Wrote {} (mode 0644).", o.out));
  }
  if (!o.out.empty()) {
    out.say(fmt::format("Next: add include(`{}')dnl to /etc/mail/sendmail.mc after DOMAIN(`debian-mta')dnl, then run "
                        "sendmailconfig (or make -C /etc/mail) and restart sendmail.",
                        o.out));
  }
  if (!r.checked) out.warn("--no-check: nothing was checked; sendmail may still refuse these files");
  return 0;
}

}  // namespace mtlscert::cli
