// cmd_ca.h: `mtlscert ca init` and `mtlscert ca sign`: a private CA for mail servers.
#pragma once

#include <string>

#include "output.h"
#include "pki/ca.h"

namespace mtlscert::cli {

/// The flags, bound by cli.cc straight into the library's requests; the names given as
/// text are parsed in run_* so that their errors name the choices.
struct CaInitOptions {
  CaInitRequest request;
  std::string type = std::string(key_type_name(CaInitRequest{}.key.type));
};

struct CaSignOptions {
  CaSignRequest request;
  std::string profile = std::string(cert_profile_name(CaSignRequest{}.profile));
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
