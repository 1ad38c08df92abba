// options.cc: the table of Postfix's TLS parameters (one row each) and its lookups.
#include "postfix/options.h"

#include <array>

#include "postfix/preflight.h"

namespace mtlscert {
namespace {

using enum PostfixOption;

// What smtpd 3.7.11 logs (measured) when it cannot use a file: it still lists STARTTLS in
// EHLO, then answers STARTTLS with "454 4.7.0 TLS not available due to local problem".
constexpr std::string_view kCertUnusable =
    "warning: cannot get {side} certificate from file \"{path}\": disabling TLS support";
constexpr std::string_view kKeyUnusable =
    "warning: cannot get {side} private key from file \"{path}\": disabling TLS support";
// {path} is the locations smtpd names: CAfile="F", and ", CApath="D"" when smtpd_tls_CApath is set.
constexpr std::string_view kCaUnusable = "cannot load Certification Authority data, {path}: disabling TLS support";
constexpr std::string_view kChainUnusable =
    "warning: error loading private keys and certificates from: {path}: disabling TLS support";
constexpr std::string_view kNoCerts = "warning: No server certs available. TLS won't be enabled";

constexpr std::array<PostfixOptionRow, 21> kPostfixOptions = {{
    {.id = ChainFiles,
     .option = {.macro = "smtpd_tls_chain_files",
                .name = "smtpd_tls_chain_files",
                .value = OptionValue::Flags,
                .noun = "server key and certificate chain files",
                .flag = "--server-cert",
                .log_when_missing = kNoCerts,
                .log_when_unusable = kChainUnusable,
                .meaning = "key then certificates, per algorithm (Postfix >= 3.4; replaces cert_file/key_file)"},
     .tls = &PostfixTls::chain_files,
     .shown = true},
    {.id = CertFile,
     .option = {.macro = "smtpd_tls_cert_file",
                .name = "smtpd_tls_cert_file",
                .value = OptionValue::File,
                .noun = "server certificate",
                .flag = "--server-cert",
                .log_when_missing = kNoCerts,
                .log_when_unusable = kCertUnusable,
                .meaning = "the RSA server certificate (PEM, leaf first, then its chain)"},
     .tls = &PostfixTls::cert_file,
     .shown = true},
    {.id = KeyFile,
     .option = {.macro = "smtpd_tls_key_file",
                .name = "smtpd_tls_key_file",
                .value = OptionValue::File,
                .noun = "server key",
                .flag = "--server-key",
                .log_when_unusable = kKeyUnusable,
                .meaning = "its private key, unencrypted (default: $smtpd_tls_cert_file)"},
     .tls = &PostfixTls::key_file,
     .shown = true},
    {.id = EccertFile,
     .option = {.macro = "smtpd_tls_eccert_file",
                .name = "smtpd_tls_eccert_file",
                .value = OptionValue::File,
                .noun = "ECDSA server certificate",
                .log_when_unusable = kCertUnusable,
                .meaning = "the ECDSA server certificate (older form of a second chain_files pair)"},
     .tls = &PostfixTls::eccert_file},
    {.id = EckeyFile,
     .option = {.macro = "smtpd_tls_eckey_file",
                .name = "smtpd_tls_eckey_file",
                .value = OptionValue::File,
                .noun = "ECDSA server key",
                .log_when_unusable = kKeyUnusable,
                .meaning = "its private key (default: $smtpd_tls_eccert_file)"},
     .tls = &PostfixTls::eckey_file},
    {.id = CaFile,
     .option = {.macro = "smtpd_tls_CAfile",
                .name = "smtpd_tls_CAfile",
                .value = OptionValue::File,
                .noun = "CA file",
                .flag = "--cacert",
                .log_when_unusable = kCaUnusable,
                .meaning = "your issuers: loaded before the chroot, its names are sent to clients asked for a "
                           "certificate"},
     .tls = &PostfixTls::ca_file,
     .shown = true},
    {.id = CaPath,
     .option = {.macro = "smtpd_tls_CApath",
                .name = "smtpd_tls_CApath",
                .value = OptionValue::Directory,
                .noun = "CA directory",
                .flag = "--cacert-path",
                .meaning = "hashed CA directory: verification only, no names sent"},
     .tls = &PostfixTls::ca_path,
     .shown = true},
    {.id = SecurityLevel,
     .option = {.macro = "smtpd_tls_security_level",
                .name = "smtpd_tls_security_level",
                .value = OptionValue::Word,
                .noun = "server TLS security level",
                .keywords = "none may encrypt",
                .meaning = "may: offer STARTTLS (encrypt: require it; only for submission)"},
     .tls = &PostfixTls::security_level,
     .shown = true},
    {.id = AskCcert,
     .option = {.macro = "smtpd_tls_ask_ccert",
                .name = "smtpd_tls_ask_ccert",
                .value = OptionValue::Word,
                .noun = "client certificate request",
                .flag = "--no-client-cert-request",
                .keywords = "yes no",
                .meaning = "yes: ask clients for a certificate (sends the CA file's names)"},
     .tls = &PostfixTls::ask_ccert,
     .shown = true},
    {.id = LogLevel,
     .option = {.macro = "smtpd_tls_loglevel",
                .name = "smtpd_tls_loglevel",
                .value = OptionValue::Word,
                .noun = "server TLS log level",
                .meaning = "1: one line per handshake, with the client certificate's verification"},
     .tls = &PostfixTls::loglevel},
    {.id = ReceivedHeader,
     .option = {.macro = "smtpd_tls_received_header",
                .name = "smtpd_tls_received_header",
                .value = OptionValue::Word,
                .noun = "TLS details in Received:",
                .keywords = "yes no",
                .meaning = "yes: the Received: header names protocol, cipher and client certificate (mtlscert "
                           "received reads it)"},
     .tls = &PostfixTls::received_header},
    {.id = FingerprintDigest,
     .option = {.macro = "smtpd_tls_fingerprint_digest",
                .name = "smtpd_tls_fingerprint_digest",
                .value = OptionValue::Word,
                .noun = "client certificate fingerprint digest",
                .meaning = "sha256: the digest relay_clientcerts fingerprints are computed with"},
     .tls = &PostfixTls::fingerprint_digest},
    {.id = RelayRestrictions,
     .option = {.macro = "smtpd_relay_restrictions",
                .name = "smtpd_relay_restrictions",
                .value = OptionValue::Flags,
                .noun = "relay restrictions",
                .meaning = "permit_tls_clientcerts before reject_unauth_destination: relay for listed certificates"},
     .tls = &PostfixTls::relay_restrictions},
    {.id = RelayClientcerts,
     .option = {.macro = "relay_clientcerts",
                .name = "relay_clientcerts",
                .value = OptionValue::Word,
                .noun = "client certificate table",
                .meaning = "table of client certificate fingerprints that may relay"},
     .tls = &PostfixTls::relay_clientcerts},
    {.id = ClientChainFiles,
     .option = {.macro = "smtp_tls_chain_files",
                .name = "smtp_tls_chain_files",
                .value = OptionValue::Flags,
                .noun = "client key and certificate chain files",
                .flag = "--client-cert",
                .log_when_unusable = kChainUnusable,
                .meaning = "the key and certificate presented when delivering (Postfix >= 3.4)"},
     .tls = &PostfixTls::client_chain_files},
    {.id = ClientCertFile,
     .option = {.macro = "smtp_tls_cert_file",
                .name = "smtp_tls_cert_file",
                .value = OptionValue::File,
                .noun = "client certificate",
                .flag = "--client-cert",
                .log_when_unusable = kCertUnusable,
                .meaning = "the certificate presented when delivering (default: none)"},
     .tls = &PostfixTls::client_cert_file,
     .shown = true},
    {.id = ClientKeyFile,
     .option = {.macro = "smtp_tls_key_file",
                .name = "smtp_tls_key_file",
                .value = OptionValue::File,
                .noun = "client key",
                .flag = "--client-key",
                .log_when_unusable = kKeyUnusable,
                .meaning = "its key (default: $smtp_tls_cert_file)"},
     .tls = &PostfixTls::client_key_file,
     .shown = true},
    {.id = ClientCaFile,
     .option = {.macro = "smtp_tls_CAfile",
                .name = "smtp_tls_CAfile",
                .value = OptionValue::File,
                .noun = "client-side CA file",
                .flag = "--cacert",
                .meaning = "CAs that verify the servers Postfix delivers to"},
     .tls = &PostfixTls::client_ca_file},
    {.id = ClientCaPath,
     .option = {.macro = "smtp_tls_CApath",
                .name = "smtp_tls_CApath",
                .value = OptionValue::Directory,
                .noun = "client-side CA directory",
                .flag = "--cacert-path",
                .meaning = "hashed CA directory that verifies the servers Postfix delivers to"},
     .tls = &PostfixTls::client_ca_path},
    {.id = ClientSecurityLevel,
     .option = {.macro = "smtp_tls_security_level",
                .name = "smtp_tls_security_level",
                .value = OptionValue::Word,
                .noun = "client TLS security level",
                .keywords = "none may encrypt dane dane-only fingerprint verify secure",
                .meaning = "may: use STARTTLS when the server offers it"},
     .tls = &PostfixTls::client_security_level},
    {.id = ClientLogLevel,
     .option = {.macro = "smtp_tls_loglevel",
                .name = "smtp_tls_loglevel",
                .value = OptionValue::Word,
                .noun = "client TLS log level",
                .meaning = "1: one line per handshake"},
     .tls = &PostfixTls::client_loglevel},
}};

// Rows are indexed by PostfixOption: the table must list them in the enum's order.
constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < kPostfixOptions.size(); ++i)
    if (static_cast<std::size_t>(kPostfixOptions[i].id) != i) return false;
  return true;
}
static_assert(rows_in_enum_order(), "kPostfixOptions must follow PostfixOption's order");

}  // namespace

std::span<const PostfixOptionRow> postfix_option_table() { return kPostfixOptions; }

const MtaOption& postfix_option(PostfixOption id) { return kPostfixOptions[static_cast<std::size_t>(id)].option; }

std::string_view postfix_name(PostfixOption id) { return postfix_option(id).name; }

const PostfixOptionRow* find_postfix_option(std::string_view name) {
  for (const auto& row : kPostfixOptions)
    if (row.option.name == name) return &row;
  return nullptr;
}

}  // namespace mtlscert
