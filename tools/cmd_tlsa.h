// cmd_tlsa.h: `mtlscert tlsa`: the DANE TLSA record(s) to publish for a certificate or key.
#pragma once

#include <cstdint>
#include <string>

#include "output.h"

namespace mtlscert::cli {

struct TlsaCmdOptions {
  std::string file;
  std::string host;
  std::uint16_t port = 25;
  std::string usage = "auto";
  std::string next;
  bool force = false;
};

extern const char* const kTlsaSummary;
extern const char* const kTlsaExamples;

int run_tlsa(const TlsaCmdOptions& options, const Output& out);

}  // namespace mtlscert::cli
