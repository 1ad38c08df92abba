#include "core/finding.h"

#include <nlohmann/json.hpp>

namespace mtlscert {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::Notice: return "notice";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "?";
}

Finding make_finding(Level level, std::string code, std::string message, std::string hint, std::string path) {
  Finding f;
  f.level = level;
  f.code = std::move(code);
  f.message = std::move(message);
  f.hint = std::move(hint);
  f.path = std::move(path);
  return f;
}

Level worst_level(const std::vector<Finding>& findings) {
  Level worst = Level::Notice;
  for (const auto& f : findings) {
    if (f.level > worst) worst = f.level;
  }
  return worst;
}

bool has_level(const std::vector<Finding>& findings, Level level) {
  for (const auto& f : findings) {
    if (f.level == level) return true;
  }
  return false;
}

void to_json(nlohmann::ordered_json& j, const CertRef& c) {
  j = nlohmann::ordered_json{{"index", c.index}, {"line", c.line}, {"subject", c.subject}, {"sha256", c.sha256}};
}

namespace {

nlohmann::ordered_json or_null(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

}  // namespace

Exit exit_code(const std::vector<Finding>& findings, bool strict) {
  if (has_level(findings, Level::Error) || (strict && !findings.empty())) return Exit::Findings;
  return Exit::Ok;
}

void to_json(nlohmann::ordered_json& j, const Finding& f) {
  const bool has_cert = f.cert.index >= 0;
  nlohmann::ordered_json certificate(nullptr);
  if (has_cert) certificate = {{"subject", f.cert.subject}, {"sha256", f.cert.sha256}};
  j = nlohmann::ordered_json{{"level", level_name(f.level)}, {"code", f.code}, {"message", f.message}};
  j["subject"] = {{"file", or_null(f.path)},
                  {"line", has_cert && f.cert.line > 0 ? nlohmann::ordered_json(f.cert.line) : nullptr},
                  {"index", has_cert ? nlohmann::ordered_json(f.cert.index) : nullptr},
                  {"certificate", certificate}};
  j["next"] = or_null(f.hint);
  j["sendmail_log"] = or_null(f.sendmail_log);
}

}  // namespace mtlscert
