// cmd_probe.h: `mtlscert probe`: see a mail server's STARTTLS the way its peers do.
#pragma once

#include <string>

#include "output.h"
#include "smtp/probe.h"

namespace mtlscert::cli {

struct ProbeCmdOptions {
  std::string target;
  bool smtps = false;
  std::string ehlo;
  std::string servername;
  std::string cacert;
  std::string cacert_path;
  std::string cert;
  std::string key;
  int timeout = ProbeOptions{}.timeout_seconds;
  bool tls1_2 = false;
  bool tls1_3 = false;
  bool insecure_skip_verify = false;
};

extern const char* const kProbeSummary;
extern const char* const kProbeExamples;

int run_probe(const ProbeCmdOptions& options, const Output& out);

}  // namespace mtlscert::cli
