// pem_write.h: OpenSSL objects written out as text through a memory BIO, in one place.
#pragma once

#include <string>

#include "core/ossl.h"

namespace mtlscert {

/// bio_contents copies what a memory BIO holds (empty for a null bio).
std::string bio_contents(BIO* bio);

/// certificate_pem encodes cert as one "BEGIN CERTIFICATE" block. Throws Error.
std::string certificate_pem(X509* cert);

}  // namespace mtlscert
