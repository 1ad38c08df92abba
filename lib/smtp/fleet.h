// fleet.h: probe many targets at once (`probe -f FILE`), results in the list's order.
//
// The list has one target a line: HOST, HOST:PORT or [IPV6]:PORT, or "--mx DOMAIN" for every
// MX address of a domain (as `probe --mx DOMAIN`, testssl.sh's mass-test form); '#' starts a
// comment, blank lines are skipped. Up to `jobs` probes run at once, sharing one TLS context; each
// target has its own deadline. Results are handed back in the order of the list, whatever
// order they finish in, so the same list split across machines gives the same lines; at
// most a bounded window of targets is read ahead, so memory does not grow with the list.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "dns/dane.h"
#include "dns/resolver.h"
#include "smtp/domain_probe.h"
#include "smtp/probe.h"

namespace mtlscert {

/// FleetTarget: what one line of a list asks for.
struct FleetTarget {
  std::string target;  ///< HOST[:PORT], or the DOMAIN of a "--mx DOMAIN" line; "" for none
  bool mx = false;     ///< probe every address of the domain's MX hosts
};

/// target_of_line: the target on one line of a list (an empty target for a blank or
/// comment-only line): what precedes '#', without surrounding blanks. Throws Error for a line
/// with two words other than "--mx DOMAIN".
FleetTarget target_of_line(std::string_view line);

/// default_fleet_jobs: how many targets are probed at once without --jobs (32: probes wait
/// on the network, not on the CPU, and a mail server sees few connections from one peer).
inline constexpr std::size_t kDefaultFleetJobs = 32;
inline constexpr std::size_t kMaxFleetJobs = 1024;

struct FleetOptions {
  ProbeOptions probe;  ///< target is ignored; timeout_seconds is also each target's deadline
  std::size_t jobs = kDefaultFleetJobs;
  std::string list_name;  ///< for messages: the file, or "standard input"
  /// dane: judge each target's TLSA records as a DANE sender would (as `probe --dane`).
  bool dane = false;
  /// mx: how "--mx" lines are probed (port, MTA-STS); its domain, probe, dane and strict are
  /// set per line from the fields above.
  DomainProbeOptions mx;
  ResolverOptions resolver;  ///< for "--mx" lines and --dane
};

/// FleetEntry: one target's outcome.
struct FleetEntry {
  std::size_t line = 0;  ///< line number in the list (1-based)
  std::string target;    ///< as written in the list
  std::optional<ProbeReport> report;
  std::optional<DaneCheck> dane;       ///< with --dane, for a host target
  std::vector<Finding> findings;       ///< what the single probe would report (DANE applied)
  std::optional<DomainReport> domain;  ///< a "--mx DOMAIN" line: the domain probe, no report
  std::vector<std::string> lines;      ///< a "--mx DOMAIN" line: the human report's lines
  /// error: the target itself is unusable (bad port, bad address): no report then.
  std::optional<Error> error;
  /// outcome: "ok", the first error-level finding's code ("verify-failed", "no-starttls", …)
  /// or the failure's code ("refused", "timeout", "invalid-target", "mx-lookup-failed", …); the
  /// summary counts these.
  std::string outcome;
  int exit_code = 0;  ///< what `probe TARGET` alone would have exited with (0, 1, 2)
  /// text: what run_fleet's `render` made of the entry (its report, domain and lines are dropped then).
  std::string text;
};

/// FleetRender: turns a finished entry into the text to print. run_fleet calls it on the
/// thread that probed the target, as soon as the probe ends (several at once): the results
/// that wait for an earlier target then hold a line each, not a whole report.
using FleetRender = std::function<std::string(const FleetEntry&)>;

struct FleetSummary {
  std::size_t targets = 0;
  std::size_t failed = 0;                       ///< entries with exit_code != 0
  std::map<std::string, std::size_t> outcomes;  ///< outcome -> count
  std::chrono::milliseconds elapsed{0};
  /// exit_code: 0 every target ok, 1 at least one failed (a finding or could not be probed).
  int exit_code() const { return failed == 0 ? 0 : 1; }
};

/// run_fleet probes every target of the list, calling emit once per target, in list order
/// (one call at a time). strict: any finding, not only an error-level one, fails a target.
/// With render, each entry reaches emit with its text and without its report.
/// Throws Error for options or files that make every probe impossible (CA file, client
/// certificate) and for a list that cannot be read; a bad target is an entry, not an error.
FleetSummary run_fleet(const FleetOptions& options, std::istream& list, bool strict,
                       const std::function<void(const FleetEntry&)>& emit, const FleetRender& render = {});

}  // namespace mtlscert
