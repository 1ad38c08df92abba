// emit.h: Exim TLS configuration lines for a server certificate, key and client CA file.
//
// Debian (split or not): a conf.d/main fragment of macros (conf.d/main/00_mtlscert_tls, or
// appended to exim4.conf.localmacros), which 03_exim4-config_tlsoptions turns into the tls_*
// options. Elsewhere: plain main-section lines. Values are refused when Exim would expand
// them ($ and \ are expansion characters in tls_certificate and friends).
#pragma once

#include <string>

namespace mtlscert {

struct EximEmitRequest {
  std::string server_cert;           ///< tls_certificate
  std::string server_key;            ///< tls_privatekey
  std::string cacert;                ///< tls_verify_certificates (empty: no client certificates asked)
  std::string crl;                   ///< tls_crl (empty: none)
  bool debian = true;                ///< macros for Debian's configuration, else main-section lines
  bool require_client_cert = false;  ///< tls_verify_hosts = * instead of tls_try_verify_hosts = *
};

/// exim_emit_text: the lines, with a comment saying where they go. Throws Error for a
/// relative path or a value Exim would expand.
std::string exim_emit_text(const EximEmitRequest& request);

}  // namespace mtlscert
