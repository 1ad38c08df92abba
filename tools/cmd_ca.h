// cmd_ca.h: `mtlscert ca init` and `mtlscert ca sign`: a private CA for mail servers.
#pragma once

#include <string>

#include "output.h"
#include "pki/ca.h"

namespace mtlscert::cli {

struct CaInitOptions {
  std::string dir;
  std::string name;
  std::string type = "rsa";
  int bits = 3072;
  std::string curve = "P-256";
  int days = kDefaultCaDays;
};

struct CaSignOptions {
  std::string dir;
  std::string csr;
  std::string out;
  std::string profile = "server+client";
  int days = kDefaultLeafDays;
  bool force = false;
};

extern const char* const kCaSummary;
extern const char* const kCaExamples;
extern const char* const kCaInitSummary;
extern const char* const kCaInitExamples;
extern const char* const kCaSignSummary;
extern const char* const kCaSignExamples;

int run_ca_init(const CaInitOptions& options, const Output& out);
int run_ca_sign(const CaSignOptions& options, const Output& out);

}  // namespace mtlscert::cli
