// Differential fuzz target: read_ca_file (and its fast path, whenever it claims an
// input) against OpenSSL's own SSL_load_client_CA_file + X509_STORE_load_file on the
// same bytes in a real file. Any disagreement in names (DER, count, order) or in
// whether the file loads aborts with both verdicts; the input then belongs in
// tests/data/ca_file/ with its expected figures (ca_file_test.cc checks them all).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bundle/ca_file.h"
#include "ca_file_oracle.h"

namespace {
std::string g_path;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  mtlscert::oracle::detach_terminal();
  const char* dir = std::getenv("TMPDIR");
  g_path = std::string(dir != nullptr ? dir : "/tmp") + "/fuzz_ca_file." + std::to_string(getpid()) + ".pem";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  mtlscert::oracle::write_file(g_path, bytes);
  mtlscert::oracle::Verdict theirs = mtlscert::oracle::openssl_reads(g_path);
  mtlscert::CaFile ours = mtlscert::read_ca_file(bytes);
  std::string diff = mtlscert::oracle::difference(ours, theirs);
  if (!diff.empty()) {
    std::fprintf(stderr, "read_ca_file disagrees with OpenSSL (%s path): %s\n", ours.fast ? "fast" : "exact",
                 diff.c_str());
    std::abort();
  }
  // Whichever path answered, the exact path alone must agree as well.
  if (ours.fast) {
    diff = mtlscert::oracle::difference(mtlscert::read_ca_file_exact(bytes), theirs);
    if (!diff.empty()) {
      std::fprintf(stderr, "read_ca_file_exact disagrees with OpenSSL: %s\n", diff.c_str());
      std::abort();
    }
  }
  return 0;
}
