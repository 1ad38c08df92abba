// probe_report.cc: a ProbeReport's verdict, exit code and JSON document.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sendmail/options.h"
#include "smtp/probe.h"

namespace mtlscert {

std::string_view client_cert_status_name(ClientCertStatus s) {
  switch (s) {
    case ClientCertStatus::NotRequested: return "not-requested";
    case ClientCertStatus::NoneSent: return "none-sent";
    case ClientCertStatus::Accepted: return "accepted";
    case ClientCertStatus::Rejected: return "rejected";
    case ClientCertStatus::Unknown: return "unknown";
  }
  return "unknown";
}

namespace {

std::vector<std::string> problems(const ProbeReport& r) {
  std::vector<std::string> out;
  if (!r.verify_skipped && !r.verified) {
    out.push_back(r.verify_errors.empty()
                      ? "the server sent no certificate"
                      : fmt::format("the certificate does not verify ({})", r.verify_errors.front().reason));
  }
  if (!r.verify_skipped && !r.name_matches && !r.chain.empty()) {
    out.push_back(fmt::format("the certificate is not valid for {}", r.servername));
  }
  for (const auto& f : r.findings) {
    if (f.level != Level::Error) continue;
    if (f.code.rfind("ca-list-", 0) == 0) {
      out.push_back(
          fmt::format("its list of acceptable CAs is {} bytes ({})", with_commas(r.ca_list.list_bytes), f.code));
    } else {
      out.push_back(f.message);
    }
  }
  return out;
}

}  // namespace

int ProbeReport::exit_code() const {
  if (could_not_run()) return static_cast<int>(Exit::Failed);
  return static_cast<int>(mtlscert::exit_code(all_findings()));
}

std::vector<Finding> ProbeReport::all_findings() const {
  std::vector<Finding> out;
  if (failure && !could_not_run()) {
    out.push_back(Finding{.level = Level::Error,
                          .code = failure->code,
                          .message = failure->message,
                          .hint = failure->hint,
                          .path = {},
                          .cert = {},
                          .sendmail_log = {}});
  }
  if (!failure && !verify_skipped && !verified) {
    if (verify_errors.empty()) {
      out.push_back(Finding{.level = Level::Error,
                            .code = "no-certificate",
                            .message = "the server sent no certificate",
                            .hint = {},
                            .path = {},
                            .cert = {},
                            .sendmail_log = {}});
    } else {
      out.push_back(Finding{
          .level = Level::Error,
          .code = "verify-failed",
          .message = fmt::format("the certificate does not verify against {}: {}", trust, verify_errors.front().reason),
          .hint = fmt::format("send the whole chain (leaf then intermediates) in {}, or verify with the right --cacert",
                              sendmail_macro(SendmailOption::ServerCert)),
          .path = {},
          .cert = {},
          .sendmail_log = {}});
    }
  }
  if (!failure && !verify_skipped && !name_matches && !chain.empty()) {
    out.push_back(Finding{.level = Level::Error,
                          .code = "name-mismatch",
                          .message = fmt::format("the certificate is not valid for {}", servername),
                          .hint = fmt::format("issue a certificate whose SAN holds {}", servername),
                          .path = {},
                          .cert = {},
                          .sendmail_log = {}});
  }
  out.insert(out.end(), findings.begin(), findings.end());
  return out;
}

std::string ProbeReport::verdict() const {
  if (failure && !could_not_run()) return fmt::format("PROBLEM: {}", failure->message);
  if (failure) return fmt::format("FAILED: {}", failure->message);
  std::string what =
      smtps ? fmt::format("{} speaks implicit TLS ({})", endpoint.display(), tls_version)
            : fmt::format("{} offers STARTTLS and the {} handshake works", endpoint.display(), tls_version);
  auto found = problems(*this);
  if (!found.empty()) {
    std::string joined;
    for (std::size_t i = 0; i < found.size(); ++i) joined += (i == 0 ? "" : "; ") + found[i];
    return fmt::format("PROBLEM: {}, but {}.", what, joined);
  }
  if (verify_skipped) return fmt::format("OK (verification skipped): {}.", what);
  return fmt::format("OK: {}; the certificate verifies for {}.", what, servername);
}

void to_json(nlohmann::ordered_json& doc, const ProbeReport& r) {
  using json = nlohmann::ordered_json;
  auto reply = [](const std::optional<SmtpReply>& x) { return x ? json(*x) : json(nullptr); };
  doc = json::object();
  doc["schema"] = "mtlscert.probe/1";
  doc["verdict"] = r.verdict();
  doc["exit_code"] = r.exit_code();
  doc["target"] = {{"host", r.endpoint.host},    {"port", r.endpoint.port},
                   {"address", r.peer_address},  {"mode", r.smtps ? "smtps" : "starttls"},
                   {"servername", r.servername}, {"ehlo", r.ehlo_name}};
  doc["error"] = r.failure ? json{{"code", r.failure->code},
                                  {"stage", probe_stage_name(r.failure->stage)},
                                  {"message", r.failure->message},
                                  {"hint", r.failure->hint},
                                  {"alert", r.failure->alert < 0 ? json(nullptr) : json(r.failure->alert)}}
                           : json(nullptr);
  doc["greeting"] = reply(r.greeting);
  doc["capabilities"] = r.capabilities;
  doc["starttls_offered"] = r.starttls_offered;
  doc["tls"] = r.tls ? json{{"version", r.tls_version},
                            {"cipher", r.cipher},
                            {"group", r.group},
                            {"signature_algorithm", r.signature_algorithm}}
                     : json(nullptr);
  doc["chain"] = r.chain;
  json errors = json::array();
  for (const auto& e : r.verify_errors) {
    errors.push_back({{"depth", e.depth}, {"code", e.code}, {"reason", e.reason}, {"subject", e.subject}});
  }
  doc["verification"] = {{"skipped", r.verify_skipped},
                         {"trust", r.trust},
                         {"verified", r.verified},
                         {"result", r.verify_errors.empty() ? std::string("ok") : r.verify_errors.front().reason},
                         {"errors", errors}};
  doc["name"] = {{"checked", r.servername}, {"matches", r.name_matches}};
  doc["client_certificate"] = {{"requested", r.client_cert_requested},
                               {"certificate_request_bytes", r.certificate_request_bytes},
                               {"ca_names", r.ca_names},
                               {"ca_list",
                                [&] {
                                  nlohmann::ordered_json list = r.ca_list;
                                  list["verdict"] = r.ca_list_verdict;
                                  return list;
                                }()},
                               {"sent", r.client_cert_sent},
                               {"status", client_cert_status_name(r.client_cert)}};
  doc["post_tls_ehlo"] = reply(r.post_tls_ehlo);
  doc["post_tls_capabilities"] = r.post_tls_capabilities;
  doc["findings"] = r.findings;
}

std::string probe_json(const ProbeReport& r) {
  // Reply lines, capabilities and certificate names are whatever the server sent: replace
  // invalid UTF-8 rather than throw, so the document is always produced and always valid JSON.
  return nlohmann::ordered_json(r).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace mtlscert
