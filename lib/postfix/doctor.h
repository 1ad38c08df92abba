// doctor.h: read a Postfix configuration (main.cf, master.cf or their directory) and run
// the pre-flight on the TLS parameters smtpd will use.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "core/finding.h"
#include "postfix/config.h"

namespace mtlscert {

struct PostfixDoctorRequest {
  std::string path;  ///< main.cf, master.cf or the config directory
  std::string host;  ///< the name peers connect to (default: myhostname, if literal)
  std::time_t now = 0;
};

struct PostfixDoctorResult {
  PostfixConfig config;
  std::vector<Finding> findings;
};

/// postfix_doctor: throws Error when main.cf cannot be read.
PostfixDoctorResult postfix_doctor(const PostfixDoctorRequest& request);

/// to_json: the doctor document's result (mta "postfix", files_read, format, options).
std::string to_json(const PostfixDoctorResult& result);

}  // namespace mtlscert
