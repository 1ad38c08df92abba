// cmd_init.h: `mtlscert init HOST` (the whole recipe); install-cert is cmd_install_cert.h.
#pragma once

#include <string>

#include "core/defaults.h"
#include "output.h"
#include "pki/key.h"

namespace mtlscert::cli {

struct InitOptions {
  std::string host;
  std::string mta = "sendmail";
  std::string dir = std::string(kDefaultInitDir);
  std::string ca = "none";
  std::string ca_dir;
  std::string cacert;
  std::string type = std::string(key_type_name(KeySpec{}.type));
  int bits = kDefaultRsaBits;
  std::string curve = std::string(kDefaultCurve);
  std::string group;
  bool dry_run = false;
  std::string country, state, locality, org, ou, email;
};

extern const char* const kInitSummary;
extern const char* const kInitExamples;

int run_init(const InitOptions& options, const Output& out);
/// run_init_sendmail: run_init for --mta sendmail (key, CSR, CA files, sendmail.mc lines).
int run_init_sendmail(const InitOptions& options, const Output& out);
/// run_init_postfix: run_init for --mta postfix (the same files, a main.cf fragment).
int run_init_postfix(const InitOptions& options, const Output& out);
/// run_init_exim: run_init for --mta exim (the same files, then mtlscert-exim.conf).
int run_init_exim(const InitOptions& options, const Output& out);

}  // namespace mtlscert::cli
