#include "lifecycle/dane_gate.h"

#include <fmt/format.h>

#include "core/error.h"
#include "dns/dane.h"
#include "dns/resolver.h"
#include "dns/tlsa.h"

namespace mtlscert {
namespace {

std::string der(X509* cert) {
  unsigned char* buf = nullptr;
  const int n = i2d_X509(cert, &buf);
  if (n <= 0) throw Error("cannot encode a certificate of the chain as DER");
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_free(buf);
  return out;
}

std::string published(const DaneCheck& d) {
  std::string list;
  for (const auto& r : d.records) list += (list.empty() ? "" : ", ") + r.display();
  return list.empty() ? "none" : list;
}

}  // namespace

DaneGateResult check_dane_gate(const DaneGate& gate, const std::vector<X509*>& chain, const std::string& host,
                               const std::string& cert_path) {
  Resolver resolver({.server = gate.resolver, .trust_anchor = gate.trust_anchor});
  const std::string name = tlsa_name(host, static_cast<std::uint16_t>(gate.port));
  std::vector<std::string> chain_der;
  for (X509* c : chain) chain_der.push_back(der(c));
  const DaneCheck d = dane_check(resolver.tlsa(name), chain_der, host);
  // The record the admin must publish for this key: DANE-EE, SPKI, SHA-256 (what `tlsa` prints).
  const std::vector<unsigned char> spki = tlsa_data(chain.front(), nullptr, kTlsaSelectorSpki, kTlsaMatchSha256);
  const std::string wanted = TlsaRecord{kTlsaDaneEe, kTlsaSelectorSpki, kTlsaMatchSha256, spki}.display();
  std::string problem;
  switch (d.status) {
    case DaneStatus::Matched:
      return {fmt::format("DANE: {} matches the published TLSA record {} at {}", cert_path, d.matched, name)};
    case DaneStatus::NoTlsa:
    case DaneStatus::Insecure:
      return {fmt::format("DANE: no secure TLSA records at {} ({}): DANE does not apply, nothing to check", name,
                          dane_status_name(d.status))};
    case DaneStatus::Unusable:
      return {
          fmt::format("DANE: the TLSA records at {} are all unusable for SMTP ({}); not checked", name, published(d)),
          true};
    case DaneStatus::Stale:
    case DaneStatus::NotServed:
      problem = fmt::format(
          "no TLSA record published at {} matches {} (published: {}): DANE-validating senders "
          "would stop delivering after the switch",
          name, cert_path, published(d));
      break;
    case DaneStatus::Bogus:
      problem = fmt::format(
          "the TLSA records at {} fail DNSSEC validation ({}): whether {} is published cannot "
          "be known",
          name, d.why_bogus.empty() ? "bogus" : d.why_bogus, cert_path);
      break;
    case DaneStatus::LookupFailed:
      problem = fmt::format("the TLSA lookup of {} failed ({}): whether {} is published cannot be known", name,
                            d.detail, cert_path);
      break;
  }
  if (gate.force) return {fmt::format("DANE (--force): {}", problem), true};
  throw Error(fmt::format("install-cert --dane: {}", problem), cert_path,
              fmt::format("publish \"{}. IN TLSA {}\" (mtlscert tlsa {} --host {}), wait two TTLs, then rerun; "
                          "or --force to switch anyway",
                          name, wanted, cert_path, host));
}

}  // namespace mtlscert
