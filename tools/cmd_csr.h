// cmd_csr.h: `mtlscert csr`: a certificate signing request whose CN and SAN are the MX host.
#pragma once

#include <string>
#include <vector>

#include "output.h"
#include "pki/csr.h"

namespace mtlscert::cli {

/// CsrOptions: the flags, bound by cli.cc straight into the library's request.
struct CsrOptions {
  CsrFileRequest request;
  std::vector<std::string> mx;  ///< each may hold several lines; "-" reads standard input
  bool interactive = false;
};

extern const char* const kCsrSummary;
extern const char* const kCsrExamples;

int run_csr(const CsrOptions& options, const Output& out);

}  // namespace mtlscert::cli
