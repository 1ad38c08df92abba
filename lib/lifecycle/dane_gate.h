// dane_gate.h: install-cert --dane: refuse a certificate whose key no published TLSA record names.
//
// A DANE-validating sender (RFC 7672) checks the served chain against the secure TLSA RRset
// at _25._tcp.<host>. Switching to a key before its record is published (and cached TTLs have
// passed) makes every such sender defer the mail, so install-cert asks DNS first: the new
// chain must match the published set (dane_check's rules), else the install is refused
// unless --force. No TLSA records, or insecure ones, mean DANE does not apply: a note only.
#pragma once

#include <string>
#include <vector>

#include <openssl/x509.h>

namespace mtlscert {

struct DaneGate {
  std::string resolver;      ///< DNS server ("" : /etc/resolv.conf), as probe --resolver
  std::string trust_anchor;  ///< DNSSEC trust anchor file ("" : Debian's root key)
  int port = 25;             ///< the TLSA name's port: _PORT._tcp.HOST
  bool force = false;        ///< --force: a mismatch or failed lookup is a warning, not a refusal
};

/// DaneGateResult: what to tell the admin: the match or why DANE does not apply (a step),
/// or, with force, the refusal overridden (a warning).
struct DaneGateResult {
  std::string text;
  bool warning = false;
};

/// check_dane_gate looks up _PORT._tcp.host's TLSA records and judges chain (leaf first)
/// against them; throws Error naming cert_path, the TLSA name, the
/// records published and the record to publish when the chain matches none of a secure
/// set, or the answer is bogus or the lookup failed.
DaneGateResult check_dane_gate(const DaneGate& gate, const std::vector<X509*>& chain, const std::string& host,
                               const std::string& cert_path);

}  // namespace mtlscert
