#include "mtlscert/finding.h"

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

void to_json(nlohmann::ordered_json& j, const Finding& f) {
  j = nlohmann::ordered_json{{"level", level_name(f.level)}, {"code", f.code}, {"message", f.message}};
  j["hint"] = f.hint.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.hint);
  j["path"] = f.path.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.path);
  j["certificate"] = f.cert.index < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.cert);
  j["sendmail_log"] = f.sendmail_log.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.sendmail_log);
}

}  // namespace mtlscert
