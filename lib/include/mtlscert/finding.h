// finding.h: what a check reports. Findings are return values, not errors: a
// check that ran and found problems exits 1, a check that could not run throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mtlscert {

enum class Level { Notice, Warn, Error };

std::string_view level_name(Level level);  ///< "notice", "warn", "error"

/// CertRef: which certificate of a file a finding is about.
struct CertRef {
  int index = -1;            ///< 0-based position among the file's objects, -1 if none
  std::size_t line = 0;      ///< 1-based line of its BEGIN marker (0 for DER)
  std::string subject;       ///< RFC 2253 one-line subject
  std::string sha256;        ///< AA:BB:… fingerprint
};

/// Finding: one problem (or notable fact) with a stable code for scripts.
struct Finding {
  Level level = Level::Warn;
  std::string code;          ///< stable identifier, e.g. "list-size-warn", "key-group-readable"
  std::string message;       ///< one line an admin understands at 3 a.m.
  std::string hint;          ///< what to do about it; may be empty
  std::string path;          ///< the file concerned; may be empty
  CertRef cert;              ///< the certificate concerned, if any (index -1 otherwise)
  std::string sendmail_log;  ///< the line sendmail would log because of it; may be empty
};

/// worst_level: the highest level among findings (Notice when empty).
Level worst_level(const std::vector<Finding>& findings);
bool has_level(const std::vector<Finding>& findings, Level level);

void to_json(nlohmann::ordered_json& j, const Finding& f);
void to_json(nlohmann::ordered_json& j, const CertRef& c);

}  // namespace mtlscert
