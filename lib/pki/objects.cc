#include "pki/objects.h"

#include <openssl/err.h>
#include <openssl/sha.h>

#include <array>

#include "core/io.h"
#include "core/ossl_error.h"
#include "core/parallel.h"
#include "pki/base64.h"
#include "pki/key.h"
#include "pki/pem.h"

namespace mtlscert {

std::string_view object_kind_name(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::Certificate: return "certificate";
    case ObjectKind::Csr: return "csr";
    case ObjectKind::PrivateKey: return "private-key";
    case ObjectKind::EncryptedPrivateKey: return "encrypted-private-key";
    case ObjectKind::PublicKey: return "public-key";
    case ObjectKind::Crl: return "crl";
    case ObjectKind::Other: return "other";
    case ObjectKind::Broken: return "broken";
  }
  return "?";
}

std::string_view file_format_name(FileFormat format) {
  switch (format) {
    case FileFormat::Pem: return "PEM";
    case FileFormat::Der: return "DER";
    case FileFormat::Pkcs7Der: return "PKCS7-DER";
    case FileFormat::Empty: return "empty";
    case FileFormat::Unknown: return "unknown";
  }
  return "?";
}

std::size_t PkiFile::count(ObjectKind kind) const {
  std::size_t n = 0;
  for (const auto& o : objects) n += o.kind == kind ? 1 : 0;
  return n;
}

bool base64_decode(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size() * 3 / 4);
  Base64Bits bits;
  int padding = 0;
  for (unsigned char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return false;  // data after padding
    if (!bits.add(c, out)) return false;
  }
  if (padding > 2) return false;
  return bits.pending() < 6;
}

std::string hex_fingerprint(const std::array<unsigned char, 32>& digest) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(digest.size() * 3);
  for (unsigned char b : digest) {
    if (!out.empty()) out.push_back(':');
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0F]);
  }
  return out;
}

namespace {

// SHA-256 with the digest fetched once per run and one context per thread
// (SHA256() fetches the algorithm from the provider on every call in OpenSSL 3.0).
void fingerprint_der(const unsigned char* der, std::size_t len, PkiObject& o) {
  static const ossl::Ptr<EVP_MD> sha256(EVP_MD_fetch(nullptr, "SHA2-256", nullptr));
  thread_local const ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  unsigned int out_len = 0;
  if (!sha256 || !ctx || EVP_DigestInit_ex2(ctx.get(), sha256.get(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), der, len) != 1 || EVP_DigestFinal_ex(ctx.get(), o.sha256.data(), &out_len) != 1) {
    SHA256(der, len, o.sha256.data());
  }
}

// For certificates that did not come from our own base64 decoder (PKCS#7 members,
// TRUSTED CERTIFICATE blocks): fingerprint and view from the re-encoded certificate.
// A certificate whose view cannot be read becomes Broken.
void fingerprint_cert(PkiObject& o) {
  unsigned char* der = nullptr;
  int len = i2d_X509(o.cert.get(), &der);
  if (len <= 0) {
    o.problem = "the certificate cannot be re-encoded";
  } else {
    fingerprint_der(der, static_cast<std::size_t>(len), o);
    parse_cert_view(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)), o.view,
                    o.problem);
  }
  OPENSSL_free(der);
  if (!o.problem.empty()) {
    o.kind = ObjectKind::Broken;
    o.cert.reset();
  }
}

ObjectKind kind_of_label(const pem::Block& b) {
  const std::string& l = b.label;
  if (l == "CERTIFICATE" || l == "X509 CERTIFICATE" || l == "TRUSTED CERTIFICATE") return ObjectKind::Certificate;
  if (l == "CERTIFICATE REQUEST" || l == "NEW CERTIFICATE REQUEST") return ObjectKind::Csr;
  if (l == "ENCRYPTED PRIVATE KEY" || (pem::is_private_key_label(l) && b.encrypted_headers)) {
    return ObjectKind::EncryptedPrivateKey;
  }
  if (pem::is_private_key_label(l)) return ObjectKind::PrivateKey;
  if (l == "PUBLIC KEY" || l == "RSA PUBLIC KEY") return ObjectKind::PublicKey;
  if (l == "X509 CRL") return ObjectKind::Crl;
  return ObjectKind::Other;
}

// The base64 body of a block: the lines between the markers, minus RFC 1421 headers.
std::string_view block_body(std::string_view text, const pem::Block& b) {
  std::string_view whole = text.substr(b.begin, b.end - b.begin);
  std::size_t start = whole.find('\n');
  if (start == std::string_view::npos) return {};
  whole.remove_prefix(start + 1);
  std::size_t stop = whole.rfind("-----END ");
  if (stop != std::string_view::npos) whole = whole.substr(0, stop);
  // Skip header lines ("Proc-Type: …", "DEK-Info: …") and the blank line after them.
  if (whole.find(':') != std::string_view::npos) {
    std::size_t blank = whole.find("\n\n");
    if (blank == std::string_view::npos) blank = whole.find("\r\n\r\n");
    if (blank != std::string_view::npos) whole.remove_prefix(blank + 2);
  }
  return whole;
}

void add_pkcs7_certs(PKCS7* p7, std::vector<PkiObject>& out, std::size_t line, const std::string& label) {
  STACK_OF(X509)* certs = nullptr;
  int type = OBJ_obj2nid(p7->type);
  if (type == NID_pkcs7_signed && p7->d.sign != nullptr) certs = p7->d.sign->cert;
  if (type == NID_pkcs7_signedAndEnveloped && p7->d.signed_and_enveloped != nullptr) {
    certs = p7->d.signed_and_enveloped->cert;
  }
  for (int i = 0; certs != nullptr && i < sk_X509_num(certs); ++i) {
    PkiObject o;
    o.kind = ObjectKind::Certificate;
    o.label = label;
    o.line = line;
    o.cert = ossl::up_ref(sk_X509_value(certs, i));
    fingerprint_cert(o);
    out.push_back(std::move(o));
  }
}

// decode_block decodes one PEM block; a PKCS#7 block's certificates go to expanded.
PkiObject decode_block(std::string_view text, const pem::Block& b, std::vector<PkiObject>& expanded,
                       const LoadOptions& options) {
  PkiObject o;
  o.kind = kind_of_label(b);
  o.label = b.label;
  o.line = b.line;
  if (!b.terminated) {
    o.kind = ObjectKind::Broken;
    o.problem = "truncated: no matching END line";
    return o;
  }
  if (o.kind == ObjectKind::PrivateKey || o.kind == ObjectKind::EncryptedPrivateKey ||
      o.kind == ObjectKind::PublicKey) {
    return o;  // never decoded: we only need to know it is there
  }
  std::string der;
  if (!base64_decode(block_body(text, b), der) || der.empty()) {
    o.kind = ObjectKind::Broken;
    o.problem = "invalid base64 inside the PEM block";
    return o;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* start = p;
  long len = static_cast<long>(der.size());
  switch (o.kind) {
    case ObjectKind::Certificate:
      o.trusted = b.label == "TRUSTED CERTIFICATE";
      if (!options.x509 && !o.trusted) {
        // The view alone: the certificate is exactly the DER (no trailing bytes allowed).
        if (parse_cert_view(der, o.view, o.problem)) fingerprint_der(start, static_cast<std::size_t>(len), o);
        break;
      }
      o.cert.reset(o.trusted ? d2i_X509_AUX(nullptr, &p, len) : d2i_X509(nullptr, &p, len));
      if (!o.cert)
        o.problem = "not a valid X.509 certificate (DER does not parse)";
      else if (!o.trusted && p != start + len)
        o.problem = "trailing bytes after the certificate";
      else if (o.trusted)
        fingerprint_cert(o);  // the DER also holds OpenSSL's aux trust data
      else if (parse_cert_view(der, o.view, o.problem))
        fingerprint_der(start, static_cast<std::size_t>(len), o);
      break;
    case ObjectKind::Csr:
      o.csr.reset(d2i_X509_REQ(nullptr, &p, len));
      if (!o.csr) o.problem = "not a valid certificate request (DER does not parse)";
      break;
    case ObjectKind::Crl:
      o.crl.reset(d2i_X509_CRL(nullptr, &p, len));
      if (!o.crl) o.problem = "not a valid CRL (DER does not parse)";
      break;
    default:
      if (b.label == "PKCS7" || b.label == "CERTIFICATE CHAIN") {
        ossl::Ptr<PKCS7> p7(d2i_PKCS7(nullptr, &p, len));
        if (!p7) {
          o.kind = ObjectKind::Broken;
          o.problem = "not a valid PKCS#7 structure";
          break;
        }
        add_pkcs7_certs(p7.get(), expanded, b.line, b.label);
        o.label.clear();  // consumed: its certificates were added instead
      }
      break;
  }
  if (!o.problem.empty()) {
    o.kind = ObjectKind::Broken;
    o.cert.reset();
  }
  ossl::clear_errors();
  return o;
}

// Binary input: one DER certificate, CSR, CRL, PKCS#7 bundle, or a DER private key.
void load_der(std::string_view bytes, PkiFile& file) {
  const auto* start = reinterpret_cast<const unsigned char*>(bytes.data());
  long len = static_cast<long>(bytes.size());
  // Each decoder gets the whole input from its start; the first that accepts it wins.
  auto decode = [&](auto d2i) {
    const unsigned char* p = start;
    return d2i(nullptr, &p, len);
  };
  auto add_der = [&](ObjectKind kind) -> PkiObject& {
    file.format = FileFormat::Der;
    PkiObject& o = file.objects.emplace_back();
    o.kind = kind;
    o.label = "DER";
    return o;
  };
  if (ossl::Ptr<X509> cert{decode(d2i_X509)}) {
    PkiObject& o = add_der(ObjectKind::Certificate);
    o.cert = std::move(cert);
    fingerprint_cert(o);
    return;
  }
  if (ossl::Ptr<X509_REQ> csr{decode(d2i_X509_REQ)}) {
    add_der(ObjectKind::Csr).csr = std::move(csr);
    return;
  }
  if (ossl::Ptr<PKCS7> p7{decode(d2i_PKCS7)}) {
    file.format = FileFormat::Pkcs7Der;
    add_pkcs7_certs(p7.get(), file.objects, 0, "PKCS7");
    return;
  }
  if (ossl::Ptr<X509_CRL> crl{decode(d2i_X509_CRL)}) {
    add_der(ObjectKind::Crl).crl = std::move(crl);
    return;
  }
  if (ossl::Ptr<EVP_PKEY> key{decode(d2i_AutoPrivateKey)}) {
    add_der(ObjectKind::PrivateKey);  // recognised, never kept
    return;
  }
  file.format = FileFormat::Unknown;
}

}  // namespace

PkiFile load_objects(std::string_view bytes, const std::string& path, const LoadOptions& options) {
  PkiFile file;
  file.path = path;
  ossl::clear_errors();
  std::string_view content = bytes;
  std::size_t first = content.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || content.substr(first) == "\xEF\xBB\xBF") {
    file.format = FileFormat::Empty;
    return file;
  }
  if (pem::looks_like_pem(bytes)) {
    file.format = FileFormat::Pem;
    std::vector<pem::Block> blocks = pem::scan(bytes);
    std::vector<PkiObject> decoded(blocks.size());
    std::vector<std::vector<PkiObject>> expanded(blocks.size());
    detail::parallel_for(blocks.size(), 256, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) decoded[i] = decode_block(bytes, blocks[i], expanded[i], options);
      ossl::clear_errors();
    });
    file.objects.reserve(blocks.size());
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      for (auto& member : expanded[i]) file.objects.push_back(std::move(member));
      if (decoded[i].kind == ObjectKind::Other && decoded[i].label.empty()) continue;  // consumed PKCS#7
      file.objects.push_back(std::move(decoded[i]));
    }
  } else {
    load_der(bytes, file);
  }
  ossl::clear_errors();
  return file;
}

PkiFile load_objects_file(const std::string& path, std::string_view role) {
  SecretString bytes(io::read_file(path, role));  // wiped when done: the file may hold a key
  return load_objects(bytes.view(), path);
}

}  // namespace mtlscert
