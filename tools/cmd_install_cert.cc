#include "cmd_install_cert.h"

#include <ctime>

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"
#include "lifecycle/install.h"
#include "mta_flag.h"
#include "sendmail/emit_mc.h"

namespace mtlscert::cli {

const char* const kInstallCertSummary =
    "Install a new certificate (a CA's, or certbot's as its deploy hook): check, install, reload, probe, roll back";
const char* const kInstallCertExamples = R"(  $ mtlscert install-cert smtp.example.org.crt
      checks key, host name, dates and chain, installs it (0644, atomically), re-runs the pre-flight
  $ mtlscert install-cert --dir ./tls fullchain.pem
      the leaf first, intermediates after it: they go into confCACERT
  $ certbot renew --deploy-hook 'mtlscert install-cert --from-certbot "$RENEWED_LINEAGE"
      --reload "systemctl reload sendmail" --probe localhost:25'
      the lineage's certificate, chain and key; the old files kept as *.prev; rolled back
      (restored and reloaded again) when the new certificate is not what the server serves)";

int run_install_cert(const InstallCertOptions& o, const Output& out) {
  InstallRequest r;
  r.from_certbot = o.from_certbot;
  if (!o.cert.empty() && !o.cert_file.empty())
    throw Error("install-cert: CERT and --cert both given", o.cert, "give the certificate once");
  r.cert = o.cert.empty() ? o.cert_file : o.cert;
  r.chain = o.chain;
  r.key = o.key;
  r.dir = o.dir;
  if (!o.mta.empty()) r.mta = mta_from_flag(o.mta);
  r.cacert = o.cacert;
  r.reload = o.reload;
  r.probe = o.probe;
  r.probe_timeout = o.probe_timeout;
  r.dry_run = o.dry_run;
  if (o.dane) {
    r.dane = DaneGate{.resolver = o.resolver, .trust_anchor = o.trust_anchor, .force = o.force};
  } else if (o.force || !o.resolver.empty() || !o.trust_anchor.empty()) {
    throw Error("install-cert: --force, --resolver and --trust-anchor go with --dane", {},
                "add --dane to check the published TLSA records, or leave them out");
  }
  r.now = std::time(nullptr);
  const InstallPlan plan = plan_install(r);
  const InstallOutcome result =
      o.dry_run ? preview_install(plan)
                : install(plan, default_install_hooks(), load_template("sendmail-tls.mc.in"), MTLSCERT_VERSION);
  Report report;
  report.set_result(to_json(result, schema_name(out.command())));
  report.findings = result.result.findings;
  report.add_warnings(result.result.warnings, "install-advice");
  for (const auto& f : result.result.files) {
    if (f.status.starts_with("installed") || f.status.starts_with("written"))
      report.outputs.push_back({f.path, f.mode});
    out.result(fmt::format("{}  {}  {}", f.path, f.mode == 0 ? "-" : io::mode_string(f.mode), f.status));
    out.say(fmt::format("    {}", f.purpose));
  }
  if (result.result.checked && !has_level(result.result.findings, Level::Error))
    out.result(fmt::format("Pre-flight: {} will accept these files and offer STARTTLS.", mta_name(plan.mta)));
  for (const auto& s : result.steps) out.say(fmt::format("  {}", s));
  if (result.outcome == "would-install") {
    out.result(fmt::format("Dry run: serial {} passed every check; nothing written.", result.serial));
  } else if (result.outcome == "installed") {
    out.result(result.served.empty()
                   ? fmt::format("Installed serial {}.", result.serial)
                   : fmt::format("Installed serial {}; {} serves it.", result.serial, plan.request.probe));
    out.say("Next:");
    int n = 1;
    for (const auto& step : result.result.next_steps) out.say(fmt::format("  {}. {}", n++, step));
  } else {
    out.result(fmt::format("Rolled back: serial {} is not installed; the previous files are in place.", result.serial));
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
