#include "cmd_access.h"

#include <fmt/format.h>

#include "cmd_exim.h"
#include "core/error.h"
#include "core/io.h"
#include "mta_flag.h"
#include "postfix/access.h"
#include "sendmail/access_map.h"

namespace mtlscert::cli {

const char* const kAccessSummary =
    "Print sendmail access-map lines: relay for client certificates (CERTISSUER:, CERTSUBJECT:), TLS policy";
const char* const kAccessExamples = R"(  $ mtlscert access --ca /etc/mail/tls/ca/ca.crt >> /etc/mail/access
      CERTISSUER:/CN=Example+20Mail+20CA<TAB>RELAY: any client certificate from your CA may relay
  $ mtlscert access --client laptop.crt
      CERTISSUER:<its issuer> SUBJECT and CERTSUBJECT:<its subject> RELAY: only this certificate
  $ mtlscert access --tls-srv smarthost.example.net --policy VERIFY:128 --cn smarthost.example.net
      TLS_Srv:smarthost.example.net<TAB>VERIFY:128+CN:smarthost.example.net
  then: makemap hash /etc/mail/access < /etc/mail/access (FEATURE(`access_db') needed))";

int run_access(const AccessOptions& o, const Output& out) {
  const Mta mta = mta_from_flag(o.mta);
  switch (mta) {
    case Mta::Sendmail: return run_access_sendmail(o, out);
    case Mta::Postfix: return run_access_postfix(o, out);
    case Mta::Exim: return run_access_exim(o, out);
  }
  not_implemented("access", mta);
}

int run_access_postfix(const AccessOptions& o, const Output& out) {
  const AccessRequest& given = o.request;
  if (!given.ca_files.empty())
    throw Error(
        "access --mta postfix --ca: Postfix cannot limit relaying to one CA's clients (permit_tls_all_clientcerts "
        "trusts every CA in smtpd_tls_CAfile and smtpd_tls_CApath, public ones included)",
        {}, "list each client certificate that may relay with --client CERT");
  if (!given.tls_srv.empty() || !given.tls_clt.empty() || given.subject_rhs || !given.cn.empty())
    throw Error("access --mta postfix: --tls-srv, --tls-clt, --subject and --cn are sendmail's access-map policies", {},
                "Postfix: smtp_tls_policy_maps (see postconf(5)); here give --client CERT");
  if (given.client_files.empty())
    throw Error("access --mta postfix: no client certificate given", {}, "give --client CERT (repeatable)");
  PostfixAccessRequest request;
  request.client_files = given.client_files;
  PostfixAccessResult r = postfix_access(request);
  Report report;
  report.set_result(to_json(r));
  report.inputs = given.client_files;
  const bool to_stdout = o.out.empty() || o.out == "-";
  report.data_on_stdout = to_stdout;
  const std::string text = postfix_access_text(r);
  if (to_stdout) {
    if (!out.json_mode()) out.data(text);
  } else {
    io::WriteOptions write;
    write.overwrite = o.force;
    write.role = "relay_clientcerts table";
    write.dry_run = o.dry_run;
    io::write_file_atomic(o.out, text, write);
    report.outputs.push_back({o.out, 0644, o.dry_run});
    out.result(fmt::format("{} {} ({} certificate(s), mode 0644).", o.dry_run ? "Dry run: would write" : "Wrote", o.out,
                           r.entries.size()));
  }
  return out.finish(report);
}

int run_access_sendmail(const AccessOptions& o, const Output& out) {
  const AccessRequest& request = o.request;
  AccessResult r = make_access_lines(request);
  // A refusal prints no line at all: a partial access file could still be installed.
  if (r.refused()) r.lines.clear();
  Report report;
  report.set_result(to_json(r));
  report.inputs = request.ca_files;
  report.inputs.insert(report.inputs.end(), request.client_files.begin(), request.client_files.end());
  report.findings = r.findings;
  const bool to_stdout = o.out.empty() || o.out == "-";
  report.data_on_stdout = to_stdout;
  const std::string target = to_stdout ? std::string("/etc/mail/access") : o.out;
  if (to_stdout) {
    if (!out.json_mode()) out.data(access_text(r));
  } else if (!has_level(r.findings, Level::Error)) {
    io::WriteOptions write;
    write.overwrite = o.force;
    write.role = "access lines";
    write.dry_run = o.dry_run;
    io::write_file_atomic(o.out, access_text(r), write);
    report.outputs.push_back({o.out, 0644, o.dry_run});
    out.result(fmt::format("{} {} ({} line(s), mode 0644).", o.dry_run ? "Dry run: would write" : "Wrote", o.out,
                           r.lines.size()));
  }
  if (!r.refused()) {
    out.say(
        fmt::format("# Next: append these lines to /etc/mail/access, run makemap hash /etc/mail/access < "
                    "/etc/mail/access{}",
                    to_stdout ? "" : fmt::format(" (from {})", target)));
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
