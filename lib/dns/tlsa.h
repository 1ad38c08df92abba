// tlsa.h: DANE TLSA records (RFC 6698, RFC 7672) for a certificate or key, and their rollover.
//
// A mail server publishes "_25._tcp.<mx host>. IN TLSA 3 1 1 <SHA-256 of its SubjectPublicKeyInfo>"
// (DANE-EE: survives renewals that keep the key), or "2 1 1 <hash of the CA's key>" (DANE-TA, a
// private CA). A key change needs the next key's record published a few TTLs before the switch:
// make_tlsa with next_key creates that key now and returns both records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ossl.h"
#include "dns/resolver.h"

namespace mtlscert {

constexpr std::uint8_t kTlsaDaneTa = 2, kTlsaDaneEe = 3;
constexpr std::uint8_t kTlsaSelectorCert = 0, kTlsaSelectorSpki = 1;
constexpr std::uint8_t kTlsaMatchExact = 0, kTlsaMatchSha256 = 1, kTlsaMatchSha512 = 2;

/// tlsa_data: the association data of (selector, matching) for cert (selector 0 uses the whole
/// DER certificate, 1 its SPKI); key-only callers pass cert null and key. Throws Error on an
/// unknown selector or matching type.
std::vector<unsigned char> tlsa_data(X509* cert, EVP_PKEY* key, std::uint8_t selector, std::uint8_t matching);

/// spki_sha256_hex: lower-case hex SHA-256 of the key's DER SubjectPublicKeyInfo (what `inspect`
/// shows and a 3 1 1 record holds).
std::string spki_sha256_hex(EVP_PKEY* key);

struct TlsaRequest {
  std::string path;       ///< certificate (first one of the file: the leaf) or private key
  std::string host;       ///< the MX host name peers connect to
  std::uint16_t port = 25;
  std::string usage = "auto";  ///< "auto" (dane-ta for a CA certificate, else dane-ee), "dane-ee", "dane-ta"
  std::string next_key;        ///< create this key now (0600, atomic) and add its record
  bool force = false;          ///< replace an existing next_key file
};

struct TlsaEntry {
  std::string role;   ///< "current" or "next"
  std::string path;   ///< the file the record was computed from
  std::string kind;   ///< "certificate", "ca-certificate" or "private-key"
  std::string key;    ///< "ECDSA P-256", …
  TlsaRecord record;
};

struct TlsaResult {
  std::string owner;  ///< "_25._tcp.mx.example.org."
  std::vector<TlsaEntry> records;
  std::vector<std::string> warnings;
  std::string zone_line(const TlsaEntry& e) const;  ///< "<owner> IN TLSA 3 1 1 <hex>"
};

/// make_tlsa reads request.path, computes its record and, with next_key, creates the next key
/// (same type and size as the current one) and computes its record too. Throws Error naming
/// the file for an unreadable or unsuitable file, a bad host or usage.
TlsaResult make_tlsa(const TlsaRequest& request);

/// to_json: the tlsa --json result (schema "mtlscert.tlsa/1").
std::string to_json(const TlsaResult& result);

}  // namespace mtlscert
