// cmd_csr.h: `mtlscert csr`: a certificate signing request whose CN and SAN are the MX host.
#pragma once

#include <string>
#include <vector>

#include "output.h"

namespace mtlscert::cli {

struct CsrOptions {
  std::string key;
  std::string host;
  std::vector<std::string> mx;  ///< each may hold several lines; "-" reads standard input
  std::vector<std::string> san;
  std::string country, state, locality, org, ou, email;
  std::string out;
  bool force = false;
  bool interactive = false;
};

extern const char* const kCsrSummary;
extern const char* const kCsrExamples;

int run_csr(const CsrOptions& options, const Output& out);

}  // namespace mtlscert::cli
