// cmd_doctor.h: `mtlscert doctor [FILE]`: why does (or will) this sendmail not offer STARTTLS?
#pragma once

#include <string>

#include "output.h"
#include "sendmail/doctor.h"

namespace mtlscert::cli {

/// DoctorOptions: the flags, bound by cli.cc straight into the library's request.
struct DoctorOptions {
  DoctorRequest request;
};

extern const char* const kDoctorSummary;
extern const char* const kDoctorExamples;

int run_doctor(const DoctorOptions& options, const Output& out);

}  // namespace mtlscert::cli
