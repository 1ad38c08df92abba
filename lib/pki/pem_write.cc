#include "pki/pem_write.h"

#include <openssl/pem.h>

#include "core/ossl_error.h"

namespace mtlscert {

std::string bio_contents(BIO* bio) {
  if (bio == nullptr) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string certificate_pem(X509* cert) {
  ossl::clear_errors();
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) ossl::throw_error("encoding the certificate as PEM");
  return bio_contents(bio.get());
}

}  // namespace mtlscert
