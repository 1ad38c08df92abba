// cmd_doctor.h: `mtlscert doctor [FILE]`: why does (or will) this sendmail not offer STARTTLS?
#pragma once

#include <string>

#include "output.h"

namespace mtlscert::cli {

struct DoctorOptions {
  std::string file;  ///< empty: the --mta's default file (sendmail's without --mta)
  std::string mta;   ///< empty: recognised from the file
  std::string host;
};

extern const char* const kDoctorSummary;
extern const char* const kDoctorExamples;

int run_doctor(const DoctorOptions& options, const Output& out);
/// run_doctor_sendmail: run_doctor for a sendmail.cf or .mc (options.file set).
int run_doctor_sendmail(const DoctorOptions& options, const Output& out);
/// run_doctor_postfix: run_doctor for a Postfix main.cf, master.cf or config directory.
int run_doctor_postfix(const DoctorOptions& options, const Output& out);

}  // namespace mtlscert::cli
