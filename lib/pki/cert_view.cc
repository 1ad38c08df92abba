#include "pki/cert_view.h"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <ctime>

#include <fmt/format.h>

#include "core/ossl_error.h"

namespace mtlscert {
namespace {

// One DER element. Single-byte tags and definite lengths only: that is all X.509 uses.
struct Tlv {
  unsigned tag = 0;
  std::string_view content;
  std::string_view whole;
};

bool next(std::string_view& in, Tlv& t) {
  if (in.size() < 2) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  if ((p[0] & 0x1F) == 0x1F) return false;
  std::size_t len = p[1];
  std::size_t header = 2;
  if ((len & 0x80) != 0) {
    std::size_t n = len & 0x7F;
    if (n == 0 || n > 4 || in.size() < 2 + n) return false;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | p[2 + i];
    header += n;
  }
  if (in.size() - header < len) return false;
  t.tag = p[0];
  t.content = in.substr(header, len);
  t.whole = in.substr(0, header + len);
  in.remove_prefix(header + len);
  return true;
}

bool expect(std::string_view& in, unsigned tag, Tlv& t) { return next(in, t) && t.tag == tag; }

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

ossl::Ptr<X509_NAME> name_of(const Tlv& t) {
  const unsigned char* p = bytes(t.whole);
  ossl::Ptr<X509_NAME> name(d2i_X509_NAME(nullptr, &p, static_cast<long>(t.whole.size())));
  if (name && p != bytes(t.whole) + t.whole.size()) name.reset();
  return name;
}

// decoded: the same time as d2i_X509 decoded it, or null to decode it here.
bool time_of(std::string_view& in, std::int64_t& epoch, const ASN1_TIME* decoded) {
  Tlv t;
  if (!next(in, t) || (t.tag != V_ASN1_UTCTIME && t.tag != V_ASN1_GENERALIZEDTIME)) return false;
  ossl::Ptr<ASN1_STRING> time;
  if (decoded == nullptr) {
    const unsigned char* p = bytes(t.whole);
    time.reset(d2i_ASN1_TIME(nullptr, &p, static_cast<long>(t.whole.size())));
    decoded = time.get();
  }
  struct tm tm {};
  if (decoded == nullptr || ASN1_TIME_to_tm(decoded, &tm) != 1) return false;
  epoch = static_cast<std::int64_t>(timegm(&tm));
  return true;
}

int nid_of(const Tlv& oid) {
  const unsigned char* p = bytes(oid.whole);
  ossl::Ptr<ASN1_OBJECT> obj(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(oid.whole.size())));
  return obj ? OBJ_obj2nid(obj.get()) : NID_undef;
}

// Bits of a DER INTEGER's magnitude.
int integer_bits(const Tlv& t) {
  std::string_view v = t.content;
  while (!v.empty() && v.front() == '\0') v.remove_prefix(1);
  if (v.empty()) return 0;
  int bits = static_cast<int>(v.size() - 1) * 8;
  for (unsigned first = static_cast<unsigned char>(v.front()); first != 0; first >>= 1) ++bits;
  return bits;
}

// SubjectPublicKeyInfo: algorithm, size and a label like summarize_key's.
bool read_key(const Tlv& spki, CertView& v) {
  std::string_view in = spki.content;
  Tlv alg, key, oid;
  if (!expect(in, 0x30, alg) || !expect(in, V_ASN1_BIT_STRING, key) || !in.empty()) return false;
  std::string_view a = alg.content;
  if (!expect(a, V_ASN1_OBJECT, oid)) return false;
  Tlv params;
  bool has_params = next(a, params);
  v.key_nid = nid_of(oid);
  std::string_view bits = key.content.empty() ? key.content : key.content.substr(1);  // skip unused-bits byte
  switch (v.key_nid) {
    case NID_rsaEncryption:
    case NID_rsassaPss: {
      Tlv seq, n;
      std::string_view k = bits;
      if (expect(k, 0x30, seq) && expect(seq.content, V_ASN1_INTEGER, n)) v.key_bits = integer_bits(n);
      v.key_label = fmt::format("{} {}", v.key_nid == NID_rsaEncryption ? "RSA" : "RSA-PSS", v.key_bits);
      break;
    }
    case NID_X9_62_id_ecPublicKey: {
      int curve = has_params && params.tag == V_ASN1_OBJECT ? nid_of(params) : NID_undef;
      std::size_t point = bits.size();
      int field = point == 0 ? 0 : static_cast<int>(bits.front() == 4 ? (point - 1) / 2 : point - 1);
      v.key_bits = curve == NID_secp521r1 ? 521 : field * 8;
      const char* name = curve == NID_X9_62_prime256v1 ? "P-256"
                         : curve == NID_secp384r1      ? "P-384"
                         : curve == NID_secp521r1      ? "P-521"
                         : curve != NID_undef          ? OBJ_nid2sn(curve)
                                                       : nullptr;
      v.key_label = name != nullptr ? fmt::format("ECDSA {}", name) : fmt::format("ECDSA {}", v.key_bits);
      break;
    }
    case NID_ED25519:
      v.key_bits = 256;
      v.key_label = "Ed25519";
      break;
    case NID_ED448:
      v.key_bits = 456;
      v.key_label = "Ed448";
      break;
    case NID_dsa: {
      Tlv p;
      if (has_params && params.tag == 0x30 && expect(params.content, V_ASN1_INTEGER, p)) v.key_bits = integer_bits(p);
      v.key_label = fmt::format("DSA {}", v.key_bits);
      break;
    }
    default: {
      const char* sn = v.key_nid != NID_undef ? OBJ_nid2sn(v.key_nid) : nullptr;
      v.key_label = sn != nullptr ? sn : "unknown key";
    }
  }
  return true;
}

// x: the certificate as d2i_X509 decoded these bytes (its extensions are then used), or null.
bool read_extensions(const Tlv& explicit3, CertView& v, const X509* x) {
  std::string_view in = explicit3.content;
  Tlv seq;
  if (!expect(in, 0x30, seq) || !in.empty()) return false;
  ossl::OwnedExtensionStack owned;
  const STACK_OF(X509_EXTENSION)* exts = x != nullptr ? X509_get0_extensions(x) : nullptr;
  if (x == nullptr) {
    const unsigned char* p = bytes(seq.whole);
    owned.reset(d2i_X509_EXTENSIONS(nullptr, &p, static_cast<long>(seq.whole.size())));
    exts = owned.get();
  }
  if (exts == nullptr) return false;
  int critical = 0;
  ossl::Ptr<BASIC_CONSTRAINTS> bc(
      static_cast<BASIC_CONSTRAINTS*>(X509V3_get_d2i(exts, NID_basic_constraints, &critical, nullptr)));
  if (!bc && critical == -2) return false;  // present twice
  v.has_basic_constraints = bc != nullptr;
  v.is_ca = bc != nullptr && bc->ca != 0;
  return true;
}

// x: null, or the certificate d2i_X509 made of exactly these bytes: its decoded names,
// times and extensions are used instead of decoding them a second time.
bool parse(std::string_view der, CertView& v, std::string& problem, const X509* x) {
  Tlv cert, tbs, sig_alg, sig, f, oid;
  std::string_view in = der;
  if (!expect(in, 0x30, cert) || !in.empty()) return (problem = "not a DER certificate"), false;
  std::string_view c = cert.content;
  if (!expect(c, 0x30, tbs) || !expect(c, 0x30, sig_alg) || !expect(c, V_ASN1_BIT_STRING, sig) || !c.empty()) {
    return (problem = "not an X.509 certificate (bad outer structure)"), false;
  }
  std::string_view s = sig_alg.content;
  v.signature_nid = expect(s, V_ASN1_OBJECT, oid) ? nid_of(oid) : NID_undef;
  std::string_view t = tbs.content;
  if (!next(t, f)) return (problem = "empty TBSCertificate"), false;
  if (f.tag == 0xA0 && !next(t, f)) return (problem = "truncated TBSCertificate"), false;
  Tlv alg, issuer, validity, subject, spki;
  if (f.tag != V_ASN1_INTEGER || !expect(t, 0x30, alg) || !expect(t, 0x30, issuer) || !expect(t, 0x30, validity) ||
      !expect(t, 0x30, subject) || !expect(t, 0x30, spki)) {
    return (problem = "not an X.509 certificate (bad TBSCertificate)"), false;
  }
  std::string_view times = validity.content;
  if (!time_of(times, v.not_before, x != nullptr ? X509_get0_notBefore(x) : nullptr) ||
      !time_of(times, v.not_after, x != nullptr ? X509_get0_notAfter(x) : nullptr) || !times.empty()) {
    return (problem = "malformed validity dates"), false;
  }
  // The issuer is only compared as bytes here (decoding a name costs as much as
  // everything else together); a root's issuer is a byte copy of its subject.
  {
    ossl::Ptr<X509_NAME> owned = x != nullptr ? nullptr : name_of(subject);
    const X509_NAME* name = x != nullptr ? X509_get_subject_name(x) : owned.get();
    if (name == nullptr) return (problem = "malformed subject name"), false;
    int ok = 0;
    v.subject_hash = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
    if (ok != 1) return (problem = "malformed subject name"), false;
    v.subject_der.assign(subject.whole);
  }
  v.issuer_der.assign(issuer.whole);
  v.self_issued = issuer.whole == subject.whole;
  if (!read_key(spki, v)) return (problem = "malformed public key"), false;
  while (next(t, f)) {
    if (f.tag == 0xA3 && !read_extensions(f, v, x)) return (problem = "malformed extensions"), false;
    if (f.tag != 0xA3 && f.tag != 0x81 && f.tag != 0x82 && f.tag != 0xA1 && f.tag != 0xA2) {
      return (problem = "unexpected field in TBSCertificate"), false;
    }
  }
  if (!t.empty()) return (problem = "trailing garbage in TBSCertificate"), false;
  return true;
}

}  // namespace

namespace {

ossl::Ptr<X509_NAME> decode_name(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::Ptr<X509_NAME> name(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  ossl::clear_errors();
  return name;
}

}  // namespace

ossl::Ptr<X509_NAME> CertView::subject() const { return decode_name(subject_der); }

ossl::Ptr<X509_NAME> CertView::issuer() const { return decode_name(issuer_der); }

bool parse_cert_view(std::string_view der, CertView& out, std::string& problem) {
  out = CertView{};
  bool ok = parse(der, out, problem, nullptr);
  if (!ok) out.subject_der.clear();
  ossl::clear_errors();
  return ok;
}

bool parse_cert_view(std::string_view der, const X509* decoded, CertView& out, std::string& problem) {
  out = CertView{};
  bool ok = parse(der, out, problem, decoded);
  if (!ok) out.subject_der.clear();
  ossl::clear_errors();
  return ok;
}

}  // namespace mtlscert
