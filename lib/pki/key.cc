#include "pki/key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "core/text.h"
#include "pki/pem.h"
#include "pki/pem_write.h"

namespace mtlscert {

SecretString& SecretString::operator=(SecretString&& o) noexcept {
  if (this != &o) {
    wipe();
    s_ = std::move(o.s_);
    o.wipe();
  }
  return *this;
}

void SecretString::wipe() noexcept {
  if (!s_.empty()) OPENSSL_cleanse(s_.data(), s_.size());
  s_.clear();
}

void protect_key_memory() noexcept {
  // Two system calls, made at each key: cheaper than remembering, and right after a fork.
  struct rlimit none {};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

KeyType parse_key_type(std::string_view name) {
  const std::string type = lower(name);
  if (type == "rsa") return KeyType::Rsa;
  if (type == "ecdsa" || type == "ec") return KeyType::Ecdsa;
  if (type == "ed25519") return KeyType::Ed25519;
  throw Error(fmt::format("--type: unknown key type '{}'", name), {}, "use rsa, ecdsa or ed25519");
}

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::Rsa: return "rsa";
    case KeyType::Ecdsa: return "ecdsa";
    case KeyType::Ed25519: return "ed25519";
  }
  return "?";
}

namespace {

// OpenSSL's group names for the curves we offer.
const char* openssl_curve(const std::string& curve) {
  if (curve == "P-256") return "prime256v1";
  if (curve == "P-384") return "secp384r1";
  return nullptr;
}

std::string canonical_curve(std::string curve) {
  std::transform(curve.begin(), curve.end(), curve.begin(), [](unsigned char c) { return std::toupper(c); });
  if (curve == "P256" || curve == "PRIME256V1" || curve == "SECP256R1") return "P-256";
  if (curve == "P384" || curve == "SECP384R1") return "P-384";
  return curve;
}

}  // namespace

void validate_key_spec(const KeySpec& spec) {
  if (spec.type == KeyType::Rsa &&
      std::find(kRsaBitsOffered.begin(), kRsaBitsOffered.end(), spec.bits) == kRsaBitsOffered.end()) {
    throw Error(fmt::format("--bits: {} is not offered for RSA", spec.bits), {},
                fmt::format("use {} (accepted by every SMTP peer), {} or {}", kRsaBitsOffered[0], kRsaBitsOffered[1],
                            kRsaBitsOffered[2]));
  }
  if (spec.type == KeyType::Ecdsa && openssl_curve(canonical_curve(spec.curve)) == nullptr) {
    throw Error(fmt::format("--curve: '{}' is not offered", spec.curve), {}, "use P-256 or P-384");
  }
}

ossl::Ptr<EVP_PKEY> generate_key(const KeySpec& spec) {
  protect_key_memory();
  validate_key_spec(spec);
  ossl::clear_errors();
  EVP_PKEY* raw = nullptr;
  switch (spec.type) {
    case KeyType::Rsa: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.bits)); break;
    case KeyType::Ecdsa:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", openssl_curve(canonical_curve(spec.curve)));
      break;
    case KeyType::Ed25519: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  if (raw == nullptr) ossl::throw_error(fmt::format("generating a {} key", key_type_name(spec.type)));
  return ossl::Ptr<EVP_PKEY>(raw);
}

SecretString private_key_pem(EVP_PKEY* key) {
  ossl::clear_errors();
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ossl::throw_error("encoding the private key as PKCS#8 PEM");
  }
  return SecretString(bio_contents(bio.get()));
}

std::string public_key_pem(EVP_PKEY* key) {
  ossl::clear_errors();
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) ossl::throw_error("encoding the public key");
  return bio_contents(bio.get());
}

namespace {

// A no-prompt passphrase callback: an encrypted key must fail, not hang on a tty.
int no_passphrase(char*, int, int, void* encrypted_seen) {
  *static_cast<bool*>(encrypted_seen) = true;
  return -1;
}

}  // namespace

ossl::Ptr<EVP_PKEY> load_private_key(std::string_view bytes, const std::string& path) {
  const std::string role = "key file";
  if (bytes.empty()) {
    throw Error(fmt::format("{} '{}' is empty", role, path), path, "generate a key with: mtlscert genkey -o FILE");
  }
  auto blocks = pem::scan(bytes);
  if (!blocks.empty()) {
    const auto& first = blocks.front();
    if (first.label == "ENCRYPTED PRIVATE KEY" || first.encrypted_headers) {
      throw Error(fmt::format("{} '{}' is encrypted; sendmail needs an unencrypted key", role, path), path,
                  "decrypt it once (openssl pkey -in ENCRYPTED -out PLAIN) and keep it mode 0600");
    }
    if (!pem::is_private_key_label(first.label)) {
      throw Error(
          fmt::format("{} '{}': expected a PEM private key, got {}", role, path, pem::describe_label(first.label)),
          path, "pass the private key file (BEGIN PRIVATE KEY)");
    }
  }
  ossl::clear_errors();
  ossl::Ptr<BIO> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  bool encrypted_seen = false;
  EVP_PKEY* raw = nullptr;
  if (!blocks.empty()) {
    raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, &encrypted_seen);
  } else {
    raw = d2i_PrivateKey_bio(bio.get(), nullptr);
  }
  if (raw == nullptr) {
    if (encrypted_seen) {
      ossl::clear_errors();
      throw Error(fmt::format("{} '{}' is encrypted; sendmail needs an unencrypted key", role, path), path,
                  "decrypt it once (openssl pkey -in ENCRYPTED -out PLAIN) and keep it mode 0600");
    }
    if (blocks.empty()) {
      ossl::clear_errors();
      throw Error(fmt::format("{} '{}': expected a PEM or DER private key, found neither", role, path), path,
                  "check that this is the key file; generate one with: mtlscert genkey -o FILE");
    }
    ossl::throw_error(fmt::format("{} '{}': cannot decode the private key", role, path), path);
  }
  return ossl::Ptr<EVP_PKEY>(raw);
}

ossl::Ptr<EVP_PKEY> load_private_key_file(const std::string& path) {
  protect_key_memory();
  SecretString bytes(io::read_file(path, "key file", 1u << 20));
  return load_private_key(bytes.view(), path);
}

KeySummary summarize_key(const EVP_PKEY* key) {
  KeySummary s;
  s.bits = EVP_PKEY_get_bits(key);
  int id = EVP_PKEY_get_base_id(key);
  switch (id) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      s.algorithm = id == EVP_PKEY_RSA ? "RSA" : "RSA-PSS";
      s.label = fmt::format("{} {}", s.algorithm, s.bits);
      break;
    case EVP_PKEY_EC: {
      s.algorithm = "ECDSA";
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1) {
        std::string g(group, len);
        if (g == "prime256v1")
          s.curve = "P-256";
        else if (g == "secp384r1")
          s.curve = "P-384";
        else if (g == "secp521r1")
          s.curve = "P-521";
        else
          s.curve = g;
      }
      s.label = s.curve.empty() ? fmt::format("ECDSA {}", s.bits) : fmt::format("ECDSA {}", s.curve);
      break;
    }
    case EVP_PKEY_ED25519:
      s.algorithm = "Ed25519";
      s.label = "Ed25519";
      break;
    case EVP_PKEY_ED448:
      s.algorithm = "Ed448";
      s.label = "Ed448";
      break;
    case EVP_PKEY_DSA:
      s.algorithm = "DSA";
      s.label = fmt::format("DSA {}", s.bits);
      break;
    default: {
      const char* name = EVP_PKEY_get0_type_name(key);
      s.algorithm = name != nullptr ? name : "unknown";
      s.label = fmt::format("{} {}", s.algorithm, s.bits);
    }
  }
  return s;
}

namespace {

// sha256_hex_of_der: lower-case hex SHA-256 of n DER bytes, which it frees.
std::string sha256_hex_of_der(unsigned char* der, int n) {
  if (n <= 0) throw Error("could not DER-encode a public key (SubjectPublicKeyInfo)");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  int ok = EVP_Digest(der, static_cast<std::size_t>(n), md, &len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (ok != 1) throw Error("SHA-256 of a public key failed");
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kDigits[md[i] >> 4];
    out += kDigits[md[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string spki_sha256_hex(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  return sha256_hex_of_der(der, n);
}

std::string spki_sha256_hex(const X509* cert) {
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  return sha256_hex_of_der(der, n);
}

bool same_public_key(const EVP_PKEY* a, const EVP_PKEY* b) {
  if (a == nullptr || b == nullptr) return false;
  int rc = EVP_PKEY_eq(a, b);
  ossl::clear_errors();
  return rc == 1;
}

}  // namespace mtlscert
