// cmd_bundle.h: `mtlscert bundle check|trim|split|rehash`: CA bundles as sendmail uses them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "output.h"

namespace mtlscert::cli {

struct BundleCheckOptions {
  std::string file;
  std::string at;             ///< --at DATE (empty: now)
  std::size_t notice = 4096;  ///< CA-list bands, bytes
  std::size_t warn = 8000;
  std::size_t error = 16000;
  std::size_t java = 32000;
  int expiring_days = 30;
};

struct BundleTrimOptions {
  std::string file;
  std::string out;
  bool force = false;
  std::string at;
  std::vector<std::string> keep_issuers_of;
  std::vector<std::string> keep;
};

struct BundleSplitOptions {
  std::string file;
  std::vector<std::string> advertise;
  std::vector<std::string> keep;
  std::string cacert;
  std::string cacert_path;
  bool force = false;
  std::string at;
};

struct BundleRehashOptions {
  std::string dir;
  bool dry_run = false;
};

extern const char* const kBundleSummary;
extern const char* const kBundleExamples;
extern const char* const kBundleCheckSummary;
extern const char* const kBundleCheckExamples;
extern const char* const kBundleTrimSummary;
extern const char* const kBundleTrimExamples;
extern const char* const kBundleSplitSummary;
extern const char* const kBundleSplitExamples;
extern const char* const kBundleRehashSummary;
extern const char* const kBundleRehashExamples;

int run_bundle_check(const BundleCheckOptions& options, const Output& out);
int run_bundle_trim(const BundleTrimOptions& options, const Output& out);
int run_bundle_split(const BundleSplitOptions& options, const Output& out);
int run_bundle_rehash(const BundleRehashOptions& options, const Output& out);

}  // namespace mtlscert::cli
