#include "pki/csr.h"

#include <sys/stat.h>

#include <openssl/pem.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "pki/genkey.h"
#include "pki/key.h"
#include "pki/pem_write.h"

namespace mtlscert {
namespace {

constexpr const char* kNeedHost =
    "give the mail server's name with --host smtp.example.org, or its MX record with "
    "--mx 'example.org. IN MX 10 smtp.example.org.'";

void add_name_entry(X509_NAME* name, int nid, const std::string& value, const char* what) {
  if (value.empty()) return;
  if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    ossl::throw_error(fmt::format("adding the {} '{}' to the CSR subject", what, value));
  }
}

void add_extension(STACK_OF(X509_EXTENSION) * *exts, int nid, void* value, int critical, const char* what) {
  if (X509V3_add1_i2d(exts, nid, value, critical, X509V3_ADD_APPEND) != 1) {
    ossl::throw_error(fmt::format("adding the {} extension to the CSR", what));
  }
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

CsrPlan plan_csr(const CsrRequest& request) {
  if (!request.host.empty() && !request.mx.empty()) {
    throw Error("--host and --mx both given; the CN comes from one of them", {}, kNeedHost);
  }
  if (request.host.empty() && request.mx.empty())
    throw Error("no host name: --host or --mx is required", {}, kNeedHost);

  CsrPlan plan;
  if (!request.host.empty()) {
    plan.host = validate_host_name(request.host, "--host");
    check_common_name(plan.host, "--host");
  } else {
    plan.mx = parse_mx_lines(request.mx);
    plan.host = primary_mx(plan.mx).host;
    check_common_name(plan.host, "--mx");
  }
  plan.dns_names.push_back(plan.host.ascii);
  for (const auto& extra : request.extra_names) {
    HostName name = validate_host_name(extra, "--san");
    if (std::find(plan.dns_names.begin(), plan.dns_names.end(), name.ascii) == plan.dns_names.end()) {
      plan.dns_names.push_back(name.ascii);
    }
  }
  plan.subject = check_subject(request.subject);

  std::vector<std::string> left_out;
  for (const auto& r : plan.mx) {
    if (std::find(plan.dns_names.begin(), plan.dns_names.end(), r.host.ascii) == plan.dns_names.end() &&
        std::find(left_out.begin(), left_out.end(), r.host.ascii) == left_out.end()) {
      left_out.push_back(r.host.ascii);
    }
  }
  if (!left_out.empty()) {
    plan.notes.push_back(fmt::format(
        "The CN is the lowest-preference MX host, {} ({}). Not in this CSR: {}; add --san NAME for each one "
        "this same server answers as, or make it its own key and CSR.",
        plan.host.ascii, primary_mx(plan.mx).preference, fmt::join(left_out, ", ")));
  }
  return plan;
}

ossl::Ptr<X509_REQ> build_csr(EVP_PKEY* key, const CsrPlan& plan) {
  const int id = EVP_PKEY_get_base_id(key);
  const KeySummary summary = summarize_key(key);
  const bool rsa = id == EVP_PKEY_RSA;
  const bool edwards = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448;
  if (!rsa && id != EVP_PKEY_EC && !edwards) {
    throw Error(fmt::format("a {} key cannot sign a mail server's CSR", summary.label), {},
                "make an RSA or ECDSA key: mtlscert genkey -o FILE");
  }
  if (rsa && summary.bits < kMinRsaBits) {
    throw Error(fmt::format("the key is {}: CAs refuse it and Debian's OpenSSL (security level 2) rejects "
                            "certificates with RSA keys under {} bits",
                            summary.label, kMinRsaBits),
                {}, fmt::format("make a new key: mtlscert genkey -o FILE (RSA {})", kDefaultRsaBits));
  }

  ossl::clear_errors();
  ossl::Ptr<X509_REQ> req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) ossl::throw_error("creating the CSR");
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  const SubjectFields& s = plan.subject;
  add_name_entry(name, NID_countryName, s.country, "country");
  add_name_entry(name, NID_stateOrProvinceName, s.state, "state");
  add_name_entry(name, NID_localityName, s.locality, "locality");
  add_name_entry(name, NID_organizationName, s.organization, "organization");
  add_name_entry(name, NID_organizationalUnitName, s.unit, "organizational unit");
  add_name_entry(name, NID_commonName, plan.host.ascii, "common name");
  add_name_entry(name, NID_pkcs9_emailAddress, s.email, "email address");
  if (X509_REQ_set_pubkey(req.get(), key) != 1) ossl::throw_error("putting the public key into the CSR");

  ossl::OwnedExtensionStack exts(sk_X509_EXTENSION_new_null());
  STACK_OF(X509_EXTENSION)* raw_exts = exts.get();
  ossl::Ptr<GENERAL_NAMES> san(GENERAL_NAMES_new());
  if (!exts || !san) ossl::throw_error("creating the CSR extensions");
  for (const auto& dns : plan.dns_names) {
    ossl::Ptr<ASN1_STRING> ia5(ASN1_IA5STRING_new());
    ossl::Ptr<GENERAL_NAME> gn(GENERAL_NAME_new());
    if (!ia5 || !gn || ASN1_STRING_set(ia5.get(), dns.data(), static_cast<int>(dns.size())) != 1) {
      ossl::throw_error("encoding the subjectAltName");
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_DNS, ia5.release());
    if (sk_GENERAL_NAME_push(san.get(), gn.get()) <= 0) ossl::throw_error("encoding the subjectAltName");
    gn.release();  // owned by san now
  }
  add_extension(&raw_exts, NID_subject_alt_name, san.get(), 0, "subjectAltName");

  ossl::Ptr<ASN1_STRING> usage(ASN1_BIT_STRING_new());
  if (!usage || ASN1_BIT_STRING_set_bit(usage.get(), 0, 1) != 1 ||  // digitalSignature
      (rsa && ASN1_BIT_STRING_set_bit(usage.get(), 2, 1) != 1)) {   // keyEncipherment
    ossl::throw_error("encoding the keyUsage");
  }
  add_extension(&raw_exts, NID_key_usage, usage.get(), 1, "keyUsage");

  ossl::Ptr<EXTENDED_KEY_USAGE> eku(sk_ASN1_OBJECT_new_null());
  if (!eku || sk_ASN1_OBJECT_push(eku.get(), OBJ_nid2obj(NID_server_auth)) <= 0 ||
      sk_ASN1_OBJECT_push(eku.get(), OBJ_nid2obj(NID_client_auth)) <= 0) {
    ossl::throw_error("encoding the extendedKeyUsage");
  }
  add_extension(&raw_exts, NID_ext_key_usage, eku.get(), 0, "extendedKeyUsage");
  if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) ossl::throw_error("adding the extensions to the CSR");

  if (X509_REQ_sign(req.get(), key, edwards ? nullptr : EVP_sha256()) <= 0) {
    ossl::throw_error(fmt::format("signing the CSR with the {} key", summary.label));
  }
  return req;
}

std::string csr_pem(X509_REQ* csr) {
  ossl::clear_errors();
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), csr) != 1) ossl::throw_error("encoding the CSR as PEM");
  return bio_contents(bio.get());
}

CsrFileResult create_csr_file(const CsrFileRequest& request) {
  CsrFileResult result;
  result.plan = plan_csr(request.request);
  result.path = request.path;
  result.key_path = request.key_path;
  if (request.key_path.empty()) {
    throw Error("--key is required: the CSR carries the public half of the server's key", {},
                "make a key first: mtlscert genkey -o smtp.key");
  }
  if (request.path != "-" && (request.path == request.key_path || same_file(request.path, request.key_path))) {
    throw Error(fmt::format("refusing to write the CSR over the key file '{}'", request.key_path), request.path,
                "give the CSR its own name with -o, e.g. -o smtp.csr");
  }
  auto key = load_private_key_file(request.key_path);
  auto csr = build_csr(key.get(), result.plan);
  result.pem = csr_pem(csr.get());
  result.info = describe_csr(csr.get());
  if (!result.info.signature_valid) throw Error("the CSR just made does not verify with its own key (a bug)");
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519) {
    result.warnings = key_spec_warnings(KeySpec{KeyType::Ed25519, 0, {}});
  }
  if (request.path != "-") {
    io::WriteOptions options;
    options.mode = 0644;
    options.overwrite = request.overwrite;
    options.role = "CSR";
    options.dry_run = request.dry_run;
    auto more = io::write_file_atomic(request.path, result.pem, options);
    result.warnings.insert(result.warnings.end(), more.begin(), more.end());
    result.mode = options.mode;
  }
  return result;
}

std::string to_json(const CsrFileResult& r) {
  using json = nlohmann::ordered_json;
  json j;
  j["schema"] = "mtlscert.csr/1";
  j["path"] = r.path == "-" ? json(nullptr) : json(r.path);
  j["mode"] = r.path == "-" ? json(nullptr) : json(io::mode_string(r.mode));
  j["key_path"] = r.key_path;
  j["host"] = r.plan.host.ascii;
  j["dns_names"] = r.plan.dns_names;
  json mx = json::array();
  for (const auto& rec : r.plan.mx) mx.push_back({{"preference", rec.preference}, {"host", rec.host.ascii}});
  j["mx"] = mx;
  j["csr"] = r.info;
  j["notes"] = r.plan.notes;
  j["warnings"] = r.warnings;
  j["pem"] = r.pem;
  return j.dump(2);
}

}  // namespace mtlscert
