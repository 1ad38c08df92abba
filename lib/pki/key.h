// key.h: private keys: generation with safe defaults, PKCS#8 PEM encoding,
// loading with clear errors, and a one-line description.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/defaults.h"
#include "core/ossl.h"

namespace mtlscert {

enum class KeyType { Rsa, Ecdsa, Ed25519 };

/// KeySpec: what key to make (defaults: defaults.h, kDefaultRsaBits and kDefaultCurve).
struct KeySpec {
  KeyType type = KeyType::Rsa;
  int bits = kDefaultRsaBits;                      ///< RSA only: 2048, 3072 or 4096
  std::string curve = std::string(kDefaultCurve);  ///< ECDSA only: P-256 or P-384
};

/// parse_key_type maps "rsa", "ecdsa", "ed25519" (any case); throws Error otherwise.
KeyType parse_key_type(std::string_view name);
std::string_view key_type_name(KeyType type);

/// validate_key_spec throws Error when bits or curve are not ones we offer.
void validate_key_spec(const KeySpec& spec);

/// generate_key makes a fresh key; throws Error on failure.
ossl::Ptr<EVP_PKEY> generate_key(const KeySpec& spec);

/// SecretString: bytes of key material, wiped from memory when destroyed.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  SecretString(SecretString&& o) noexcept : s_(std::move(o.s_)) { o.wipe(); }
  SecretString& operator=(SecretString&& o) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { wipe(); }
  std::string_view view() const noexcept { return s_; }

 private:
  void wipe() noexcept;
  std::string s_;
};

/// protect_key_memory: called before key material enters memory. A core dump would write
/// it to disk (RLIMIT_CORE set to 0, soft and hard) and a non-root user of the same uid could
/// read it with ptrace or /proc/PID/mem (PR_SET_DUMPABLE 0). It stays so until the process
/// exits: a short-lived command has no later moment without the key. Never throws.
void protect_key_memory() noexcept;

/// private_key_pem encodes key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"),
/// the form sendmail, Postfix and Exim all read unattended.
SecretString private_key_pem(EVP_PKEY* key);

/// public_key_pem encodes the public half as SubjectPublicKeyInfo PEM.
std::string public_key_pem(EVP_PKEY* key);

/// load_private_key parses PEM (PKCS#8, traditional RSA/EC) or DER. path names
/// the file in errors. An encrypted key, a certificate or a CSR given as a key,
/// and garbage all throw Error saying which it was and what to do.
ossl::Ptr<EVP_PKEY> load_private_key(std::string_view bytes, const std::string& path);
ossl::Ptr<EVP_PKEY> load_private_key_file(const std::string& path);

/// KeySummary: what a key is, without any of its secret.
struct KeySummary {
  std::string algorithm;  ///< "RSA", "ECDSA", "Ed25519", …
  int bits = 0;           ///< modulus or group size
  std::string curve;      ///< "P-256" for ECDSA, empty otherwise
  std::string label;      ///< "RSA 2048", "ECDSA P-256", "Ed25519"
};
KeySummary summarize_key(const EVP_PKEY* key);

/// spki_sha256_hex: lower-case hex SHA-256 of the key's DER SubjectPublicKeyInfo, the data of a
/// DANE "3 1 1" TLSA record (what `inspect` shows as the key's SHA-256).
std::string spki_sha256_hex(EVP_PKEY* key);
/// spki_sha256_hex(cert): the same for a certificate's key, hashed as the certificate holds it
/// (no re-encoding through the key: OpenSSL 3.0's encoders cost more than a probe's whole
/// handshake parse, and `probe -f` describes every server's chain).
std::string spki_sha256_hex(const X509* cert);

/// same_public_key: true when a and b hold the same public key.
bool same_public_key(const EVP_PKEY* a, const EVP_PKEY* b);

}  // namespace mtlscert
