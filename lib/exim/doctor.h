// doctor.h: read an Exim configuration and run the Exim pre-flight on it.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "core/finding.h"
#include "exim/config.h"
#include "exim/preflight.h"

namespace mtlscert {

struct EximDoctorRequest {
  std::string path = "/etc/exim4";
  std::string host;
  std::time_t now = 0;
  std::optional<EximIdentity> identity;  ///< tests: who Exim reads files as (default: looked up)
};

struct EximDoctorResult {
  EximConfig config;
  std::vector<Finding> findings;
  bool healthy() const;
};

/// exim_doctor reads the configuration and runs preflight_exim_tls. A configuration with no
/// tls_certificate/tls_privatekey at all is one error ("starttls-not-configured"); a Debian
/// split configuration without MAIN_TLS_ENABLE says so. Throws Error only when it cannot read.
EximDoctorResult exim_doctor(const EximDoctorRequest& request);

/// to_json: the doctor --json document ("mtlscert.doctor/1", "mta": "exim").
std::string to_json(const EximDoctorResult& result);

}  // namespace mtlscert
