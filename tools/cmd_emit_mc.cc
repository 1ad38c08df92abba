#include "cmd_emit_mc.h"

#include <ctime>

#include <fmt/format.h>

#include "sendmail/emit_mc.h"

namespace mtlscert::cli {

const char* const kEmitMcSummary =
    "Print the sendmail.mc lines that turn STARTTLS on, after checking what sendmail will check";
const char* const kEmitMcExamples =
    R"(  $ mtlscert emit-mc --server-cert /etc/mail/tls/smtp.crt --server-key /etc/mail/tls/smtp.key \
        --cacert /etc/mail/tls/ca.crt --cacert-path /etc/ssl/certs --host smtp.example.org
      the define lines on stdout; exit 1 with the line sendmail would log if it would refuse them
  $ mtlscert emit-mc ... -o /etc/mail/tls/mtlscert-starttls.m4
      write them (0644, atomically) for include() after DOMAIN(`debian-mta'); not written on errors
  $ mtlscert emit-mc --server-cert /etc/mail/tls/rsa.crt,/etc/mail/tls/ec.crt \
        --server-key /etc/mail/tls/rsa.key,/etc/mail/tls/ec.key ...
      an RSA + ECDSA pair, in the comma form sendmail understands)";

int run_emit_mc(const EmitMcOptions& o, const Output& out) {
  EmitMcRequest request = o.request;
  request.check = !o.no_check;
  const bool to_stdout = request.out.empty() || request.out == "-";
  if (to_stdout) request.out.clear();
  request.now = std::time(nullptr);
  const std::string& file = request.out;
  const McRequest& mc = request.mc;
  EmitMcResult r = emit_mc(request, load_template("sendmail-tls.mc.in"), MTLSCERT_VERSION);
  Report report;
  report.set_result(to_json(r));
  for (const auto* path : {&mc.server_cert, &mc.server_key, &mc.client_cert, &mc.client_key, &mc.cacert, &mc.crl}) {
    if (!path->empty()) report.inputs.push_back(*path);
  }
  if (r.written) report.outputs.push_back({file, 0644, request.dry_run});
  report.add_warnings(r.mc.warnings, "mc-value");
  report.findings.insert(report.findings.end(), r.findings.begin(), r.findings.end());
  if (!r.checked) {
    report.findings.push_back(make_finding(Level::Warn, "no-check",
                                           "--no-check: nothing was checked; sendmail may still refuse these files"));
  }
  // The .mc lines are the product on stdout (redirected into a file): findings go to stderr then.
  report.data_on_stdout = to_stdout;
  if (to_stdout && !out.json_mode() && !r.blocked) out.data(r.mc.text);
  if (r.blocked) {
    if (!to_stdout) out.result(fmt::format("Not written: {} (fix the errors below, then rerun).", file));
  } else if (r.unchanged) {
    out.result(fmt::format("{} is already up to date; unchanged.", file));
  } else if (r.written) {
    out.result(fmt::format("{} {} (mode 0644).", request.dry_run ? "Dry run: would write" : "Wrote", file));
  }
  if (!to_stdout && !r.blocked && !request.dry_run) {
    out.say(
        fmt::format("Next: add include(`{}')dnl to /etc/mail/sendmail.mc after DOMAIN(`debian-mta')dnl, then run "
                    "sendmailconfig (or make -C /etc/mail) and restart sendmail.",
                    file));
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
