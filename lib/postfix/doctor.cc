#include "postfix/doctor.h"

#include <nlohmann/json.hpp>

#include "core/mta.h"
#include "postfix/options.h"
#include "postfix/preflight.h"

namespace mtlscert {

PostfixDoctorResult postfix_doctor(const PostfixDoctorRequest& request) {
  PostfixDoctorResult r;
  r.config = read_postfix_config(request.path);
  PreflightContext ctx;
  ctx.host = request.host;
  ctx.now = request.now;
  r.findings = preflight_postfix_tls(r.config.tls, ctx);
  return r;
}

std::string to_json(const PostfixDoctorResult& r) {
  nlohmann::ordered_json j;
  j["mta"] = mta_name(Mta::Postfix);
  j["files_read"] = r.config.files_read;
  j["format"] = "main.cf";
  j["service"] = r.config.service;
  nlohmann::ordered_json options = nlohmann::ordered_json::object();
  for (const auto& row : postfix_option_table()) {
    const std::string& value = r.config.tls.*row.tls;
    if (row.shown || !value.empty()) options[std::string(row.option.name)] = value;
  }
  j["options"] = options;
  return j.dump();
}

}  // namespace mtlscert
