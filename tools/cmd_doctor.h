// cmd_doctor.h: `mtlscert doctor [FILE]`: why does (or will) this sendmail not offer STARTTLS?
#pragma once

#include <string>
#include <vector>

#include "core/finding.h"

#include "output.h"
#include "sendmail/doctor.h"

namespace mtlscert::cli {

/// DoctorOptions: the flags, bound by cli.cc straight into the library's request.
struct DoctorOptions {
  std::string mta;        ///< empty: recognised from the file
  DoctorRequest request;  ///< path empty: the --mta's default file (sendmail's without --mta)
  DoctorOptions() { request.path.clear(); }
  std::string expires_within;  ///< --expires-within DUR: error when the certificate ends sooner
  std::string probe;           ///< --probe HOST[:PORT]: compare the served certificate with the file
};

extern const char* const kDoctorSummary;
extern const char* const kDoctorExamples;

int run_doctor(const DoctorOptions& options, const Output& out);
/// run_doctor_sendmail: run_doctor for a sendmail.cf or .mc (options.file set).
int run_doctor_sendmail(const DoctorOptions& options, const Output& out);
/// run_doctor_postfix: run_doctor for a Postfix main.cf, master.cf or config directory.
int run_doctor_postfix(const DoctorOptions& options, const Output& out);
/// lifecycle_findings: --expires-within and --probe for the MTA's certificate file `cert`
/// (lib/lifecycle/expiry.h), appended to findings.
void add_lifecycle_findings(const DoctorOptions& options, const std::string& cert, const std::string& host,
                            std::vector<Finding>& findings);

}  // namespace mtlscert::cli
