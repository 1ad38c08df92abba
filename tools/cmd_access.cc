#include "cmd_access.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"
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
