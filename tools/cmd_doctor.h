// cmd_doctor.h: `mtlscert doctor [FILE]`: why does (or will) this sendmail not offer STARTTLS?
#pragma once

#include <string>

#include "output.h"

namespace mtlscert::cli {

struct DoctorOptions {
  std::string file = "/etc/mail/sendmail.cf";
  std::string host;
};

extern const char* const kDoctorSummary;
extern const char* const kDoctorExamples;

int run_doctor(const DoctorOptions& options, const Output& out);

}  // namespace mtlscert::cli
