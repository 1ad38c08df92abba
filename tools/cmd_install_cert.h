// cmd_install_cert.h: `mtlscert install-cert`: the deploy hook (lib/lifecycle/install.h).
#pragma once

#include <string>

#include "core/defaults.h"

#include "output.h"

namespace mtlscert::cli {

struct InstallCertOptions {
  std::string cert;          ///< positional CERT (into init's directory, with its key)
  std::string from_certbot;  ///< --from-certbot DIR
  std::string cert_file, chain, key;
  std::string dir = std::string(kDefaultInitDir);
  std::string mta;  ///< empty: the MTA whose lines init wrote in --dir
  std::string cacert;
  std::string reload;
  std::string probe;
  int probe_timeout = 30;
  bool dry_run = false;
  bool dane = false;         ///< --dane: check the published TLSA records first
  std::string resolver;      ///< --resolver ADDR[@PORT]
  std::string trust_anchor;  ///< --trust-anchor FILE
  bool force = false;        ///< --force: a DANE mismatch is a warning
};

extern const char* const kInstallCertSummary;
extern const char* const kInstallCertExamples;

int run_install_cert(const InstallCertOptions& options, const Output& out);

}  // namespace mtlscert::cli
