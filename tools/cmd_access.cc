#include "cmd_access.h"

#include <fmt/format.h>

#include "mtlscert/access_map.h"
#include "mtlscert/error.h"

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
  AccessRequest request;
  request.ca_files = o.ca;
  request.client_files = o.client;
  request.subject_rhs = o.subject;
  request.tls_srv = o.tls_srv;
  request.tls_clt = o.tls_clt;
  request.policy = o.policy;
  request.cn = o.cn;
  request.trust_store_dir = o.trust_store;
  request.allow_public_ca = o.allow_public_ca;
  AccessResult r = make_access_lines(request);
  // A refusal prints no line at all: a partial access file could still be installed.
  if (r.refused()) r.lines.clear();
  out.json(to_json(r));
  if (!out.json_mode()) out.data(access_text(r));
  for (const auto& f : r.findings) {
    if (f.level == Level::Error) {
      out.error(Error(fmt::format("{} [{}]", f.message, f.code), f.path, f.hint));  // shown even with -q
      continue;
    }
    out.warn(fmt::format("{} [{}]", f.message, f.code));
    if (!f.hint.empty()) out.warn(fmt::format("  hint: {}", f.hint));
  }
  if (r.refused()) return static_cast<int>(Exit::Findings);
  out.say("# Next: append these lines to /etc/mail/access, run makemap hash /etc/mail/access < /etc/mail/access "
          "(FEATURE(`access_db') must be in sendmail.mc).");
  return 0;
}

}  // namespace mtlscert::cli
