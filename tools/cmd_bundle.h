// cmd_bundle.h: `mtlscert bundle check|trim|split|rehash`: CA bundles as sendmail uses them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bundle/bundle.h"
#include "output.h"

namespace mtlscert::cli {

// The flags, bound by cli.cc straight into the library's requests; --at is parsed here.

struct BundleCheckOptions {
  std::string file;
  std::string at;  ///< --at DATE (empty: now)
  mtlscert::BundleCheckOptions check;
};

struct BundleTrimOptions {
  TrimRequest request;
  std::string at;
};

struct BundleSplitOptions {
  SplitRequest request;
  std::string at;
  std::string old_cacert;       ///< --cacert: the deprecated spelling of --out-cacert
  std::string old_cacert_path;  ///< --cacert-path: the deprecated spelling of --out-cacert-path
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
