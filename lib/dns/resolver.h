// resolver.h: DNS lookups with DNSSEC validation (libunbound), for MX, A, AAAA, TXT and TLSA.
//
// A Resolver is one libunbound context: it forwards to the server given (a validating
// resolver the caller trusts, or a plain one: libunbound validates by itself either way),
// or to the servers of /etc/resolv.conf, and validates from the trust anchor file given
// (else Debian's root key, /usr/share/dns/root.key, when present). Every answer says how
// it ended (data, NODATA, NXDOMAIN, SERVFAIL, …) and whether it is secure, insecure or
// bogus, with unbound's own reason for bogus ones: DANE (RFC 7672) trusts only secure
// TLSA records and must refuse bogus ones, so callers need the three apart.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mtlscert {

/// DnsSecurity: what DNSSEC validation said of an answer (or of a denial of existence).
enum class DnsSecurity {
  Secure,    ///< validated from the trust anchor
  Insecure,  ///< provably unsigned, or no trust anchor covers the name
  Bogus,     ///< signatures missing, wrong or expired: the answer must not be used
};
std::string_view dns_security_name(DnsSecurity s);  ///< "secure", "insecure", "bogus" (JSON)

/// DnsOutcome: how a lookup ended.
enum class DnsOutcome {
  Answer,    ///< records of the type asked for
  NoData,    ///< the name exists, without records of that type
  NxDomain,  ///< the name does not exist
  ServFail,  ///< the server failed (also what a validating server answers for bogus data)
  Refused,   ///< the server refused the query
  Timeout,   ///< no answer before the deadline
  Error,     ///< another rcode, or libunbound could not send the query
};
std::string_view dns_outcome_name(DnsOutcome o);  ///< "answer", "nodata", "nxdomain", …

/// DnsMx: one MX record as DNS answered it (pki/names.h MxRecord is one typed by the user).
struct DnsMx {
  int preference = 0;
  std::string host;  ///< without the trailing dot, "." for a null MX (RFC 7505)
};

struct TlsaRecord {
  std::uint8_t usage = 0;     ///< 2 DANE-TA, 3 DANE-EE (0, 1 PKIX-*: unusable for SMTP, RFC 7672 3.1.3)
  std::uint8_t selector = 0;  ///< 0 full certificate, 1 SubjectPublicKeyInfo
  std::uint8_t matching = 0;  ///< 0 exact, 1 SHA-256, 2 SHA-512
  std::vector<unsigned char> data;
  std::string data_hex() const;  ///< lower-case hex, as zone files and `mtlscert tlsa` print it
  std::string display() const;   ///< "3 1 1 ab12…"
};

/// DnsAnswer: one lookup. records is empty unless outcome is Answer.
template <class Record>
struct DnsAnswer {
  std::string name;  ///< the name asked for, as given
  DnsOutcome outcome = DnsOutcome::Error;
  DnsSecurity security = DnsSecurity::Insecure;
  std::string why_bogus;  ///< unbound's reason, when security is Bogus
  std::string error;      ///< libunbound's message, when outcome is Error or Timeout
  int rcode = 0;
  std::vector<Record> records;

  bool secure() const { return security == DnsSecurity::Secure; }
  bool bogus() const { return security == DnsSecurity::Bogus; }
};

struct ResolverOptions {
  /// "" (resolv.conf), "127.0.0.1", "127.0.0.1@5353", "127.0.0.1:5353", "::1", "[::1]:53", "::1@53".
  std::string server;
  /// Zone-file DS or DNSKEY records of the trust anchor; "" uses kDefaultRootTrustAnchor if it exists.
  std::string trust_anchor;
  std::chrono::milliseconds timeout{5000};  ///< per lookup
};

/// Debian's root trust anchor (package dns-root-data), read only.
inline constexpr const char* kDefaultRootTrustAnchor = "/usr/share/dns/root.key";

/// unbound_forwarder: the server option in libunbound's "ADDR@PORT" form. Throws Error on
/// something that is not a numeric address with an optional port 1-65535.
std::string unbound_forwarder(std::string_view server);

class Resolver {
 public:
  /// Throws Error (naming the server or trust-anchor file and what to do) when the server
  /// is not a numeric address, resolv.conf or the trust anchor cannot be read.
  explicit Resolver(const ResolverOptions& options);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;
  Resolver(Resolver&&) noexcept;
  Resolver& operator=(Resolver&&) noexcept;

  /// mx: sorted by preference, then host name (the order a sender tries them, RFC 5321 5.1).
  DnsAnswer<DnsMx> mx(std::string_view name);
  DnsAnswer<std::string> a(std::string_view name);     ///< numeric IPv4 addresses
  DnsAnswer<std::string> aaaa(std::string_view name);  ///< numeric IPv6 addresses
  DnsAnswer<std::string> txt(std::string_view name);   ///< each record's strings joined
  DnsAnswer<TlsaRecord> tlsa(std::string_view name);   ///< e.g. "_25._tcp.mx.example.org"

  const std::string& server_display() const;  ///< "127.0.0.1@5353" or "resolv.conf"
  const std::string& trust_anchor() const;    ///< the file used, or "" (nothing is secure then)

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// tlsa_name: "_25._tcp.mx.example.org" for ("mx.example.org", 25); a trailing dot is dropped.
std::string tlsa_name(std::string_view host, std::uint16_t port);

}  // namespace mtlscert
