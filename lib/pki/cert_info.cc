#include "pki/cert_info.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/ossl_error.h"
#include "core/text.h"
#include "pki/pem_write.h"

namespace mtlscert {

std::string name_rfc2253(const X509_NAME* name) {
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_contents(bio.get());
}

std::int64_t asn1_time_to_epoch(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ossl::clear_errors();
    throw Error("malformed certificate validity time");
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string iso8601(std::int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  struct tm tm {};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::int64_t parse_date(const std::string& text) {
  struct tm tm {};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  bool ok = false;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &y, &mo, &d, &h, &mi, &s, &tail) == 6 &&
      text.size() == 20) {
    ok = true;
  } else if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3 && text.size() == 10) {
    ok = true;
  }
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    throw Error(fmt::format("--at: '{}' is not a date", text), {}, "use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string sha256_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) {
    ossl::clear_errors();
    return {};
  }
  std::string out;
  out.reserve(len * 3);
  for (unsigned int i = 0; i < len; ++i) {
    if (i != 0) out += ':';
    out += fmt::format("{:02X}", md[i]);
  }
  return out;
}

namespace {

std::string asn1_string_utf8(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) {
    ossl::clear_errors();
    return {};
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string last_cn(const X509_NAME* name) {
  int idx = -1, last = -1;
  while ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, idx)) >= 0) last = idx;
  if (last < 0) return {};
  return asn1_string_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last)));
}

}  // namespace

std::vector<std::string> repeated_attributes(const X509_NAME* name) {
  std::vector<int> seen;
  std::vector<std::string> repeated;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(name, i)));
    const bool again = std::find(seen.begin(), seen.end(), nid) != seen.end();
    seen.push_back(nid);
    if (!again) continue;
    char txt[80];
    OBJ_obj2txt(txt, sizeof txt, X509_NAME_ENTRY_get_object(X509_NAME_get_entry(name, i)), 1);
    const char* sn = nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;  // "CN", "O"; the OID when unknown
    const std::string label = sn != nullptr ? sn : txt;
    if (std::find(repeated.begin(), repeated.end(), label) == repeated.end()) repeated.push_back(label);
  }
  return repeated;
}

std::string first_cn(const X509_NAME* name) {
  const int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  return asn1_string_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
}

namespace {

void read_general_names(const GENERAL_NAMES* names, std::vector<std::string>& dns, std::vector<std::string>& ips,
                        std::vector<std::string>& emails) {
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      dns.push_back(asn1_string_utf8(gn->d.dNSName));
    } else if (gn->type == GEN_EMAIL) {
      emails.push_back(asn1_string_utf8(gn->d.rfc822Name));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = gn->d.iPAddress;
      const unsigned char* p = ASN1_STRING_get0_data(ip);
      int n = ASN1_STRING_length(ip);
      if (n == 4) {
        ips.push_back(fmt::format("{}.{}.{}.{}", p[0], p[1], p[2], p[3]));
      } else if (n == 16) {
        std::string s;
        for (int k = 0; k < 16; k += 2) {
          if (k != 0) s += ':';
          s += fmt::format("{:x}", (p[k] << 8) | p[k + 1]);
        }
        ips.push_back(s);
      }
    }
  }
}

std::vector<std::string> eku_names(const EXTENDED_KEY_USAGE* eku) {
  std::vector<std::string> out;
  if (eku == nullptr) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
    const ASN1_OBJECT* obj = sk_ASN1_OBJECT_value(eku, i);
    int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
      out.emplace_back(OBJ_nid2sn(nid));
    } else {
      char buf[128];
      OBJ_obj2txt(buf, sizeof buf, obj, 1);
      out.emplace_back(buf);
    }
  }
  return out;
}

std::vector<std::string> key_usage_names(const ASN1_BIT_STRING* ku) {
  static const char* const kNames[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                       "dataEncipherment", "keyAgreement",   "keyCertSign",
                                       "cRLSign",          "encipherOnly",   "decipherOnly"};
  std::vector<std::string> out;
  if (ku == nullptr) return out;
  for (int bit = 0; bit < 9; ++bit) {
    if (ASN1_BIT_STRING_get_bit(ku, bit) != 0) out.emplace_back(kNames[bit]);
  }
  return out;
}

std::string signature_name(int nid) {
  const char* ln = OBJ_nid2ln(nid);
  return ln != nullptr ? ln : "unknown";
}

}  // namespace

bool CertInfo::names_host(std::string_view host) const {
  if (std::any_of(dns_names.begin(), dns_names.end(), [&](const std::string& n) { return iequals(n, host); }))
    return true;
  return dns_names.empty() && iequals(common_name, host);
}

bool CertInfo::lists_eku(std::string_view eku) const {
  return std::find(extended_key_usage.begin(), extended_key_usage.end(), eku) != extended_key_usage.end();
}

CertInfo describe_certificate(X509* cert, std::time_t now) {
  CertInfo info;
  info.subject = name_rfc2253(X509_get_subject_name(cert));
  info.issuer = name_rfc2253(X509_get_issuer_name(cert));
  info.common_name = last_cn(X509_get_subject_name(cert));
  info.subject_der_length = i2d_X509_NAME(X509_get_subject_name(cert), nullptr);
  info.repeated_attributes = repeated_attributes(X509_get_subject_name(cert));
  ossl::Ptr<GENERAL_NAMES> san(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  read_general_names(san.get(), info.dns_names, info.ip_addresses, info.emails);
  info.not_before_epoch = asn1_time_to_epoch(X509_get0_notBefore(cert));
  info.not_after_epoch = asn1_time_to_epoch(X509_get0_notAfter(cert));
  info.not_before = iso8601(info.not_before_epoch);
  info.not_after = iso8601(info.not_after_epoch);
  std::int64_t left = info.not_after_epoch - static_cast<std::int64_t>(now);
  info.days_left = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) info.key = summarize_key(key);
  info.signature_algorithm = signature_name(X509_get_signature_nid(cert));
  ossl::Ptr<EXTENDED_KEY_USAGE> eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr)));
  info.extended_key_usage = eku_names(eku.get());
  ossl::Ptr<ASN1_STRING> ku(static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(cert, NID_key_usage, nullptr, nullptr)));
  info.key_usage = key_usage_names(ku.get());
  ossl::Ptr<BASIC_CONSTRAINTS> bc(
      static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(cert, NID_basic_constraints, nullptr, nullptr)));
  if (bc) {
    info.has_basic_constraints = true;
    info.is_ca = bc->ca != 0;
    if (bc->pathlen != nullptr) info.path_length = static_cast<int>(ASN1_INTEGER_get(bc->pathlen));
  }
  info.self_signed = X509_self_signed(cert, 0) == 1;
  ossl::Ptr<BIGNUM> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (serial) {
    char* hex = BN_bn2hex(serial.get());
    info.serial = hex;
    OPENSSL_free(hex);
  }
  info.sha256 = sha256_fingerprint(cert);
  if (X509_get0_pubkey(cert) != nullptr) info.spki_sha256 = spki_sha256_hex(cert);
  ossl::clear_errors();
  return info;
}

CsrInfo describe_csr(X509_REQ* csr) {
  CsrInfo info;
  info.subject = name_rfc2253(X509_REQ_get_subject_name(csr));
  info.common_name = last_cn(X509_REQ_get_subject_name(csr));
  info.repeated_attributes = repeated_attributes(X509_REQ_get_subject_name(csr));
  ossl::OwnedExtensionStack exts(X509_REQ_get_extensions(csr));
  if (exts) {
    std::vector<std::string> emails;
    ossl::Ptr<GENERAL_NAMES> san(
        static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr)));
    read_general_names(san.get(), info.dns_names, info.ip_addresses, emails);
    ossl::Ptr<EXTENDED_KEY_USAGE> eku(
        static_cast<EXTENDED_KEY_USAGE*>(X509V3_get_d2i(exts.get(), NID_ext_key_usage, nullptr, nullptr)));
    info.extended_key_usage = eku_names(eku.get());
    ossl::Ptr<ASN1_STRING> ku(
        static_cast<ASN1_BIT_STRING*>(X509V3_get_d2i(exts.get(), NID_key_usage, nullptr, nullptr)));
    info.key_usage = key_usage_names(ku.get());
    ossl::Ptr<BASIC_CONSTRAINTS> bc(
        static_cast<BASIC_CONSTRAINTS*>(X509V3_get_d2i(exts.get(), NID_basic_constraints, nullptr, nullptr)));
    info.requests_ca = bc && bc->ca != 0;
  }
  EVP_PKEY* key = X509_REQ_get0_pubkey(csr);
  if (key != nullptr) {
    info.key = summarize_key(key);
    info.signature_valid = X509_REQ_verify(csr, key) == 1;
  }
  info.signature_algorithm = signature_name(X509_REQ_get_signature_nid(csr));
  ossl::clear_errors();
  return info;
}

void to_json(nlohmann::ordered_json& j, const CertInfo& c) {
  j = nlohmann::ordered_json{
      {"subject", c.subject},
      {"issuer", c.issuer},
      {"common_name", c.common_name},
      {"dns_names", c.dns_names},
      {"ip_addresses", c.ip_addresses},
      {"emails", c.emails},
      {"not_before", c.not_before},
      {"not_after", c.not_after},
      {"days_left", c.days_left},
      {"key", {{"algorithm", c.key.algorithm}, {"bits", c.key.bits}, {"curve", c.key.curve}, {"label", c.key.label}}},
      {"signature_algorithm", c.signature_algorithm},
      {"extended_key_usage", c.extended_key_usage},
      {"key_usage", c.key_usage},
      {"basic_constraints",
       c.has_basic_constraints
           ? nlohmann::ordered_json{{"ca", c.is_ca},
                                    {"path_length", c.path_length < 0 ? nlohmann::ordered_json(nullptr)
                                                                      : nlohmann::ordered_json(c.path_length)}}
           : nlohmann::ordered_json(nullptr)},
      {"self_signed", c.self_signed},
      {"serial", c.serial},
      {"sha256", c.sha256},
      {"spki_sha256", c.spki_sha256},
      {"repeated_subject_attributes", c.repeated_attributes},
  };
}

void to_json(nlohmann::ordered_json& j, const CsrInfo& c) {
  j = nlohmann::ordered_json{
      {"subject", c.subject},
      {"common_name", c.common_name},
      {"dns_names", c.dns_names},
      {"ip_addresses", c.ip_addresses},
      {"extended_key_usage", c.extended_key_usage},
      {"key_usage", c.key_usage},
      {"requests_ca", c.requests_ca},
      {"key", {{"algorithm", c.key.algorithm}, {"bits", c.key.bits}, {"curve", c.key.curve}, {"label", c.key.label}}},
      {"signature_algorithm", c.signature_algorithm},
      {"signature_valid", c.signature_valid},
      {"repeated_subject_attributes", c.repeated_attributes},
  };
}

}  // namespace mtlscert
