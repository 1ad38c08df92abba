// doctor.cc: Exim's doctor: the reader, then the pre-flight.
#include "exim/doctor.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/mta.h"
#include "exim/options.h"

namespace mtlscert {

bool EximDoctorResult::healthy() const {
  for (const auto& f : findings)
    if (f.level != Level::Notice) return false;
  return true;
}

EximDoctorResult exim_doctor(const EximDoctorRequest& request) {
  EximDoctorResult r;
  r.config = read_exim_config(request.path);
  r.findings = r.config.findings;
  if (!r.config.any_tls_option) {
    const bool split_off = r.config.split && r.config.macros.count(std::string(exim_macro(EximOption::Enable))) == 0;
    r.findings.push_back(make_finding(
        Level::Error, "starttls-not-configured",
        split_off ? fmt::format("{}: MAIN_TLS_ENABLE is not defined: Exim's TLS options are not set", request.path)
                  : fmt::format("{}: no tls_certificate: Exim offers STARTTLS only with a self-signed certificate it "
                                "makes up",
                                request.path),
        "mtlscert init --mta exim writes the key, certificate and CA file and prints the lines to add", request.path));
    return r;
  }
  EximPreflightContext ctx;
  ctx.host = request.host;
  ctx.now = request.now;
  ctx.identity = request.identity;
  for (auto& f : preflight_exim_tls(r.config.tls, ctx)) r.findings.push_back(std::move(f));
  return r;
}

std::string to_json(const EximDoctorResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.doctor/1";
  j["mta"] = mta_name(Mta::Exim);
  j["path"] = r.config.path;
  j["format"] = r.config.split ? "exim-split" : "exim";
  j["files_read"] = r.config.files_read;
  nlohmann::ordered_json options = nlohmann::ordered_json::object();
  for (const auto& row : exim_option_table()) {
    if (row.tls == nullptr || row.option.name.empty()) continue;
    options[std::string(row.option.name)] = r.config.tls.*row.tls;
  }
  j["options"] = options;
  j["findings"] = r.findings;
  j["healthy"] = r.healthy();
  return j.dump(2);
}

}  // namespace mtlscert
