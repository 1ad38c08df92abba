// cmd_init.h: `mtlscert init HOST` (the whole recipe) and `mtlscert install-cert CERT`.
#pragma once

#include <string>

#include "core/defaults.h"
#include "output.h"
#include "pki/key.h"

namespace mtlscert::cli {

struct InitOptions {
  std::string host;
  std::string dir = std::string(kDefaultInitDir);
  std::string ca = "none";
  std::string ca_dir;
  std::string cacert;
  std::string type = std::string(key_type_name(KeySpec{}.type));
  int bits = kDefaultRsaBits;
  std::string curve = std::string(kDefaultCurve);
  std::string group;
  std::string country, state, locality, org, ou, email;
};

struct InstallCertOptions {
  std::string cert;
  std::string dir = std::string(kDefaultInitDir);
};

extern const char* const kInitSummary;
extern const char* const kInitExamples;
extern const char* const kInstallCertSummary;
extern const char* const kInstallCertExamples;

int run_init(const InitOptions& options, const Output& out);
int run_install_cert(const InstallCertOptions& options, const Output& out);

}  // namespace mtlscert::cli
