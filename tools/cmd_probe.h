// cmd_probe.h: `mtlscert probe`: see a mail server's STARTTLS the way its peers do.
#pragma once

#include <string>

#include "cmd_probe_fleet.h"
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
  int timeout = 10;
  bool tls1_2 = false;
  bool tls1_3 = false;
  bool insecure_skip_verify = false;
  FleetCmdOptions fleet;  ///< -f FILE, --jobs (cmd_probe_fleet.h)
};

extern const char* const kProbeSummary;
extern const char* const kProbeExamples;

int run_probe(const ProbeCmdOptions& options, const Output& out);

/// probe_options: the library's options from the command's flags (target included).
ProbeOptions probe_options(const ProbeCmdOptions& options);
/// probe_envelope: what `probe --json` prints for one report (result, findings, inputs).
Report probe_envelope(const ProbeOptions& options, const ProbeReport& report);
/// warn_skip_verify: the warning --insecure-skip-verify earns, once per run.
void warn_skip_verify(const ProbeOptions& options, const Output& out);

}  // namespace mtlscert::cli
