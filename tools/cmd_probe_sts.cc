// cmd_probe_sts.cc: `probe --mx DOMAIN --mta-sts`: the domain's MTA-STS policy applied to the MX
// hosts just probed, and its TLS-RPT record (the work is lib/smtp/mta_sts_check, tls_rpt).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cmd_probe.h"
#include "smtp/tls_rpt.h"

namespace mtlscert::cli {

MtaStsCheck add_mta_sts(const ProbeCmdOptions& o, Resolver& resolver, const std::string& domain,
                        const std::vector<MtaStsHost>& hosts, nlohmann::ordered_json& doc, Report& report,
                        const Output& out) {
  MtaStsCheckRequest request{.domain = domain,
                             .port = static_cast<std::uint16_t>(o.mta_sts_port),
                             .cafile = o.request.cacert,
                             .capath = o.request.cacert_path,
                             .timeout = std::chrono::seconds(std::max(1, o.request.timeout_seconds))};
  MtaStsCheck sts = check_mta_sts(request, resolver, hosts);
  TlsRptCheck rpt = check_tls_rpt(resolver, domain);
  bool first = true;
  for (const auto& line : sts.lines()) {
    out.result(fmt::format("{:<9}{}", first ? "MTA-STS:" : "", line));
    first = false;
  }
  out.result(fmt::format("{:<9}{}: {}", "TLS-RPT:", rpt.name,
                         rpt.status == "valid" ? fmt::format("rua {}", fmt::join(rpt.rua, ", ")) : rpt.status));
  nlohmann::ordered_json j;
  to_json(j, sts);
  doc["mta_sts"] = j;
  to_json(j, rpt);
  doc["tls_rpt"] = j;
  report.findings.insert(report.findings.end(), sts.findings.begin(), sts.findings.end());
  report.findings.insert(report.findings.end(), rpt.findings.begin(), rpt.findings.end());
  return sts;
}

}  // namespace mtlscert::cli
