// finding.h: what a check reports. Findings are return values, not errors: a
// check that ran and found problems exits 1, a check that could not run throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"

namespace mtlscert {

enum class Level { Notice, Warn, Error };

std::string_view level_name(Level level);  ///< "notice", "warn", "error"

/// CertRef: which certificate of a file a finding is about.
struct CertRef {
  int index = -1;        ///< 0-based position among the file's objects, -1 if none
  std::size_t line = 0;  ///< 1-based line of its BEGIN marker (0 for DER)
  std::string subject;   ///< RFC 2253 one-line subject
  std::string sha256;    ///< AA:BB:… fingerprint
};

/// Finding: one problem (or notable fact) with a stable code for scripts.
struct Finding {
  Level level = Level::Warn;
  std::string code;          ///< stable identifier, e.g. "list-size-warn", "key-group-readable"
  std::string message;       ///< one line an admin understands at 3 a.m.
  std::string hint;          ///< what to do about it; may be empty
  std::string path;          ///< the file concerned; may be empty
  CertRef cert;              ///< the certificate concerned, if any (index -1 otherwise)
  std::string sendmail_log;  ///< the line the MTA would log because of it (JSON name kept); may be empty
  std::string logged_by = "sendmail";  ///< the daemon that logs sendmail_log ("sendmail", "smtpd")
};

/// make_finding: a finding without a certificate or sendmail log line.
Finding make_finding(Level level, std::string code, std::string message, std::string hint = {}, std::string path = {});

/// worst_level: the highest level among findings (Notice when empty).
Level worst_level(const std::vector<Finding>& findings);
bool has_level(const std::vector<Finding>& findings, Level level);

/// exit_code: the one exit policy of every command. Findings (1) when a finding is an
/// error, or when strict and there is any finding at all; Ok (0) otherwise. A command
/// that could not run throws Error instead (Failed, 2).
Exit exit_code(const std::vector<Finding>& findings, bool strict = false);

/// to_json: the one finding shape of every --json document:
/// {"level", "code", "message", "subject": {"file", "line", "index", "certificate"},
///  "next", "sendmail_log"}; absent parts are null.
void to_json(nlohmann::ordered_json& j, const Finding& f);
void to_json(nlohmann::ordered_json& j, const CertRef& c);

}  // namespace mtlscert
