#include "cmd_init.h"

#include <algorithm>
#include <grp.h>

#include <ctime>

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"
#include "exim/init.h"
#include "exim/options.h"
#include "mta_flag.h"
#include "postfix/init.h"
#include "sendmail/emit_mc.h"
#include "sendmail/init.h"

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
namespace {

int print_init(const InitResult& r, const Output& out, std::string_view mta = "sendmail") {
  Report report;
  report.set_result(to_json(r, schema_name(out.command())));
  report.findings = r.findings;
  report.add_warnings(r.warnings, "init-advice");
  for (const auto& f : r.files) {
    if (f.status.starts_with("created") || f.status.starts_with("rewritten"))
      report.outputs.push_back({f.path, f.mode});
    out.result(fmt::format("{}  {}  {}", f.path, f.mode == 0 ? "-" : io::mode_string(f.mode), f.status));
    out.say(fmt::format("    {}", f.purpose));
  }
  if (r.dry_run) {
    const auto count = [&r](std::string_view prefix) {
      return std::count_if(r.files.begin(), r.files.end(),
                           [prefix](const InitFile& f) { return f.status.starts_with(prefix); });
    };
    out.result(fmt::format("Dry run in {}: {} to create, {} to rewrite, {} to write, {} unchanged; nothing written.",
                           r.dir, count("would create"), count("would rewrite"), count("would write"),
                           count(kInitUnchanged)));
  }
  const bool errors = has_level(r.findings, Level::Error);
  if (r.checked && !errors) out.result(fmt::format("Pre-flight: {} will accept these files and offer STARTTLS.", mta));
  if (errors) {
    out.result("Fix the errors below, then run the same command again.");
  } else {
    out.say("Next:");
    int n = 1;
    for (const auto& step : r.next_steps) out.say(fmt::format("  {}. {}", n++, step));
  }
  return out.finish(report);
}

}  // namespace

int run_init(const InitOptions& o, const Output& out) {
  const Mta mta = mta_from_flag(o.mta);
  if (o.dry_run && mta != Mta::Sendmail) {
    throw Error(fmt::format("init --dry-run: not yet for --mta {}; run it without --dry-run in a scratch --dir",
                            mta_name(mta)));
  }
  switch (mta) {
    case Mta::Sendmail: return run_init_sendmail(o, out);
    case Mta::Postfix: return run_init_postfix(o, out);
    case Mta::Exim: return run_init_exim(o, out);
  }
  not_implemented("init", mta);
}

// init_request: the request every MTA's init shares (its files), from the flags.
InitRequest init_request(const InitOptions& o) {
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
  return r;
}

// Exim reads the key as Debian-exim: without --group the key is made root:Debian-exim 0640
// when that group exists (a root 0600 key makes every handshake fail, measured).
int run_init_exim(const InitOptions& o, const Output& out) {
  InitRequest r = init_request(o);
  if (r.key_group.empty() && ::getgrnam(std::string(kEximDebianUser).c_str()) != nullptr) {
    r.key_group = std::string(kEximDebianUser);
  }
  r.lines = exim_init_lines;
  return print_init(init_mail_tls(r, load_template("sendmail-tls.mc.in"), MTLSCERT_VERSION), out, "Exim");
}

int run_init_sendmail(const InitOptions& o, const Output& out) {
  const InitPlan plan = plan_init(init_request(o));
  if (o.dry_run) return print_init(preview_init(plan), out);
  return print_init(apply_init(plan, load_template("sendmail-tls.mc.in"), MTLSCERT_VERSION), out);
}

int run_init_postfix(const InitOptions& o, const Output& out) {
  return print_init(init_postfix_tls(init_request(o), MTLSCERT_VERSION), out, "Postfix");
}

}  // namespace mtlscert::cli
