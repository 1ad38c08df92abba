// cmd_probe.h: `mtlscert probe`: see a mail server's STARTTLS the way its peers do.
#pragma once

#include <string>

#include "output.h"
#include "smtp/probe.h"

namespace mtlscert::cli {

/// ProbeCmdOptions: the flags, bound by cli.cc straight into the library's request; the
/// two version pins become its tls_version.
struct ProbeCmdOptions {
  ProbeOptions request;
  bool tls1_2 = false;
  bool tls1_3 = false;
};

extern const char* const kProbeSummary;
extern const char* const kProbeExamples;

int run_probe(const ProbeCmdOptions& options, const Output& out);

}  // namespace mtlscert::cli
