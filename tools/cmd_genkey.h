// cmd_genkey.h: `mtlscert genkey`: make a private key file, safely.
#pragma once

#include <string>

#include "output.h"

namespace mtlscert::cli {

struct GenkeyOptions {
  std::string type = "rsa";
  int bits = 2048;
  std::string curve = "P-256";
  std::string out;
  bool force = false;
  std::string group;
};

extern const char* const kGenkeySummary;
extern const char* const kGenkeyExamples;

int run_genkey(const GenkeyOptions& options, const Output& out);

}  // namespace mtlscert::cli
