#include "pki/ca_revoke.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "core/text.h"
#include "pki/ca_dir.h"
#include "pki/cert_info.h"
#include "pki/objects.h"
#include "pki/pem_write.h"

namespace mtlscert {
namespace {

struct ReasonName {
  int code;
  std::string_view name;
};
// RFC 5280 5.3.1; certificateHold (6) and removeFromCRL (8) are left out: this CA never
// suspends, a revocation is final.
constexpr std::array<ReasonName, 8> kReasons{{
    {CRL_REASON_UNSPECIFIED, "unspecified"},
    {CRL_REASON_KEY_COMPROMISE, "keyCompromise"},
    {CRL_REASON_CA_COMPROMISE, "cACompromise"},
    {CRL_REASON_AFFILIATION_CHANGED, "affiliationChanged"},
    {CRL_REASON_SUPERSEDED, "superseded"},
    {CRL_REASON_CESSATION_OF_OPERATION, "cessationOfOperation"},
    {CRL_REASON_PRIVILEGE_WITHDRAWN, "privilegeWithdrawn"},
    {CRL_REASON_AA_COMPROMISE, "aACompromise"},
}};

constexpr std::string_view kRevokedHeader = "# serial\trevoked\treason\n";

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string read_if_exists(const std::string& path, std::string_view role) {
  return file_exists(path) ? io::read_file(path, role) : std::string();
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

// The `serials` row of serial (its fields), or empty when this CA never issued it.
std::vector<std::string> serials_row(const std::string& serials, const std::string& serial) {
  std::size_t pos = 0;
  while (pos < serials.size()) {
    std::size_t nl = serials.find('\n', pos);
    if (nl == std::string::npos) nl = serials.size();
    std::string_view line(serials.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line[0] == '#') continue;
    auto fields = split_tabs(line);
    if (fields[0] == serial) return {fields.begin(), fields.end()};
  }
  return {};
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  ossl::Ptr<BIGNUM> bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) ossl::throw_error("reading the serial number");
  char* hex = BN_bn2hex(bn.get());
  std::string text = hex;
  OPENSSL_free(hex);
  return text;
}

// The serial of a certificate file, refused unless this CA signed it.
std::string serial_of_certificate(const std::string& path, X509* ca_cert) {
  PkiFile file = load_objects_file(path, "certificate");
  X509* cert = nullptr;
  for (auto& o : file.objects) {
    if (o.kind == ObjectKind::Certificate && o.cert) {
      cert = o.cert.get();
      break;
    }
  }
  if (cert == nullptr) {
    throw Error(fmt::format("'{}' holds no certificate", path), path, "give the certificate file or its serial");
  }
  ossl::clear_errors();
  if (X509_check_issued(ca_cert, cert) != X509_V_OK || X509_verify(cert, X509_get0_pubkey(ca_cert)) != 1) {
    ossl::clear_errors();
    throw Error(
        fmt::format("certificate '{}' was not issued by this CA (its issuer or signature does not match)", path), path,
        "revoke it with the CA that signed it (--dir)");
  }
  return serial_hex(X509_get0_serialNumber(cert));
}

std::uint64_t read_crl_number(const std::string& path) {
  std::string text = trim(read_if_exists(path, "CA crlnumber file"));
  if (text.empty()) return 0;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw Error(fmt::format("CA crlnumber file '{}' does not hold a decimal number", path), path,
                "write the number of the last CRL into it (or 0), then rerun");
  }
  return n;
}

ossl::Ptr<ASN1_STRING> asn1_time(std::int64_t epoch) {
  ossl::Ptr<ASN1_STRING> t(ASN1_TIME_set(nullptr, static_cast<time_t>(epoch)));
  if (!t) ossl::throw_error("encoding a time");
  return t;
}

std::int64_t parse_iso8601(const std::string& text, const std::string& path) {
  ossl::Ptr<ASN1_STRING> t(ASN1_TIME_new());
  // "2026-12-03T05:30:00Z" as the GeneralizedTime "20261203053000Z".
  std::string g;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) g += c;
  }
  g += 'Z';
  if (!t || text.size() != 20 || g.size() != 15 || ASN1_TIME_set_string(t.get(), g.c_str()) != 1) {
    ossl::clear_errors();
    throw Error(fmt::format("'{}': '{}' is not a time like 2026-12-03T05:30:00Z", path, text), path,
                "correct the line, or remove it and revoke again");
  }
  return asn1_time_to_epoch(t.get());
}

}  // namespace

int parse_revocation_reason(std::string_view name) {
  for (const auto& r : kReasons) {
    if (lower(std::string(name)) == lower(std::string(r.name))) return r.code;
  }
  throw Error(fmt::format("--reason: unknown reason '{}'", name), {},
              fmt::format("use one of: {}", revocation_reason_names()));
}

std::string_view revocation_reason_name(int code) {
  for (const auto& r : kReasons) {
    if (r.code == code) return r.name;
  }
  return "unspecified";
}

std::string revocation_reason_names() {
  std::string out;
  for (const auto& r : kReasons) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

std::string normalize_serial(std::string_view text) {
  std::string hex;
  std::string_view s = text;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  for (char c : s) {
    if (c == ':') continue;
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
      throw Error(fmt::format("'{}' is neither a certificate file nor a serial number in hex", text), {},
                  "give the certificate file, or the serial as `mtlscert inspect` or the CA's serials file shows it");
    }
    hex += c;
  }
  if (hex.empty()) throw Error("the serial number is empty", {}, "give the certificate file or its serial");
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, hex.c_str()) == 0) ossl::throw_error("reading the serial number");
  ossl::Ptr<BIGNUM> bn(raw);
  char* out = BN_bn2hex(bn.get());
  std::string result = out;
  OPENSSL_free(out);
  return result;
}

std::vector<RevokedEntry> parse_revoked_file(std::string_view text, const std::string& path) {
  std::vector<RevokedEntry> rows;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto f = split_tabs(line);
    if (f.size() != 3) {
      throw Error(fmt::format("'{}' line {}: expected serial, time and reason separated by tabs", path, line_no), path,
                  "correct the line, or remove it and revoke again");
    }
    RevokedEntry e;
    e.serial = normalize_serial(f[0]);
    e.revoked = std::string(f[1]);
    parse_iso8601(e.revoked, path);
    e.reason = parse_revocation_reason(f[2]);
    rows.push_back(std::move(e));
  }
  return rows;
}

CaRevokeResult ca_revoke(const CaRevokeRequest& request, std::time_t now) {
  CaRevokeResult result;
  const int reason = parse_revocation_reason(request.reason);
  LoadedCa ca = load_ca(request.dir, result.warnings);
  result.ca_cert_path = ca.cert_path;
  std::string serial;
  struct stat st {};
  if (::stat(request.target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    serial = serial_of_certificate(request.target, ca.cert.get());
    result.from_certificate = true;
  } else {
    serial = normalize_serial(request.target);
  }
  result.serial = serial;
  result.revoked_path = ca_file_path(request.dir, "revoked");
  const std::string serials_path = ca_file_path(request.dir, "serials");

  CaLock lock(request.dir);
  const auto row = serials_row(read_if_exists(serials_path, "CA serials file"), serial);
  if (row.empty()) {
    throw Error(fmt::format("serial {} is not in '{}': this CA did not issue it", serial, serials_path), serials_path,
                "check the serial (mtlscert inspect CERT shows it) and --dir");
  }
  result.subject = row.size() >= 5 ? row[4] : std::string();
  std::string text = read_if_exists(result.revoked_path, "CA revoked file");
  for (const auto& e : parse_revoked_file(text, result.revoked_path)) {
    if (e.serial == serial) {
      result.already = true;
      result.revoked = e.revoked;
      result.reason = e.reason;
      return result;
    }
  }
  result.revoked = iso8601(now);
  result.reason = reason;
  if (text.empty()) text = kRevokedHeader;
  if (text.back() != '\n') text += '\n';
  text += fmt::format("{}\t{}\t{}\n", serial, result.revoked, revocation_reason_name(reason));
  io::write_file_atomic(result.revoked_path, text, {0644, true, std::nullopt, "CA revoked file", request.dry_run});
  return result;
}

ossl::Ptr<X509_CRL> make_crl(const CrlRequest& r) {
  if (r.days < 1 || r.days > 3650) {
    throw Error(fmt::format("--days: {} is not a number of days between 1 and 3650", r.days), {},
                fmt::format("a CRL usually lives {} days and is rewritten well before (cron)", kDefaultCrlDays));
  }
  ossl::clear_errors();
  ossl::Ptr<X509_CRL> crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(r.ca_cert)) != 1) {
    ossl::throw_error("making the CRL");
  }
  auto this_update = asn1_time(r.now);
  auto next_update = asn1_time(static_cast<std::int64_t>(r.now) + std::int64_t{r.days} * 86400);
  if (X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1) {
    ossl::throw_error("setting the CRL's dates");
  }
  for (const auto& e : r.revoked) {
    X509_REVOKED* rev = X509_REVOKED_new();
    if (rev == nullptr) ossl::throw_error("making a CRL entry");
    BIGNUM* raw = nullptr;
    BN_hex2bn(&raw, e.serial.c_str());
    ossl::Ptr<BIGNUM> bn(raw);
    ossl::Ptr<ASN1_STRING> serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
    auto when = asn1_time(parse_iso8601(e.revoked, "revoked"));
    bool ok = serial && X509_REVOKED_set_serialNumber(rev, serial.get()) == 1 &&
              X509_REVOKED_set_revocationDate(rev, when.get()) == 1;
    if (ok && e.reason != CRL_REASON_UNSPECIFIED) {
      ossl::Ptr<ASN1_STRING> code(ASN1_ENUMERATED_new());
      ok = code && ASN1_ENUMERATED_set(code.get(), e.reason) == 1 &&
           X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code.get(), 0, 0) == 1;
    }
    if (!ok || X509_CRL_add0_revoked(crl.get(), rev) != 1) {
      X509_REVOKED_free(rev);
      ossl::throw_error(fmt::format("adding serial {} to the CRL", e.serial));
    }
  }
  X509_CRL_sort(crl.get());

  ossl::Ptr<ASN1_STRING> number(ASN1_INTEGER_new());
  if (!number || ASN1_INTEGER_set_uint64(number.get(), r.number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
    ossl::throw_error("adding the CRL number");
  }
  // The AKI names the CA key, so a verifier holding several CAs of one name picks the right one.
  if (const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(r.ca_cert)) {
    ossl::Ptr<AUTHORITY_KEYID> akid(AUTHORITY_KEYID_new());
    if (!akid || (akid->keyid = ASN1_OCTET_STRING_dup(skid)) == nullptr ||
        X509_CRL_add1_ext_i2d(crl.get(), NID_authority_key_identifier, akid.get(), 0, 0) != 1) {
      ossl::throw_error("adding the authority key identifier");
    }
  }
  const char* digest = EVP_PKEY_get_base_id(r.ca_key) == EVP_PKEY_ED25519 ? nullptr : "SHA256";
  ossl::Ptr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, digest, nullptr, nullptr, r.ca_key, nullptr) != 1 ||
      X509_CRL_sign_ctx(crl.get(), md.get()) <= 0) {
    ossl::throw_error("signing the CRL");
  }
  return crl;
}

std::string crl_pem(X509_CRL* crl) {
  ossl::clear_errors();
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl) != 1) ossl::throw_error("encoding the CRL as PEM");
  return bio_contents(bio.get());
}

namespace {

// omit_long_expired drops the entries whose certificate's notAfter (from `serials`) is more
// than `days` before now; returns how many. A serial with no notAfter on record stays.
std::size_t omit_long_expired(std::vector<RevokedEntry>& revoked, const std::string& serials_path, std::time_t now,
                              int days) {
  const std::string serials = read_if_exists(serials_path, "CA serials file");
  const std::int64_t cutoff = static_cast<std::int64_t>(now) - std::int64_t{days} * 86400;
  return std::erase_if(revoked, [&](const RevokedEntry& e) {
    const auto row = serials_row(serials, e.serial);
    if (row.size() < 3) return false;
    try {
      return parse_date(row[2]) < cutoff;
    } catch (const Error&) {
      return false;  // an unreadable date: keep the entry, the safe side
    }
  });
}

}  // namespace

CaCrlResult ca_crl(const CaCrlRequest& request, std::time_t now) {
  if (request.out.empty() || request.out == "-") {
    throw Error("ca crl writes a file: give -o FILE", {}, "e.g. -o /etc/mail/tls/ca.crl");
  }
  CaCrlResult result;
  LoadedCa ca = load_ca(request.dir, result.warnings);
  result.ca_cert_path = ca.cert_path;
  result.out = request.out;
  bool replace = request.overwrite;
  if (!replace && file_exists(request.out)) {
    // Rewriting the CRL is routine (before each nextUpdate): a CRL of this CA is replaced; any
    // other file there needs --force.
    PkiFile old = load_objects_file(request.out, "CRL file");
    for (const auto& o : old.objects) {
      if (o.kind == ObjectKind::Crl && o.crl &&
          X509_NAME_cmp(X509_CRL_get_issuer(o.crl.get()), X509_get_subject_name(ca.cert.get())) == 0) {
        replace = true;
      }
    }
    if (!replace) {
      throw Error(fmt::format("refusing to replace '{}': it holds no CRL of this CA", request.out), request.out,
                  "use --force to replace it, or choose another path with -o");
    }
  }

  CaLock lock(request.dir);
  const std::string revoked_path = ca_file_path(request.dir, "revoked");
  const std::string number_path = ca_file_path(request.dir, "crlnumber");
  CrlRequest cr;
  cr.ca_cert = ca.cert.get();
  cr.ca_key = ca.key.get();
  cr.revoked = parse_revoked_file(read_if_exists(revoked_path, "CA revoked file"), revoked_path);
  result.expired_omitted = omit_long_expired(cr.revoked, ca_file_path(request.dir, "serials"), now, request.days);
  cr.number = read_crl_number(number_path) + 1;
  cr.now = now;
  cr.days = request.days;
  auto crl = make_crl(cr);
  const std::int64_t ca_end = asn1_time_to_epoch(X509_get0_notAfter(ca.cert.get()));
  const std::int64_t next = static_cast<std::int64_t>(now) + std::int64_t{request.days} * 86400;
  if (next > ca_end) {
    result.warnings.push_back(
        fmt::format("the CA expires on {}, before this CRL's nextUpdate {}", iso8601(ca_end), iso8601(next)));
  }
  // The number first: a failed CRL write leaves a gap, never a number used twice.
  io::write_file_atomic(number_path, fmt::format("{}\n", cr.number), {0644, true, std::nullopt, "CA crlnumber file", request.dry_run});
  auto w = io::write_file_atomic(request.out, crl_pem(crl.get()), {0644, replace, std::nullopt, "CRL file", request.dry_run});
  result.warnings.insert(result.warnings.end(), w.begin(), w.end());
  result.number = cr.number;
  result.revoked = cr.revoked.size();
  result.this_update = iso8601(now);
  result.next_update = iso8601(next);
  return result;
}

std::string to_json(const CaRevokeResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.ca-revoke/1";
  j["serial"] = r.serial;
  j["subject"] = r.subject;
  j["revoked"] = r.revoked;
  j["reason"] = revocation_reason_name(r.reason);
  j["already_revoked"] = r.already;
  j["ledger"] = r.revoked_path;
  j["warnings"] = r.warnings;
  return j.dump(2);
}

std::string to_json(const CaCrlResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.ca-crl/1";
  j["path"] = r.out;
  j["ca_certificate"] = r.ca_cert_path;
  j["crl_number"] = r.number;
  j["revoked"] = r.revoked;
  j["expired_omitted"] = r.expired_omitted;
  j["this_update"] = r.this_update;
  j["next_update"] = r.next_update;
  j["warnings"] = r.warnings;
  return j.dump(2);
}

}  // namespace mtlscert
