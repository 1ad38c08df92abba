// ca_file.h: what OpenSSL 3.0 (and so sendmail) makes of a confCACERT file. The one
// place that answers "which CA names are sent" and "does the file load"; bundle
// check/trim/split, emit-mc, doctor, init, install-cert and probe all ask it.
//
// The rules are OpenSSL's, not ours:
//  * Names sent: SSL_load_client_CA_file() (ssl/ssl_cert.c). It calls PEM_read_bio_X509()
//    until that fails, so it reads only PEM blocks labelled "CERTIFICATE" or
//    "X509 CERTIFICATE" (PEM_bytes_read_bio/check_pem skip any other label, including
//    "TRUSTED CERTIFICATE" and "PKCS7"), and it STOPS at the first block PEM_read_bio_ex()
//    cannot read (bad base64, a missing END line, an RFC 1421 header other than Proc-Type,
//    …) or whose DER d2i_X509() rejects. Everything after that point is never sent.
//  * Lines are read with BIO_gets() on a FILE (fgets): a NUL byte ends the line's
//    content, and a "-----BEGIN" marker counts only at the start of a line.
//  * Deduplication is DER-exact: xname_cmp() compares i2d_X509_NAME() output, so two
//    subjects differing only in case or string type (PrintableString vs UTF8String)
//    are both sent. It is not X509_NAME_cmp().
//  * Loads: SSL_CTX_load_verify_locations(ctx, file, …) = X509_STORE_load_file() =
//    X509_load_cert_crl_file_ex() (crypto/x509/by_file.c): PEM_X509_INFO_read_bio_ex()
//    must succeed on the whole file (any block it knows — certificate, TRUSTED
//    CERTIFICATE, CRL, private key — that does not decode fails the whole file) and
//    yield at least one certificate or CRL. sendmail disables STARTTLS when it fails.
//
// How: a fast path reads the common, unambiguous layout (only "CERTIFICATE" blocks of
// 64-column base64, LF line ends, no NUL/CR, no other "-----" lines) with our own
// base64 decoder and d2i_X509 per block in parallel; anything else goes to the exact
// path, which runs OpenSSL's own PEM_read_bio_X509 and PEM_X509_INFO_read_bio_ex over
// the bytes through a FILE (fmemopen), as sendmail's OpenSSL does. tests/fuzz/
// fuzz_ca_file.cc checks both paths against SSL_load_client_CA_file and
// X509_STORE_load_file themselves. bundle check reads a file of 8 MiB or more piece by
// piece with the fast path (bundle_stream.h), taking each certificate's view from the
// same decoding.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/ca_list.h"
#include "pki/cert_view.h"

namespace mtlscert {

/// One certificate SSL_load_client_CA_file read, in file order.
struct CaFileCert {
  std::array<unsigned char, 32> sha256{};  ///< SHA-256 of its DER (as i2d_X509 gives it)
  std::size_t name_bytes = 0;              ///< DER length of its subject
  bool name_sent = false;                  ///< its subject's DER was new: it is in the list
};

struct CaFile {
  bool loads = false;                   ///< X509_STORE_load_file succeeds: sendmail can use the file
  std::size_t loaded_objects = 0;       ///< certificates and CRLs X509_STORE_load_file adds
  std::size_t loaded_certificates = 0;  ///< of which certificates (also TRUSTED CERTIFICATE)
  std::vector<CaFileCert> read;         ///< certificates whose subject SSL_load_client_CA_file took
  std::vector<std::string> names;       ///< DER of each name sent, in order, DER-deduplicated
  bool fast = false;                    ///< computed by the fast path (tests, bench)
  /// The CA list these names make (names = certificates read, unique_names = names sent).
  CaListSize list() const;
};

/// read_ca_file: what OpenSSL makes of these bytes as confCACERT. Never throws for content.
CaFile read_ca_file(std::string_view bytes);

/// read_ca_file_fast: the fast path alone; nullopt when the bytes are not in the layout it
/// understands exactly (then read_ca_file takes the exact path).
std::optional<CaFile> read_ca_file_fast(std::string_view bytes);

/// FastCertView: what bundle check needs of a certificate the fast path read, taken
/// from the same decoding (bundle_stream.cc reads large bundles this way).
struct FastCertView {
  std::size_t offset = 0;  ///< byte offset of its BEGIN line in the bytes
  CertView view;           ///< as parse_cert_view reads its DER
};

/// read_ca_file_fast that also gives, in file order, each certificate's view. nullopt
/// also when a view cannot be read (parse_cert_view refuses a certificate d2i_X509
/// accepts): the caller then reads the file the ordinary way.
std::optional<CaFile> read_ca_file_fast(std::string_view bytes, std::vector<FastCertView>& views);

/// read_ca_file_exact: the exact path alone (OpenSSL's PEM readers over a FILE).
CaFile read_ca_file_exact(std::string_view bytes);

/// ca_list_of_names: the CA list of DER names sent (names = unique_names = the count).
CaListSize ca_list_of_names(const std::vector<std::string>& der_names);

}  // namespace mtlscert
