// cmd_access.h: `mtlscert access`: sendmail access-map lines for relaying by client
// certificate and for TLS policy, encoded as sendmail compares them.
#pragma once

#include <string>
#include <vector>

#include "output.h"

namespace mtlscert::cli {

struct AccessOptions {
  std::string mta = "sendmail";
  std::vector<std::string> ca;
  std::vector<std::string> client;
  bool subject = false;
  std::vector<std::string> tls_srv;
  std::vector<std::string> tls_clt;
  std::string policy = "VERIFY";
  std::string cn;
  std::string trust_store = "/etc/ssl/certs";
  bool allow_public_ca = false;
  std::string out;     ///< -o FILE: write the lines there (0644, atomically); empty or "-": stdout
  bool force = false;  ///< replace an existing -o file
};

extern const char* const kAccessSummary;
extern const char* const kAccessExamples;

int run_access(const AccessOptions& options, const Output& out);
/// run_access_sendmail: the access-map lines (run_access for --mta sendmail).
int run_access_sendmail(const AccessOptions& options, const Output& out);
/// run_access_postfix: relay_clientcerts lines for --mta postfix.
int run_access_postfix(const AccessOptions& options, const Output& out);

}  // namespace mtlscert::cli
