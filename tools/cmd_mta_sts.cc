#include "cmd_mta_sts.h"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "smtp/mta_sts.h"

namespace mtlscert::cli {

const char* const kMtaStsSummary = "Print the MTA-STS policy file and the TXT record a mail domain publishes";
const char* const kMtaStsExamples = R"(  $ mtlscert mta-sts --domain example.org --mx mx1.example.org --mx mx2.example.org --mode testing
      the policy for https://mta-sts.example.org/.well-known/mta-sts.txt and the _mta-sts TXT record
  $ mtlscert mta-sts --domain example.org --mx '*.example.org' --mode enforce --max-age 31557600
      enforce for a year: senders deliver only to matching MX hosts with a valid certificate)";

int run_mta_sts(const MtaStsOptions& o, const Output& out) {
  MtaStsPolicy policy{.mode = o.mode, .mx = o.mx, .max_age = o.max_age};
  std::string text = mta_sts_policy_text(policy);
  std::string id = o.id.empty() ? mta_sts_id(std::time(nullptr)) : o.id;
  std::string txt = mta_sts_txt_record(o.domain, id);
  std::string url = fmt::format("https://mta-sts.{}/.well-known/mta-sts.txt", o.domain);

  Report report;
  report.result = {{"domain", o.domain}, {"policy_url", url}, {"policy", text},   {"mode", o.mode},
                   {"mx", o.mx},         {"max_age", o.max_age}, {"id", id},      {"txt_record", txt}};
  out.result(fmt::format("# {} (served as text/plain, with a certificate valid for mta-sts.{})", url, o.domain));
  std::string_view rest = text;
  while (!rest.empty()) {
    auto eol = rest.find("\r\n");
    out.result(rest.substr(0, eol));
    rest = rest.substr(eol + 2);
  }
  out.result("# DNS: change the id each time the policy changes");
  out.result(txt);
  return out.finish(report);
}

}  // namespace mtlscert::cli
