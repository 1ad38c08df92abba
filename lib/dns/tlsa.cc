#include "dns/tlsa.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "pki/genkey.h"
#include "pki/key.h"
#include "pki/names.h"
#include "pki/objects.h"

namespace mtlscert {

namespace {

std::vector<unsigned char> der_of(X509* cert) {
  unsigned char* buf = nullptr;
  int n = i2d_X509(cert, &buf);
  if (n <= 0) throw Error("could not DER-encode a certificate");
  std::vector<unsigned char> out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

std::vector<unsigned char> spki_der(EVP_PKEY* key) {
  unsigned char* buf = nullptr;
  int n = i2d_PUBKEY(key, &buf);
  if (n <= 0) throw Error("could not DER-encode a public key (SubjectPublicKeyInfo)");
  std::vector<unsigned char> out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

std::vector<unsigned char> digest(const std::vector<unsigned char>& data, const char* name) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_get_digestbyname(name), nullptr) != 1)
    throw Error(fmt::format("{} digest failed", name));
  return {md, md + len};
}

KeySpec spec_like(const KeySummary& k) {
  KeySpec spec;
  if (k.algorithm == "RSA") {
    spec.type = KeyType::Rsa;
    spec.bits = k.bits < 2048 ? 2048 : k.bits;
  } else if (k.algorithm == "ECDSA") {
    spec.type = KeyType::Ecdsa;
    spec.curve = k.curve.empty() ? spec.curve : k.curve;
  } else if (k.algorithm == "Ed25519") {
    spec.type = KeyType::Ed25519;
  }
  return spec;
}

}  // namespace

std::vector<unsigned char> tlsa_data(X509* cert, EVP_PKEY* key, std::uint8_t selector, std::uint8_t matching) {
  std::vector<unsigned char> data;
  if (selector == kTlsaSelectorCert) {
    if (!cert) throw Error("a TLSA record with selector 0 (full certificate) needs a certificate, not a key");
    data = der_of(cert);
  } else if (selector == kTlsaSelectorSpki) {
    data = spki_der(cert ? X509_get0_pubkey(cert) : key);
  } else {
    throw Error(fmt::format("TLSA selector {} is not defined (0 certificate, 1 public key)", selector));
  }
  switch (matching) {
    case kTlsaMatchExact: return data;
    case kTlsaMatchSha256: return digest(data, "SHA256");
    case kTlsaMatchSha512: return digest(data, "SHA512");
    default: throw Error(fmt::format("TLSA matching type {} is not defined (0 exact, 1 SHA-256, 2 SHA-512)", matching));
  }
}

std::string TlsaResult::zone_line(const TlsaEntry& e) const {
  return fmt::format("{} IN TLSA {}", owner, e.record.display());
}

TlsaResult make_tlsa(const TlsaRequest& request) {
  if (request.port == 0) throw Error("--port must be 1-65535");
  HostName host = validate_host_name(request.host, "--host");
  if (request.usage != "auto" && request.usage != "dane-ee" && request.usage != "dane-ta")
    throw Error(fmt::format("--usage '{}': expected dane-ee (3) or dane-ta (2)", request.usage), {},
                "dane-ee for the server's own certificate or key, dane-ta for the (private) CA that issues it");
  TlsaResult result;
  result.owner = tlsa_name(host.ascii, request.port) + ".";

  PkiFile file = load_objects_file(request.path, "certificate or key file");
  TlsaEntry current;
  current.role = "current";
  current.path = request.path;
  ossl::Ptr<EVP_PKEY> key;
  X509* cert = nullptr;
  for (auto& o : file.objects) {
    if (o.kind == ObjectKind::Certificate && o.cert) {
      cert = o.cert.get();
      break;
    }
  }
  bool is_ca = false;
  if (cert) {
    // A CA for auto's purpose signs certificates: CA:TRUE alone is also what `openssl req -x509`
    // puts in a self-signed server certificate, whose record is DANE-EE.
    is_ca = X509_check_ca(cert) != 0 && (X509_get_extension_flags(cert) & EXFLAG_KUSAGE) != 0 &&
            (X509_get_key_usage(cert) & KU_KEY_CERT_SIGN) != 0;
    current.kind = is_ca ? "ca-certificate" : "certificate";
    key = ossl::up_ref(X509_get0_pubkey(cert));
  } else if (file.count(ObjectKind::PrivateKey) > 0) {
    key = load_private_key_file(request.path);
    current.kind = "private-key";
  } else {
    throw Error(fmt::format("certificate or key file '{}': holds no certificate and no private key", request.path),
                request.path, "give the server's certificate (PEM), its private key, or the private CA's certificate");
  }
  std::uint8_t usage = request.usage == "dane-ta"   ? kTlsaDaneTa
                       : request.usage == "dane-ee" ? kTlsaDaneEe
                       : is_ca                      ? kTlsaDaneTa
                                                    : kTlsaDaneEe;
  if (usage == kTlsaDaneEe && is_ca)
    result.warnings.push_back(fmt::format(
        "'{}' is a CA certificate: a DANE-EE (3) record must hold the server's own key; use --usage dane-ta",
        request.path));
  if (usage == kTlsaDaneTa && cert && !is_ca)
    result.warnings.push_back(
        fmt::format("'{}' is not a CA certificate: a DANE-TA (2) record names the CA that issues the server's "
                    "certificate",
                    request.path));
  current.key = summarize_key(key.get()).label;
  current.record = {usage, kTlsaSelectorSpki, kTlsaMatchSha256, tlsa_data(nullptr, key.get(), 1, 1)};
  result.records.push_back(current);

  if (!request.next_key.empty()) {
    KeyFileResult made = create_key_file({spec_like(summarize_key(key.get())), request.next_key, request.force, {}});
    auto next_key = load_private_key_file(made.path);
    TlsaEntry next{.role = "next",
                   .path = made.path,
                   .kind = "private-key",
                   .key = made.key.label,
                   .record = {usage, kTlsaSelectorSpki, kTlsaMatchSha256, tlsa_data(nullptr, next_key.get(), 1, 1)}};
    result.records.push_back(next);
    for (auto& w : made.warnings) result.warnings.push_back(w);
  }
  return result;
}

std::string to_json(const TlsaResult& result) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.tlsa/1";
  j["owner"] = result.owner;
  j["records"] = nlohmann::ordered_json::array();
  for (const auto& e : result.records) {
    j["records"].push_back({{"role", e.role},
                            {"path", e.path},
                            {"kind", e.kind},
                            {"key", e.key},
                            {"usage", e.record.usage},
                            {"selector", e.record.selector},
                            {"matching_type", e.record.matching},
                            {"data", e.record.data_hex()},
                            {"zone_line", result.zone_line(e)}});
  }
  j["warnings"] = result.warnings;
  return j.dump(2);
}

}  // namespace mtlscert
