// doctor.cc: a sendmail configuration read (cf_reader.h) and checked by the pre-flight.
#include "sendmail/doctor.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "sendmail/options.h"
#include "sendmail/preflight.h"

namespace mtlscert {

bool DoctorResult::healthy() const { return !has_level(findings, Level::Error) && !has_level(findings, Level::Warn); }

DoctorResult doctor(const DoctorRequest& request) {
  DoctorResult r;
  r.config = read_sendmail_config(request.path);
  r.findings = r.config.findings;
  if (!r.config.any_tls_option) {
    r.findings.push_back(Finding{
        .level = Level::Error,
        .code = "starttls-not-configured",
        .message = fmt::format("{} sets none of {}: sendmail does not offer STARTTLS", request.path,
                               sendmail_names(sendmail_required(), false, ", ")),
        .hint = r.config.is_mc ? "mtlscert init HOST, then add its include(`.../mtlscert-starttls.m4')dnl line after "
                                 "DOMAIN(`debian-mta')"
                               : "mtlscert init HOST, add its include line to sendmail.mc and rebuild sendmail.cf",
        .path = request.path,
        .cert = {},
        .sendmail_log = option_log(sendmail_option(SendmailOption::ServerCert),
                                   sendmail_option(SendmailOption::ServerCert).log_when_missing)});
    return r;
  }
  PreflightContext ctx;
  ctx.now = request.now;
  ctx.host = request.host;
  if (ctx.host.empty() && r.config.host.find_first_of("$ ") == std::string::npos) ctx.host = r.config.host;
  std::vector<Finding> pre;
  try {
    pre = preflight_sendmail_tls(r.config.tls, ctx);
  } catch (const Error&) {
    ctx.host.clear();  // a configured $j that is not a host name: check without it
    pre = preflight_sendmail_tls(r.config.tls, ctx);
  }
  r.findings.insert(r.findings.end(), pre.begin(), pre.end());
  return r;
}

std::string to_json(const DoctorResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.doctor/1";
  j["path"] = r.config.path;
  j["format"] = r.config.is_mc ? "mc" : "cf";
  j["files_read"] = r.config.files_read;
  nlohmann::ordered_json options = nlohmann::ordered_json::object();
  for (const auto& row : sendmail_option_table()) {
    if (!row.shown) continue;
    const std::string key(row.option.name);
    if (row.tls != nullptr) {
      options[key] = r.config.tls.*row.tls;
    } else if (row.id == SendmailOption::DontBlameSendmail) {
      options[key] = r.config.tls.dont_blame_sendmail;
    } else if (row.id == SendmailOption::RunAsUser) {
      options[key] = r.config.run_as_user;
    }
  }
  j["options"] = options;
  j["findings"] = r.findings;
  j["healthy"] = r.healthy();
  return j.dump(2);
}

}  // namespace mtlscert
