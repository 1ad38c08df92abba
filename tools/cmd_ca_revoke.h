// cmd_ca_revoke.h: `mtlscert ca revoke` and `mtlscert ca crl`: revocation for the private CA.
#pragma once

#include <string>

#include "output.h"
#include "pki/ca_revoke.h"

namespace mtlscert::cli {

struct CaRevokeOptions {
  std::string dir;
  std::string target;
  std::string reason = "unspecified";
  bool dry_run = false;
};

struct CaCrlOptions {
  std::string dir;
  std::string out;
  int days = kDefaultCrlDays;
  bool force = false;
  bool dry_run = false;
};

extern const char* const kCaRevokeSummary;
extern const char* const kCaRevokeExamples;
extern const char* const kCaCrlSummary;
extern const char* const kCaCrlExamples;

int run_ca_revoke(const CaRevokeOptions& options, const Output& out);
int run_ca_crl(const CaCrlOptions& options, const Output& out);

}  // namespace mtlscert::cli
