// cmd_access.h: `mtlscert access`: sendmail access-map lines for relaying by client
// certificate and for TLS policy, encoded as sendmail compares them.
#pragma once

#include <string>
#include <vector>

#include "output.h"
#include "sendmail/access_map.h"

namespace mtlscert::cli {

/// AccessOptions: the flags, bound by cli.cc straight into the library's request, and the
/// output file, which this command writes itself.
struct AccessOptions {
  std::string mta = "sendmail";  ///< --mta: whose relay lines
  AccessRequest request;
  std::string out;       ///< -o FILE: write the lines there (0644, atomically); empty or "-": stdout
  bool force = false;    ///< replace an existing -o file
  bool dry_run = false;  ///< --dry-run: check -o, write nothing
};

extern const char* const kAccessSummary;
extern const char* const kAccessExamples;

int run_access(const AccessOptions& options, const Output& out);
/// run_access_sendmail: the access-map lines (run_access for --mta sendmail).
int run_access_sendmail(const AccessOptions& options, const Output& out);
/// run_access_postfix: relay_clientcerts lines for --mta postfix.
int run_access_postfix(const AccessOptions& options, const Output& out);

}  // namespace mtlscert::cli
