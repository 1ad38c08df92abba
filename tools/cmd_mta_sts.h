// cmd_mta_sts.h: `mtlscert mta-sts`: the MTA-STS policy file and TXT record to publish.
#pragma once

#include <string>
#include <vector>

#include "core/defaults.h"
#include "output.h"

namespace mtlscert::cli {

struct MtaStsOptions {
  std::string domain;
  std::vector<std::string> mx;
  std::string mode = "enforce";
  long max_age = kDefaultMtaStsMaxAge;
  std::string id;  ///< empty: made from the current time
};

extern const char* const kMtaStsSummary;
extern const char* const kMtaStsExamples;

int run_mta_sts(const MtaStsOptions& options, const Output& out);

}  // namespace mtlscert::cli
