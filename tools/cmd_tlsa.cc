#include "cmd_tlsa.h"

#include <fmt/format.h>

#include "dns/tlsa.h"

namespace mtlscert::cli {

const char* const kTlsaSummary = "Print the DANE TLSA record to publish for a certificate or key (and the next key's)";
const char* const kTlsaExamples = R"(  $ mtlscert tlsa /etc/mail/tls/smtp.crt --host mx.example.org
      _25._tcp.mx.example.org. IN TLSA 3 1 1 <SHA-256 of the public key>
  $ mtlscert tlsa /etc/mail/tls/ca.crt --host mx.example.org --usage dane-ta
      2 1 1: any certificate your private CA issues for the host matches
  $ mtlscert tlsa /etc/mail/tls/smtp.key --host mx.example.org --next /etc/mail/tls/smtp-next.key
      make the next key now and print both records: publish them, wait a few TTLs, then switch)";

int run_tlsa(const TlsaCmdOptions& o, const Output& out) {
  TlsaResult r = make_tlsa(
      {.path = o.file, .host = o.host, .port = o.port, .usage = o.usage, .next_key = o.next, .force = o.force});
  Report report;
  report.set_result(to_json(r));
  report.inputs.push_back(o.file);
  report.add_warnings(r.warnings, "tlsa");
  for (const auto& e : r.records) {
    if (e.role == "next") report.outputs.push_back({e.path, 0600});
    out.result(r.zone_line(e));
  }
  if (r.records.size() > 1) {
    out.say(
        fmt::format("Publish both records now; after a few TTLs switch the server to {}, then remove the "
                    "current record.",
                    r.records.back().path));
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
