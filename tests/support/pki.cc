#include "pki.h"

#include <openssl/pem.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace mtlscert::test {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

}  // namespace

std::string Issued::cert_pem() const {
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string Issued::cert_der() const {
  unsigned char* buf = nullptr;
  int len = i2d_X509(cert.get(), &buf);
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  OPENSSL_free(buf);
  return out;
}

std::string Issued::key_pem() const { return std::string(private_key_pem(key.get()).view()); }

Issued make_cert(const CertSpec& spec, const Issued* issuer) {
  Issued out;
  if (spec.use_key != nullptr) {
    out.key = ossl::up_ref(spec.use_key);
  } else if (spec.key.type == KeyType::Rsa && spec.key.bits > 0 && spec.key.bits < 2048) {
    out.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.key.bits)));
    check(out.key != nullptr, "small RSA key");
  } else {
    out.key = generate_key(spec.key.type == KeyType::Rsa && spec.key.bits == 0 ? KeySpec{} : spec.key);
  }
  out.cert.reset(X509_new());
  X509* c = out.cert.get();
  check(X509_set_version(c, 2) == 1, "version");
  ossl::Ptr<ASN1_INTEGER> serial(ASN1_INTEGER_new());
  long s = spec.serial;
  if (s == 0) {
    unsigned char r[4];
    RAND_bytes(r, sizeof r);
    s = 1 + ((r[0] << 16) | (r[1] << 8) | r[2]);
  }
  ASN1_INTEGER_set(serial.get(), s);
  X509_set_serialNumber(c, serial.get());
  X509_NAME* name = X509_get_subject_name(c);
  for (const auto& [k, v] : spec.extra_rdns) {
    check(X509_NAME_add_entry_by_txt(name, k.c_str(), MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(v.c_str()),
                                     -1, -1, 0) == 1,
          "rdn");
  }
  if (!spec.cn.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1,
                               -1, 0);
  }
  X509_set_issuer_name(c, issuer != nullptr ? X509_get_subject_name(issuer->cert.get()) : name);
  check(ASN1_TIME_set_string_X509(X509_getm_notBefore(c), spec.not_before.c_str()) == 1, "notBefore");
  check(ASN1_TIME_set_string_X509(X509_getm_notAfter(c), spec.not_after.c_str()) == 1, "notAfter");
  X509_set_pubkey(c, out.key.get());
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : c;
  if (spec.basic_constraints) {
    std::string bc = spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
    if (spec.ca && spec.pathlen >= 0) bc += ",pathlen:" + std::to_string(spec.pathlen);
    add_ext(c, issuer_cert, NID_basic_constraints, bc);
  }
  add_ext(c, issuer_cert, NID_key_usage,
          spec.ca ? "critical,keyCertSign,cRLSign,digitalSignature" : "critical,digitalSignature,keyEncipherment");
  add_ext(c, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_ext(c, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (!spec.dns.empty()) {
    std::string san;
    for (const auto& d : spec.dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    add_ext(c, issuer_cert, NID_subject_alt_name, san);
  }
  if (!spec.eku.empty()) add_ext(c, issuer_cert, NID_ext_key_usage, spec.eku);
  EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : out.key.get();
  const char* digest = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? nullptr : spec.digest.c_str();
  ossl::Ptr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  check(EVP_DigestSignInit_ex(md.get(), nullptr, digest, nullptr, nullptr, signer, nullptr) == 1, "sign init");
  check(X509_sign_ctx(c, md.get()) > 0, "sign");
  return out;
}

int subject_der_length(const X509* cert) { return i2d_X509_NAME(X509_get_subject_name(cert), nullptr); }

}  // namespace mtlscert::test
