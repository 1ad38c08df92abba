// inspect.h: what a file of PKI objects holds, in words and in JSON: certificates,
// CSRs, private keys (type and size only, never their material) and bundles, PEM or DER.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pki/cert_info.h"
#include "pki/key.h"
#include "pki/objects.h"

namespace mtlscert {

/// InspectedObject: one object of a file, described.
struct InspectedObject {
  ObjectKind kind = ObjectKind::Other;
  std::string label;                    ///< PEM label, or "DER" / "PKCS7"
  std::size_t line = 0;                 ///< line of its BEGIN marker (0 for DER)
  std::optional<CertInfo> certificate;  ///< set for a certificate
  std::optional<CsrInfo> csr;           ///< set for a CSR
  std::optional<KeySummary> key;        ///< set for a private or public key that could be read
  std::string problem;                  ///< why it could not be read (broken block, encrypted key, …)
};

/// InspectedFile: one file, described.
struct InspectedFile {
  std::string path;
  FileFormat format = FileFormat::Unknown;
  std::vector<InspectedObject> objects;
  std::string error;    ///< set (and objects empty) when the file could not be inspected at all
  std::int64_t at = 0;  ///< the time "days left" counts from (epoch seconds)

  /// what: "certificate", "CSR", "private key", "bundle of 3 certificates", "2 objects: …".
  std::string what() const;
  /// broken: some object could not be read (a broken block; not an encrypted key).
  bool broken() const;
};

/// inspect_bytes describes the objects in bytes. Throws Error naming path when
/// there is nothing to describe: empty input, or neither PEM blocks nor a DER
/// certificate, CSR, PKCS#7 bundle, CRL or private key.
InspectedFile inspect_bytes(std::string_view bytes, const std::string& path, std::time_t now);

/// inspect_file reads path (Error if missing, a directory, unreadable) and inspects it.
/// The bytes are wiped from memory afterwards (the file may be a key).
InspectedFile inspect_file(const std::string& path, std::time_t now);

/// inspect_text renders a file for a person: one header line, then the fields of each object.
std::string inspect_text(const InspectedFile& file);

/// to_json: the inspect --json document (schema "mtlscert.inspect/1"); files with an
/// error carry it in "error" and have no objects.
std::string to_json(const std::vector<InspectedFile>& files);

}  // namespace mtlscert
