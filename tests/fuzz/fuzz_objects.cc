// Fuzz target: the PKI object loader (PEM with junk, DER, PKCS#7) that every file reader uses.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string_view>

#include "pki/cert_info.h"
#include "pki/objects.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  mtlscert::PkiFile file = mtlscert::load_objects(bytes, "fuzz");
  for (auto& o : file.objects) {
    if (o.cert) {
      try {
        (void)mtlscert::describe_certificate(o.cert.get(), 0);
      } catch (const std::exception&) {
        // malformed validity times are reported as Error: fine
      }
    }
    if (o.csr) (void)mtlscert::describe_csr(o.csr.get());
  }
  return 0;
}
