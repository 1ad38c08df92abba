#include "pki/ca.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "core/text.h"
#include "pki/ca_dir.h"
#include "pki/genkey.h"
#include "pki/names.h"
#include "pki/objects.h"
#include "pki/pem_write.h"

namespace mtlscert {
namespace {

constexpr std::int64_t kBackdateSeconds = 3600;

std::string join_path(const std::string& dir, const char* name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::clear_errors();
  ossl::Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    ossl::throw_error(fmt::format("adding the {} extension '{}'", OBJ_nid2sn(nid), value));
  }
}

ossl::Ptr<ASN1_STRING> random_serial(const std::function<bool(const std::string&)>& used) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    ossl::Ptr<BIGNUM> bn(BN_new());
    if (!bn || BN_rand(bn.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
      ossl::throw_error("making a random serial number");
    }
    if (BN_is_zero(bn.get())) continue;
    char* hex = BN_bn2hex(bn.get());
    std::string text = hex;
    OPENSSL_free(hex);
    if (used && used(text)) continue;
    ossl::Ptr<ASN1_STRING> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    if (!serial) ossl::throw_error("encoding the serial number");
    return serial;
  }
  throw Error("could not find an unused serial number after 16 random draws", {},
              "the CA's serials file may be corrupt; check it");
}

void set_validity(X509* cert, std::int64_t not_before, std::int64_t not_after) {
  ossl::Ptr<ASN1_STRING> nb(ASN1_TIME_set(nullptr, static_cast<time_t>(not_before)));
  ossl::Ptr<ASN1_STRING> na(ASN1_TIME_set(nullptr, static_cast<time_t>(not_after)));
  if (!nb || !na || X509_set1_notBefore(cert, nb.get()) != 1 || X509_set1_notAfter(cert, na.get()) != 1) {
    ossl::throw_error("setting the validity dates");
  }
}

void sign(X509* cert, EVP_PKEY* key) {
  const char* digest = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : "SHA256";
  ossl::Ptr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  ossl::clear_errors();
  if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, digest, nullptr, nullptr, key, nullptr) != 1 ||
      X509_sign_ctx(cert, md.get()) <= 0) {
    ossl::throw_error("signing the certificate");
  }
}

void check_days(int days, std::string_view flag) {
  if (days < 1 || days > kMaxDays) {
    throw Error(fmt::format("{}: {} is not a number of days between 1 and {}", flag, days, kMaxDays), {},
                fmt::format("for a server or client certificate {} is the usual ceiling", kDefaultLeafDays));
  }
}

void check_ca_name(const std::string& name) {
  if (name.empty()) throw Error("--name: the CA name is empty", {}, "give a name such as 'Example Mail CA'");
  if (name.size() > kMaxCommonName) {
    throw Error(
        fmt::format("--name: '{}' is {} bytes; a common name holds at most {}", name, name.size(), kMaxCommonName));
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) throw Error("--name: the CA name contains a control character");
  }
}

PkiObject take_first(PkiFile& file, ObjectKind kind, std::string_view role, std::string_view expected) {
  for (auto& o : file.objects) {
    if (o.kind == kind) return std::move(o);
  }
  std::string got = "nothing PEM or DER it recognises";
  if (!file.objects.empty()) got = fmt::format("a {}", object_kind_name(file.objects.front().kind));
  throw Error(fmt::format("{} '{}': expected {}, got {}", role, file.path, expected, got), file.path,
              "check that this is the right file");
}

}  // namespace

CertProfile parse_cert_profile(std::string_view name) {
  if (name == "server") return CertProfile::Server;
  if (name == "client") return CertProfile::Client;
  if (name == "server+client" || name == "client+server") return CertProfile::ServerClient;
  throw Error(fmt::format("--profile: unknown profile '{}'", name), {}, "use server, client or server+client");
}

std::string_view cert_profile_name(CertProfile profile) {
  switch (profile) {
    case CertProfile::Server: return "server";
    case CertProfile::Client: return "client";
    case CertProfile::ServerClient: return "server+client";
  }
  return "?";
}

CaInitResult ca_init(const CaInitRequest& request, std::time_t now) {
  check_ca_name(request.name);
  check_days(request.days, "--days");
  validate_key_spec(request.key);
  if (request.dir.empty()) throw Error("--dir: the CA directory is empty", {}, "give a directory such as /etc/mail/ca");
  CaInitResult result;
  result.key_path = join_path(request.dir, "ca.key");
  result.cert_path = join_path(request.dir, "ca.crt");
  const std::string serials = join_path(request.dir, "serials");
  struct stat st {};
  bool made_dir = false;
  if (::stat(request.dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      throw Error(fmt::format("CA directory '{}' exists and is not a directory", request.dir), request.dir);
    }
    for (const auto& p : {result.key_path, result.cert_path}) {
      if (exists(p)) {
        throw Error(fmt::format("refusing to make a CA in '{}': {} already exists", request.dir, p), p,
                    "a CA is made once; use another --dir, or remove the old CA deliberately");
      }
    }
  } else if (request.dry_run) {
    std::string dir = request.dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    const std::string parent = io::parent_dir(dir);
    if (::access(parent.c_str(), W_OK | X_OK) != 0) {
      throw Error(fmt::format("cannot create CA directory '{}': {}", request.dir, std::strerror(errno)), request.dir,
                  "create the parent directory first");
    }
  } else if (::mkdir(request.dir.c_str(), 0700) != 0 || ::chmod(request.dir.c_str(), 0700) != 0) {
    // chmod: exactly 0700 whatever the umask (a umask of 0277 would leave the owner locked out).
    throw Error(fmt::format("cannot create CA directory '{}': {}", request.dir, std::strerror(errno)), request.dir,
                "create the parent directory first");
  } else {
    made_dir = true;
  }

  auto key = generate_key(request.key);
  ossl::Ptr<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) ossl::throw_error("making the CA certificate");
  auto serial = random_serial({});
  X509_set_serialNumber(cert.get(), serial.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(request.name.c_str()), -1, -1, 0) != 1) {
    ossl::throw_error("setting the CA name");
  }
  X509_set_issuer_name(cert.get(), name);
  set_validity(cert.get(), now - kBackdateSeconds, now + std::int64_t{request.days} * 86400);
  X509_set_pubkey(cert.get(), key.get());
  add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  add_ext(cert.get(), cert.get(), NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), key.get());

  // The key first: a certificate without its key would be a CA nobody can use.
  SecretString pem = private_key_pem(key.get());
  // All three files or none: a CA directory left with a key but no certificate (disk full)
  // would make every later `ca init` refuse and every `ca sign` fail.
  std::vector<std::string> w1, w2, written;
  // A dry run into a missing DIR has nothing more to check: the files would be its first.
  const bool dir_exists = made_dir || ::stat(request.dir.c_str(), &st) == 0;
  try {
    if (dir_exists) {
      const bool dry = request.dry_run;
      w1 = io::write_file_atomic(result.key_path, pem.view(), {0600, false, std::nullopt, "CA key", dry});
      if (!dry) written.push_back(result.key_path);
      w2 = io::write_file_atomic(result.cert_path, certificate_pem(cert.get()),
                                 {0644, false, std::nullopt, "CA certificate", dry});
      if (!dry) written.push_back(result.cert_path);
      io::write_file_atomic(serials, "# serial\tissued\tnot_after\tprofile\tsubject\n",
                            {0644, false, std::nullopt, "CA serials file", dry});
    }
  } catch (const Error&) {
    for (const auto& p : written) ::unlink(p.c_str());
    if (made_dir) ::rmdir(request.dir.c_str());
    throw;
  }
  result.warnings = key_spec_warnings(request.key);
  result.warnings.insert(result.warnings.end(), w1.begin(), w1.end());
  result.warnings.insert(result.warnings.end(), w2.begin(), w2.end());
  result.cert = describe_certificate(cert.get(), now);
  return result;
}

ossl::Ptr<X509> issue_certificate(const IssueRequest& r, std::vector<std::string>* warnings) {
  return issue_certificate_with_serials(r, {}, warnings);
}

ossl::Ptr<X509> issue_certificate_with_serials(const IssueRequest& r,
                                               const std::function<bool(const std::string&)>& serial_used,
                                               std::vector<std::string>* warnings) {
  check_days(r.days, "--days");
  CsrInfo info = describe_csr(r.csr);
  const std::string& path = r.csr_path;
  if (!info.signature_valid) {
    throw Error(fmt::format("CSR '{}': its signature does not verify with the key it carries", path), path,
                "the CSR was altered or damaged; make a new one");
  }
  if (info.requests_ca) {
    throw Error(fmt::format("CSR '{}' asks for a CA certificate (basicConstraints CA:TRUE); refusing", path), path,
                "this CA issues only server and client certificates; make a CSR without CA:TRUE");
  }
  if (!info.repeated_attributes.empty()) {
    // Which of two CNs counts depends on the reader: sendmail's ${cn_subject} and +CN: take the
    // first, OpenSSL-based checks (and this CA's SAN copy) the last. Never sign such a name.
    throw Error(fmt::format("CSR '{}': its subject {} has more than one {}; refusing (sendmail takes the first CN, "
                            "other tools the last, so peers would disagree about the name)",
                            path, info.subject, fmt::join(info.repeated_attributes, ", ")),
                path, "make a CSR with one CN: mtlscert csr --host NAME");
  }
  std::vector<std::string> dns;
  for (const auto& d : info.dns_names) {
    HostName h = validate_host_name(d, fmt::format("CSR '{}' SAN", path));
    if (std::find(dns.begin(), dns.end(), h.ascii) == dns.end()) dns.push_back(h.ascii);
  }
  if (dns.empty() && info.ip_addresses.empty()) {
    if (info.common_name.empty()) {
      throw Error(fmt::format("CSR '{}' names no host: no SAN and no CN", path), path,
                  "make the CSR with the server's host name: mtlscert csr --host smtp.example.org");
    }
    HostName h = validate_host_name(info.common_name, fmt::format("CSR '{}' CN", path));
    dns.push_back(h.ascii);
    if (warnings) warnings->push_back(fmt::format("the CSR has no SAN; its CN '{}' was copied to the SAN", h.ascii));
  } else if (!info.common_name.empty()) {
    const std::string cn = lower(info.common_name);
    if (std::find(dns.begin(), dns.end(), cn) == dns.end() && warnings) {
      warnings->push_back(fmt::format(
          "the CSR's CN '{}' is not among its SANs; sendmail peers that check +CN compare the CN", info.common_name));
    }
  }
  if (info.key.algorithm == "RSA" && info.key.bits < kMinRsaBits) {
    throw Error(
        fmt::format("CSR '{}' has an {} key; refusing anything below RSA {}", path, info.key.label, kMinRsaBits), path,
        "make a new key: mtlscert genkey");
  }

  ossl::Ptr<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) ossl::throw_error("making the certificate");
  auto serial = random_serial(serial_used);
  X509_set_serialNumber(cert.get(), serial.get());
  if (X509_set_subject_name(cert.get(), X509_REQ_get_subject_name(r.csr)) != 1 ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(r.ca_cert)) != 1) {
    ossl::throw_error("copying the names");
  }
  std::int64_t not_after = static_cast<std::int64_t>(r.now) + std::int64_t{r.days} * 86400;
  std::int64_t ca_not_after = asn1_time_to_epoch(X509_get0_notAfter(r.ca_cert));
  if (not_after > ca_not_after) {
    not_after = ca_not_after;
    if (warnings) {
      warnings->push_back(fmt::format("the CA expires on {}; the certificate ends then, not after {} days",
                                      iso8601(ca_not_after), r.days));
    }
  }
  set_validity(cert.get(), static_cast<std::int64_t>(r.now) - kBackdateSeconds, not_after);
  if (X509_set_pubkey(cert.get(), X509_REQ_get0_pubkey(r.csr)) != 1) ossl::throw_error("copying the public key");

  add_ext(cert.get(), r.ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), r.ca_cert, NID_key_usage,
          info.key.algorithm == "RSA" ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature");
  const char* eku = r.profile == CertProfile::Server   ? "serverAuth"
                    : r.profile == CertProfile::Client ? "clientAuth"
                                                       : "serverAuth,clientAuth";
  add_ext(cert.get(), r.ca_cert, NID_ext_key_usage, eku);
  std::string san;
  for (const auto& d : dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : info.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  add_ext(cert.get(), r.ca_cert, NID_subject_alt_name, san);
  add_ext(cert.get(), r.ca_cert, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), r.ca_cert, NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), r.ca_key);
  return cert;
}

CaSignResult ca_sign(const CaSignRequest& request, std::time_t now) {
  if (request.dir.empty()) throw Error("--dir: the CA directory is empty", {}, "give the directory of `ca init`");
  CaSignResult result;
  result.ca_cert_path = join_path(request.dir, "ca.crt");
  const std::string key_path = join_path(request.dir, "ca.key");
  const std::string serials_path = join_path(request.dir, "serials");
  if (!exists(result.ca_cert_path) || !exists(key_path)) {
    throw Error(fmt::format("'{}' holds no CA (ca.crt and ca.key)", request.dir), request.dir,
                fmt::format("make one first: mtlscert ca init --dir {} --name 'Example Mail CA'", request.dir));
  }
  // The CSR first: a bad input is reported as such, before the CA's own files are judged.
  PkiFile csr_file = load_objects_file(request.csr_path, "CSR");
  PkiObject csr = take_first(csr_file, ObjectKind::Csr, "CSR", "a CERTIFICATE REQUEST");
  check_ca_key_file(key_path, result.warnings);
  PkiFile ca_file = load_objects_file(result.ca_cert_path, "CA certificate");
  PkiObject ca = take_first(ca_file, ObjectKind::Certificate, "CA certificate", "a CERTIFICATE");
  auto ca_key = load_private_key_file(key_path);
  if (!same_public_key(ca_key.get(), X509_get0_pubkey(ca.cert.get()))) {
    throw Error(fmt::format("CA key '{}' does not belong to CA certificate '{}'", key_path, result.ca_cert_path),
                key_path, "restore the matching pair from your backup");
  }
  struct stat out_st {};
  if (!request.overwrite && request.out != "-" && ::lstat(request.out.c_str(), &out_st) == 0) {
    // Caught before a serial is recorded (write_file_atomic checks again, race-free).
    throw Error(fmt::format("refusing to replace certificate '{}': {} already exists there", request.out,
                            S_ISLNK(out_st.st_mode) ? "a symbolic link" : "a file"),
                request.out, "use --force to replace it, or choose another path with -o");
  }

  // Draw, sign and record under the CA lock; the ledger row is written before the certificate,
  // so no certificate ever exists whose serial is not in `serials` (a failed certificate write
  // leaves a recorded serial that was never used, which is harmless).
  // A dry run takes no lock: creating ca.lock would change DIR.
  std::optional<CaLock> lock;
  if (!request.dry_run) lock.emplace(request.dir);
  std::string serials = exists(serials_path) ? io::read_file(serials_path, "CA serials file") : std::string();
  auto used = [&serials](const std::string& hex) { return serials.find("\n" + hex + "\t") != std::string::npos; };
  IssueRequest ir{csr.csr.get(), ca.cert.get(), ca_key.get(), request.profile, request.days, now, request.csr_path};
  auto cert = issue_certificate_with_serials(ir, used, &result.warnings);
  result.cert = describe_certificate(cert.get(), now);
  result.profile = request.profile;
  if (serials.empty()) serials = "# serial\tissued\tnot_after\tprofile\tsubject\n";
  if (serials.back() != '\n') serials += '\n';
  serials += fmt::format("{}\t{}\t{}\t{}\t{}\n", result.cert.serial, iso8601(now), result.cert.not_after,
                         cert_profile_name(request.profile), result.cert.subject);
  result.pem = certificate_pem(cert.get());
  io::write_file_atomic(serials_path, serials, {0644, true, std::nullopt, "CA serials file", request.dry_run});
  try {
    if (request.out != "-") {
      auto w = io::write_file_atomic(request.out, result.pem,
                                     {0644, request.overwrite, std::nullopt, "certificate", request.dry_run});
      result.warnings.insert(result.warnings.end(), w.begin(), w.end());
    }
  } catch (const Error& e) {
    throw Error(fmt::format("{} (serial {} is recorded in '{}' but no certificate was written)", e.what(),
                            result.cert.serial, serials_path),
                e.path(), e.hint());
  }
  result.out = request.out;
  return result;
}

std::string to_json(const CaInitResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.ca-init/1";
  j["key"] = r.key_path;
  j["certificate"] = r.cert_path;
  j["ca"] = r.cert;
  j["warnings"] = r.warnings;
  return j.dump(2);
}

std::string to_json(const CaSignResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.ca-sign/1";
  j["path"] = r.out;
  j["ca_certificate"] = r.ca_cert_path;
  j["profile"] = cert_profile_name(r.profile);
  j["certificate"] = r.cert;
  j["pem"] = r.pem;
  j["warnings"] = r.warnings;
  return j.dump(2);
}

}  // namespace mtlscert
