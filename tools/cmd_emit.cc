#include "cmd_emit.h"

#include <ctime>

#include <fmt/format.h>

#include "cmd_exim.h"
#include "core/error.h"
#include "mta_flag.h"
#include "postfix/emit.h"

namespace mtlscert::cli {

const char* const kEmitSummary =
    "Print the lines that turn STARTTLS on for sendmail, Postfix or Exim, after checking what the MTA will check";
const char* const kEmitExamples =
    R"(  $ mtlscert emit --mta sendmail --server-cert /etc/mail/tls/smtp.crt --server-key /etc/mail/tls/smtp.key \
        --cacert /etc/mail/tls/ca.crt --cacert-path /etc/ssl/certs --host smtp.example.org
      the sendmail.mc define lines, exactly what emit-mc prints
  $ mtlscert emit --mta postfix --server-cert /etc/mail/tls/smtp.crt --server-key /etc/mail/tls/smtp.key \
        --cacert /etc/mail/tls/ca.crt --cacert-path /etc/ssl/certs
      postconf -e lines; exit 1 with the line smtpd would log if it would refuse the files
  $ mtlscert emit --mta postfix ... -o /etc/mail/tls/mtlscert-main.cf
      a main.cf fragment (0644, atomically) to append to /etc/postfix/main.cf)";

int run_emit_postfix(const EmitOptions& o, const Output& out) {
  if (!o.request.mc.crl.empty() || !o.request.mc.dh_params.empty())
    throw Error("emit --mta postfix: --crl and --dh-params are sendmail's (Postfix has no CRL file)", {},
                "leave them out");
  PostfixEmitRequest request;
  request.server_cert = o.request.mc.server_cert;
  request.server_key = o.request.mc.server_key;
  request.client_cert = o.request.mc.client_cert;
  request.client_key = o.request.mc.client_key;
  request.cacert = o.request.mc.cacert;
  request.cacert_path = o.request.mc.cacert_path;
  request.no_client_cert_request = o.request.mc.no_client_cert_request;
  request.host = o.request.host;
  request.check = !o.no_check;
  const std::string& file = o.request.out;
  const bool to_stdout = file.empty() || file == "-";
  request.out = to_stdout ? std::string() : file;
  request.overwrite = o.request.overwrite;
  request.dry_run = o.request.dry_run;
  request.now = std::time(nullptr);
  PostfixEmitResult r = emit_postfix(request, MTLSCERT_VERSION);
  Report report;
  report.set_result(to_json(r));
  for (const auto* path : {&o.request.mc.server_cert, &o.request.mc.server_key, &o.request.mc.client_cert, &o.request.mc.client_key, &o.request.mc.cacert}) {
    if (!path->empty()) report.inputs.push_back(*path);
  }
  if (r.written) report.outputs.push_back({file, 0644, request.dry_run});
  report.findings = r.findings;
  if (!r.checked) {
    report.findings.push_back(
        make_finding(Level::Warn, "no-check", "--no-check: nothing was checked; smtpd may still refuse these files"));
  }
  report.data_on_stdout = to_stdout;
  if (to_stdout && !out.json_mode() && !r.blocked) out.data(r.postconf);
  if (r.blocked) {
    if (!to_stdout) out.result(fmt::format("Not written: {} (fix the errors below, then rerun).", file));
  } else if (r.unchanged) {
    out.result(fmt::format("{} is already up to date; unchanged.", file));
  } else if (r.written) {
    out.result(fmt::format("{} {} (mode 0644).", request.dry_run ? "Dry run: would write" : "Wrote", file));
    if (!request.dry_run)
      out.say(fmt::format("Next: cat {} >> /etc/postfix/main.cf, then postfix check && postfix reload.", file));
  }
  return out.finish(report);
}

int run_emit(const EmitOptions& o, const Output& out) {
  const Mta mta = mta_from_flag(o.mta);
  if (mta != Mta::Exim && o.exim_style != EmitOptions{}.exim_style) {
    throw Error(fmt::format("--exim-style {} is for --mta exim, not --mta {}", o.exim_style, o.mta), {},
                "leave --exim-style out, or add --mta exim");
  }
  switch (mta) {
    case Mta::Sendmail: {
      EmitMcOptions mc = o;
      if (mc.request.key_group.empty()) mc.request.key_group = EmitMcOptions{}.request.key_group;
      return run_emit_mc(mc, out);
    }
    case Mta::Postfix: return run_emit_postfix(o, out);
    case Mta::Exim: return run_emit_exim(o, out);
  }
  not_implemented("emit", mta);
}

}  // namespace mtlscert::cli
