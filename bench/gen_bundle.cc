// gen_bundle: make large CA bundles for bench/bundle.sh (never part of the test run).
//
//   gen_bundle N OUT.pem      one PEM file with N CA certificates
//   gen_bundle --dir N DIR    N files DIR/ca-NNNNNN.pem, one certificate each (for rehash)
//
// The certificates look like a system bundle's: distinct subjects of C, O, OU and CN
// (about 100 bytes of DER, the Debian median), three RSA 2048 keys for every ECDSA
// P-256 key. To make 100,000 of them in seconds, all share one RSA and one ECDSA key
// and are signed by one ECDSA issuer: parsing cost does not depend on that.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "pki.h"

using namespace mtlscert;

int main(int argc, char** argv) {
  bool dir_mode = argc == 4 && std::string(argv[1]) == "--dir";
  if (argc != 3 && !dir_mode) {
    std::fprintf(stderr, "usage: gen_bundle N OUT.pem | gen_bundle --dir N DIR\n");
    return 2;
  }
  long n = std::strtol(argv[dir_mode ? 2 : 1], nullptr, 10);
  std::string out = argv[dir_mode ? 3 : 2];
  auto issuer = test::make_cert({.cn = "Bench Issuing Authority", .extra_rdns = {{"O", "mtlscert bench"}}});
  auto rsa = generate_key(KeySpec{});
  auto ec = generate_key(KeySpec{KeyType::Ecdsa, 0, "P-256"});
  static const char* const kCountries[] = {"US", "DE", "FR", "JP", "GB", "ES", "CH", "NL", "PL", "TW"};
  std::string bundle;
  for (long i = 1; i <= n; ++i) {
    test::CertSpec spec;
    spec.cn = fmt::format("Bench Root CA {:06} G{}", i, 1 + i % 4);
    spec.extra_rdns = {{"C", kCountries[i % 10]},
                       {"O", fmt::format("Bench Trust Services {:04}", i % 997)},
                       {"OU", "Certification Authority"}};
    spec.serial = i;
    spec.use_key = i % 4 == 0 ? ec.get() : rsa.get();
    std::string pem = test::make_cert(spec, &issuer).cert_pem();
    if (dir_mode) {
      std::string path = fmt::format("{}/ca-{:06}.pem", out, i);
      std::FILE* f = std::fopen(path.c_str(), "wb");
      if (f == nullptr || std::fwrite(pem.data(), 1, pem.size(), f) != pem.size() || std::fclose(f) != 0) {
        std::perror(path.c_str());
        return 1;
      }
    } else {
      bundle += fmt::format("# Bench Root CA {:06}\n", i);
      bundle += pem;
    }
  }
  if (!dir_mode) {
    std::FILE* f = std::fopen(out.c_str(), "wb");
    if (f == nullptr || std::fwrite(bundle.data(), 1, bundle.size(), f) != bundle.size() || std::fclose(f) != 0) {
      std::perror(out.c_str());
      return 1;
    }
  }
  return 0;
}
