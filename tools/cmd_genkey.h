// cmd_genkey.h: `mtlscert genkey`: make a private key file, safely.
#pragma once

#include <string>

#include "output.h"
#include "pki/genkey.h"

namespace mtlscert::cli {

/// GenkeyOptions: the flags, bound by cli.cc straight into the library's request.
struct GenkeyOptions {
  KeyFileRequest request;
  /// --type, parsed in run_genkey so that its error names the choices.
  std::string type = std::string(key_type_name(KeySpec{}.type));
};

extern const char* const kGenkeySummary;
extern const char* const kGenkeyExamples;

int run_genkey(const GenkeyOptions& options, const Output& out);

}  // namespace mtlscert::cli
