#include "smtp/tls_alert.h"

#include <fmt/format.h>

#include "sendmail/options.h"

namespace mtlscert {
namespace {

// One alert: its number, its name, and its likely cause as a format whose {ca_macro} (.mc),
// {ca_file} and {ca_path} (.cf) stand for sendmail's option names (options.h).
struct AlertRow {
  int number;
  std::string_view name;
  std::string_view cause;
};

// Causes are phrased for a probe client talking to a mail server; the sender of
// the alert is the server unless stated.
constexpr AlertRow kAlerts[] = {
    {0, "close_notify", "the peer closed the TLS session"},
    {10, "unexpected_message", "a message arrived out of order; often a broken or non-TLS peer"},
    {20, "bad_record_mac", "a record failed its integrity check: corruption, or a middlebox rewriting traffic"},
    {22, "record_overflow", "a record was larger than allowed; a buffer-limited peer"},
    {40, "handshake_failure",
     "no protocol version, cipher suite, group or signature algorithm in common, or the server requires a "
     "client certificate and got none"},
    {42, "bad_certificate", "the peer rejected a certificate (often the client certificate) as malformed or unusable"},
    {43, "unsupported_certificate", "the certificate's key type or usage (EKU clientAuth/serverAuth) is not accepted"},
    {44, "certificate_revoked", "the certificate was revoked by its issuer"},
    {45, "certificate_expired", "a certificate in the chain has expired or is not yet valid"},
    {46, "certificate_unknown",
     "the peer could not verify the certificate (an unknown issuer or a missing intermediate, for most stacks)"},
    {47, "illegal_parameter",
     "a handshake field was out of range; between mail servers classically a CertificateRequest whose list of "
     "acceptable CA names is too long for the client (sendmail {ca_macro} with many CAs)"},
    {48, "unknown_ca",
     "the server does not trust the CA that issued the client certificate (not in its {ca_file}/{ca_path})"},
    {49, "access_denied", "the peer refused the connection by policy after the handshake started"},
    {50, "decode_error", "a handshake message could not be parsed (length mismatch or a truncated message)"},
    {51, "decrypt_error", "a signature or the Finished check failed: wrong key for the certificate, or a broken peer"},
    {70, "protocol_version",
     "no TLS version in common: the server only speaks versions this client refuses (or --tls1_2/--tls1_3 pinned "
     "one the server does not offer)"},
    {71, "insufficient_security", "the server requires stronger ciphers than offered"},
    {80, "internal_error", "the peer hit an internal error (often a missing or unreadable key or certificate file)"},
    {86, "inappropriate_fallback", "a version downgrade was detected"},
    {90, "user_canceled", "the peer canceled the handshake"},
    {109, "missing_extension", "a required TLS extension was missing"},
    {110, "unsupported_extension", "the peer received an extension it did not ask for"},
    {112, "unrecognized_name", "the server has no certificate for the requested SNI name (--servername)"},
    {113, "bad_certificate_status_response", "an OCSP stapling response was invalid"},
    {115, "unknown_psk_identity", "the pre-shared key identity is unknown"},
    {116, "certificate_required",
     "the server requires a client certificate (TLS 1.3) and none was sent: pass --cert and --key"},
    {120, "no_application_protocol", "no ALPN protocol in common"},
};

}  // namespace

TlsAlert describe_alert(int number) {
  for (const auto& a : kAlerts) {
    if (a.number != number) continue;
    return {a.number, a.name,
            fmt::format(fmt::runtime(a.cause), fmt::arg("ca_macro", sendmail_macro(SendmailOption::CaCert)),
                        fmt::arg("ca_file", sendmail_cf_name(SendmailOption::CaCert)),
                        fmt::arg("ca_path", sendmail_cf_name(SendmailOption::CaCertPath)))};
  }
  return {number, "unknown", "an alert this tool does not know; see the IANA TLS Alerts registry"};
}

std::string alert_text(int number) {
  const TlsAlert a = describe_alert(number);
  return fmt::format("alert {} ({}): {}", a.number, a.name, a.likely_cause);
}

}  // namespace mtlscert
