// objects.h: read any file of PKI objects (PEM with several blocks, DER, PKCS#7 in
// PEM or DER) into a list that says, for each object, what it is and where it is.
// The shared front door of inspect, bundle check/trim/split and the pre-flight checks.
// Private keys are recognised by kind only; their content is never decoded or echoed.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/ossl.h"
#include "pki/cert_view.h"

namespace mtlscert {

enum class ObjectKind {
  Certificate,          ///< "CERTIFICATE", "TRUSTED CERTIFICATE", DER certificate, or from PKCS#7
  Csr,                  ///< "CERTIFICATE REQUEST" or DER
  PrivateKey,           ///< any unencrypted private-key block (not decoded)
  EncryptedPrivateKey,  ///< "ENCRYPTED PRIVATE KEY" or a legacy Proc-Type: ENCRYPTED block
  PublicKey,            ///< "PUBLIC KEY"
  Crl,                  ///< "X509 CRL"
  Other,                ///< a PEM block of another label (parameters, …)
  Broken,               ///< a block that does not parse (bad base64, bad DER, truncated)
};

std::string_view object_kind_name(ObjectKind kind);  ///< "certificate", "csr", "private-key", …

struct PkiObject {
  ObjectKind kind = ObjectKind::Other;
  std::string label;                       ///< the PEM label, or "DER"/"PKCS7" for binary input
  std::size_t line = 0;                    ///< 1-based line of the BEGIN marker; 0 for DER input
  bool trusted = false;                    ///< came from a TRUSTED CERTIFICATE block (OpenSSL aux data)
  std::string problem;                     ///< for Broken: what is wrong ("invalid base64", "truncated", …)
  ossl::Ptr<X509> cert;                    ///< set for Certificate (unless loaded with x509 = false)
  CertView view;                           ///< set for Certificate: names, dates, constraints, key size
  std::array<unsigned char, 32> sha256{};  ///< Certificate: SHA-256 of its DER encoding
  ossl::Ptr<X509_REQ> csr;                 ///< set for Csr
  ossl::Ptr<X509_CRL> crl;                 ///< set for Crl
};

enum class FileFormat { Pem, Der, Pkcs7Der, Empty, Unknown };
std::string_view file_format_name(FileFormat format);

struct PkiFile {
  std::string path;
  FileFormat format = FileFormat::Unknown;
  std::vector<PkiObject> objects;
  /// count of objects of a kind
  std::size_t count(ObjectKind kind) const;
};

/// How load_objects decodes certificates.
struct LoadOptions {
  /// false: fill only PkiObject::view, not cert. Reading a 10,000-certificate bundle
  /// is then about ten times faster on OpenSSL 3.0 (no public-key decoding).
  bool x509 = true;
};

/// load_objects parses bytes; never throws for bad content (bad blocks become
/// Broken objects, an unrecognised binary file has format Unknown and no objects).
/// Each certificate is decoded once; large PEM files are decoded by several
/// threads (contiguous runs of blocks), the result is in file order either way.
PkiFile load_objects(std::string_view bytes, const std::string& path, const LoadOptions& options = {});

/// load_objects_file reads path (Error if unreadable) and parses it.
PkiFile load_objects_file(const std::string& path, std::string_view role);

/// base64_decode decodes standard base64, skipping whitespace; false on any other
/// character or bad padding. Faster than OpenSSL's decoder chain for bulk certificates.
bool base64_decode(std::string_view text, std::string& out);

/// hex_fingerprint formats a digest as "AA:BB:…".
std::string hex_fingerprint(const std::array<unsigned char, 32>& digest);

}  // namespace mtlscert
