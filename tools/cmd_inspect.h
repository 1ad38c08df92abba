// cmd_inspect.h: `mtlscert inspect FILE...`: what certificates, CSRs, keys and bundles hold.
#pragma once

#include <string>
#include <vector>

#include "output.h"

namespace mtlscert::cli {

struct InspectOptions {
  std::vector<std::string> files;
  std::string expires_within;  ///< --expires-within DUR: exit 1 when a certificate ends sooner
};

extern const char* const kInspectSummary;
extern const char* const kInspectExamples;

int run_inspect(const InspectOptions& options, const Output& out);

}  // namespace mtlscert::cli
