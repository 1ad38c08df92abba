// cmd_probe.h: `mtlscert probe`: see a mail server's STARTTLS the way its peers do.
#pragma once

#include <string>

#include "cmd_probe_fleet.h"
#include "dns/resolver.h"
#include "output.h"
#include "smtp/domain_probe.h"
#include "smtp/probe.h"

namespace mtlscert::cli {

/// ProbeCmdOptions: the flags, bound by cli.cc straight into the library's request; the
/// two version pins become its tls_version.
struct ProbeCmdOptions {
  ProbeOptions request;
  bool tls1_2 = false;
  bool tls1_3 = false;
  // DNS (cmd_probe_dns.cc): DANE TLSA checks and every MX of a domain.
  bool dane = false;         ///< --dane: check the served chain against the host's TLSA records
  std::string mx;            ///< --mx DOMAIN: probe every address of every MX host
  std::string resolver;      ///< --resolver ADDR[@PORT]; empty: /etc/resolv.conf
  std::string trust_anchor;  ///< --trust-anchor FILE; empty: the system's root key
  int port = 0;              ///< --port with --mx: the SMTP port on every MX address (0: 25, 465 with --smtps)
  bool mta_sts = false;      ///< --mta-sts with --mx (or -f's --mx lines): judge every MX as an MTA-STS sender would
  int mta_sts_port = 443;    ///< --mta-sts-port: the policy server's port (testing a server elsewhere)
  FleetCmdOptions fleet;  ///< -f FILE, --jobs (cmd_probe_fleet.h)
};

/// probe_options: the library request of the flags (target left as given).
ProbeOptions probe_options(const ProbeCmdOptions& o);
/// print_probe_report: the human report of one probe.
void print_probe_report(const Output& out, const ProbeReport& r);

extern const char* const kProbeSummary;
extern const char* const kProbeExamples;

int run_probe(const ProbeCmdOptions& options, const Output& out);
/// add_dane: probe --dane for one report: look up the TLSA records, print the verdict, put it in
/// the JSON result ("dane") and the findings (a DANE match replaces the PKIX verdict, RFC 7672).
void add_dane(const ProbeCmdOptions& o, const ProbeReport& r, Report& report, const Output& out);
/// resolver_options: the DNS resolver of --resolver, --trust-anchor and --timeout.
ResolverOptions resolver_options(const ProbeCmdOptions& o);
/// domain_probe_options: the request of `probe --mx DOMAIN` (also a `--mx DOMAIN` line of -f).
DomainProbeOptions domain_probe_options(const ProbeCmdOptions& o, std::string_view domain, bool strict);
/// run_probe_mx: probe --mx (cmd_probe_dns.cc).
int run_probe_mx(const ProbeCmdOptions& options, const Output& out);

/// probe_envelope: what `probe --json` prints for one report (result, findings, inputs).
Report probe_envelope(const ProbeOptions& options, const ProbeReport& report);
/// warn_skip_verify: the warning --insecure-skip-verify earns, once per run.
void warn_skip_verify(const ProbeOptions& options, const Output& out);

}  // namespace mtlscert::cli
