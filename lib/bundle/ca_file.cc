// ca_file.cc: the fast and the exact reading of a confCACERT file (rules: ca_file.h).
#include "bundle/ca_file.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "core/ossl.h"
#include "core/ossl_error.h"
#include "core/parallel.h"
#include "pki/base64.h"

namespace mtlscert {
namespace {

constexpr std::string_view kBeginCert = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEndCert = "-----END CERTIFICATE-----";
constexpr std::size_t kColumns = 64;

// SHA-256 with the digest fetched once per process (EVP_sha256() would fetch per call).
void sha256(const unsigned char* data, std::size_t len, std::array<unsigned char, 32>& out) {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned int n = 0;
  EVP_Digest(data, len, out.data(), &n, md, nullptr);
}

// One base64 line of the fast layout: only alphabet characters, a multiple of 4 long;
// `last` allows "=" or "==" at its end. Appends the decoded bytes.
bool decode_line(std::string_view line, bool last, std::string& out) {
  if (line.empty() || line.size() % 4 != 0) return false;
  std::size_t pad = 0;
  if (last) {
    while (pad < 2 && line[line.size() - 1 - pad] == '=') ++pad;
  }
  Base64Bits bits;  // '=' is not in the alphabet: the padding is placed above
  for (std::size_t i = 0; i < line.size() - pad; ++i) {
    if (!bits.add(static_cast<unsigned char>(line[i]), out)) return false;
  }
  return true;
}

// The lines of a block body in the fast layout: every line kColumns wide but the
// last, which is 4..kColumns wide, then the END line.
struct FastBlock {
  std::string_view body;  // the base64 lines with their LFs
  std::size_t begin = 0;  // offset of the BEGIN line
};

// Splits the text into fast-layout blocks; false when any line is outside that layout.
bool fast_blocks(std::string_view text, std::vector<FastBlock>& blocks) {
  if (text.find('\0') != std::string_view::npos || text.find('\r') != std::string_view::npos) return false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    if (line.find("-----") == std::string_view::npos) {
      pos = next;  // text between blocks: PEM_read_bio skips it
      continue;
    }
    if (line != kBeginCert || eol == std::string_view::npos) return false;
    std::size_t begin = pos;
    std::size_t body_start = next;
    pos = next;
    bool ended = false;
    std::size_t width = kColumns;
    while (pos < text.size()) {
      eol = text.find('\n', pos);
      if (eol == std::string_view::npos) return false;  // no END line ending in LF
      line = text.substr(pos, eol - pos);
      if (line == kEndCert) {
        if (pos == body_start) return false;
        blocks.push_back({text.substr(body_start, pos - body_start), begin});
        pos = eol + 1;
        ended = true;
        break;
      }
      // After a short line only the END line may follow.
      if (width != kColumns || line.empty() || line.size() > kColumns || line.size() % 4 != 0) return false;
      if (line.size() < kColumns) width = kColumns + 1;
      pos = eol + 1;
    }
    if (!ended) return false;
  }
  return true;
}

bool decode_block(std::string_view body, std::string& der) {
  der.clear();
  der.reserve(body.size() * 3 / 4);
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find('\n', pos);
    std::string_view line = body.substr(pos, eol - pos);
    bool last = eol + 1 == body.size();
    if (!decode_line(line, last, der)) return false;
    // Padding only at the very end of the block.
    if (!last && line.find('=') != std::string_view::npos) return false;
    pos = eol + 1;
  }
  return !der.empty();
}

// The name and fingerprint of one fast block, or false if d2i_X509 does not take the
// whole DER (then the exact path decides: OpenSSL's reaction to bad DER is its own).
struct FastCert {
  std::string name;
  std::array<unsigned char, 32> sha256{};
  bool ok = false;
  bool view_ok = false;  // view (when asked for) read
};

// A library context with only the null provider. d2i_X509 on OpenSSL 3.0 also decodes the
// public key through the provider decoders, which costs ten times the rest; a failure
// there is not a decoding error (x509_pubkey_ex_d2i_ex ignores it), so with no provider
// the certificate is accepted or refused exactly as by d2i_X509, only faster.
OSSL_LIB_CTX* keyless_context() {
  static OSSL_LIB_CTX* ctx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (c != nullptr && OSSL_PROVIDER_load(c, "null") == nullptr) {
      OSSL_LIB_CTX_free(c);
      c = nullptr;
    }
    return c;
  }();
  return ctx;
}

void decode_fast(std::string_view body, FastCert& out, CertView* view) {
  std::string der;
  if (!decode_block(body, der)) return;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* start = p;
  OSSL_LIB_CTX* ctx = keyless_context();
  if (ctx == nullptr) return;  // the exact path decides
  ossl::Ptr<X509> x(reinterpret_cast<X509*>(
      ASN1_item_d2i_ex(nullptr, &p, static_cast<long>(der.size()), ASN1_ITEM_rptr(X509), ctx, nullptr)));
  if (!x || p != start + der.size()) return;
  unsigned char* name = nullptr;
  int len = i2d_X509_NAME(X509_get_subject_name(x.get()), &name);
  if (len <= 0) return;
  out.name.assign(reinterpret_cast<char*>(name), static_cast<std::size_t>(len));
  OPENSSL_free(name);
  sha256(start, der.size(), out.sha256);
  out.ok = true;
  std::string problem;
  if (view != nullptr) out.view_ok = parse_cert_view(der, x.get(), *view, problem);
}

// Adds a certificate SSL_load_client_CA_file read: its name is sent if its DER is new.
void take(CaFile& r, std::unordered_set<std::string>& seen, std::string name,
          const std::array<unsigned char, 32>& digest) {
  CaFileCert c;
  c.sha256 = digest;
  c.name_bytes = name.size();
  c.name_sent = seen.insert(name).second;
  if (c.name_sent) r.names.push_back(std::move(name));
  r.read.push_back(c);
}

// A FILE over the bytes, as SSL_load_client_CA_file and X509_STORE_load_file read
// their file (fgets semantics, which matter for NUL bytes), wrapped in a BIO.
ossl::Ptr<BIO> file_bio(std::string_view bytes) {
  FILE* f = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "r");
  if (f == nullptr) return nullptr;
  ossl::Ptr<BIO> b(BIO_new_fp(f, BIO_CLOSE));
  if (!b) std::fclose(f);
  return b;
}

// A daemon has no terminal: a Proc-Type: ENCRYPTED certificate gets no passphrase.
int no_passphrase(char*, int, int, void*) { return -1; }

struct InfoStackDeleter {
  void operator()(STACK_OF(X509_INFO) * s) const noexcept { sk_X509_INFO_pop_free(s, X509_INFO_free); }
};

}  // namespace

CaListSize ca_list_of_names(const std::vector<std::string>& der_names) {
  CaListSize s;
  s.names = s.unique_names = der_names.size();
  s.list_bytes = 2;
  for (const auto& n : der_names) s.list_bytes += 2 + n.size();
  s.list_bytes_without_dedup = s.list_bytes;
  return s;
}

CaListSize CaFile::list() const {
  CaListSize s = ca_list_of_names(names);
  s.names = read.size();
  s.list_bytes_without_dedup = 2;
  for (const auto& c : read) s.list_bytes_without_dedup += 2 + c.name_bytes;
  return s;
}

// The fast path; views, when given, receive each certificate's view too.
static std::optional<CaFile> fast_path(std::string_view bytes, std::vector<FastCertView>* views) {
  std::vector<FastBlock> blocks;
  if (!fast_blocks(bytes, blocks)) return std::nullopt;
  std::vector<FastCert> certs(blocks.size());
  if (views != nullptr) views->assign(blocks.size(), {});
  detail::parallel_for(blocks.size(), 256, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      decode_fast(blocks[i].body, certs[i], views != nullptr ? &(*views)[i].view : nullptr);
    }
  });
  ossl::clear_errors();
  CaFile r;
  r.fast = true;
  std::unordered_set<std::string> seen;
  r.read.reserve(certs.size());
  for (std::size_t i = 0; i < certs.size(); ++i) {
    FastCert& c = certs[i];
    if (!c.ok || (views != nullptr && !c.view_ok)) return std::nullopt;
    if (views != nullptr) (*views)[i].offset = blocks[i].begin;
    take(r, seen, std::move(c.name), c.sha256);
  }
  r.loaded_certificates = r.loaded_objects = certs.size();
  r.loads = !certs.empty();
  return r;
}

std::optional<CaFile> read_ca_file_fast(std::string_view bytes) { return fast_path(bytes, nullptr); }

std::optional<CaFile> read_ca_file_fast(std::string_view bytes, std::vector<FastCertView>& views) {
  return fast_path(bytes, &views);
}

CaFile read_ca_file_exact(std::string_view bytes) {
  CaFile r;
  if (bytes.empty()) return r;  // fmemopen needs a size; an empty file loads nothing
  // SSL_load_client_CA_file: PEM_read_bio_X509 until it fails.
  if (ossl::Ptr<BIO> in = file_bio(bytes)) {
    std::unordered_set<std::string> seen;
    for (;;) {
      ossl::Ptr<X509> x(PEM_read_bio_X509(in.get(), nullptr, no_passphrase, nullptr));
      if (!x) break;
      unsigned char* name = nullptr;
      int len = i2d_X509_NAME(X509_get_subject_name(x.get()), &name);
      if (len <= 0) break;
      std::string der(reinterpret_cast<char*>(name), static_cast<std::size_t>(len));
      OPENSSL_free(name);
      std::array<unsigned char, 32> digest{};
      unsigned int n = 0;
      static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
      X509_digest(x.get(), md, digest.data(), &n);
      take(r, seen, std::move(der), digest);
    }
  }
  // X509_STORE_load_file: X509_load_cert_crl_file_ex's PEM_X509_INFO_read_bio_ex with "".
  if (ossl::Ptr<BIO> in = file_bio(bytes)) {
    std::unique_ptr<STACK_OF(X509_INFO), InfoStackDeleter> infos(
        PEM_X509_INFO_read_bio_ex(in.get(), nullptr, nullptr, const_cast<char*>(""), nullptr, nullptr));
    if (infos) {
      for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i) {
        const X509_INFO* info = sk_X509_INFO_value(infos.get(), i);
        if (info->x509 != nullptr) ++r.loaded_certificates;
        r.loaded_objects += (info->x509 != nullptr ? 1 : 0) + (info->crl != nullptr ? 1 : 0);
      }
      r.loads = r.loaded_objects > 0;
    }
  }
  ossl::clear_errors();
  return r;
}

CaFile read_ca_file(std::string_view bytes) {
  if (auto fast = read_ca_file_fast(bytes)) return std::move(*fast);
  return read_ca_file_exact(bytes);
}

}  // namespace mtlscert
