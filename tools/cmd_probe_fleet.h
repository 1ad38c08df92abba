// cmd_probe_fleet.h: `mtlscert probe -f FILE`: many targets at once, one result a target.
#pragma once

#include <cstddef>
#include <string>

#include "output.h"
#include "smtp/fleet.h"

namespace mtlscert::cli {

struct ProbeCmdOptions;

struct FleetCmdOptions {
  std::string file;                      ///< -f: the list of targets, '-' for standard input
  std::size_t jobs = kDefaultFleetJobs;  ///< --jobs
};

/// run_probe_fleet: probe every target of options.fleet.file with the other probe flags;
/// text: one verdict line a target then a summary table; --json: one envelope a line.
int run_probe_fleet(const ProbeCmdOptions& options, const Output& out);

}  // namespace mtlscert::cli
