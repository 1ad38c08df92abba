// doctor.h: a sendmail configuration (cf_reader.h) checked by the pre-flight: the findings
// doctor prints, and its JSON document.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "core/finding.h"
#include "sendmail/cf_reader.h"

namespace mtlscert {

struct DoctorRequest {
  std::string path = "/etc/mail/sendmail.cf";
  std::string host;  ///< empty: the configured $j if any, else not checked
  std::time_t now = 0;
};

struct DoctorResult {
  SendmailConfig config;
  std::vector<Finding> findings;  ///< reading findings, then every pre-flight finding
  bool healthy() const;           ///< no finding at warn or error level
};

/// doctor reads the configuration and runs preflight_sendmail_tls on it. A configuration
/// with no TLS file option at all is one error ("starttls-not-configured"). Throws Error
/// only when the file cannot be read.
DoctorResult doctor(const DoctorRequest& request);

/// to_json: the doctor --json document ("mtlscert.doctor/1").
std::string to_json(const DoctorResult& result);

}  // namespace mtlscert
