// options.cc: the table of Exim's TLS options and its lookups.
#include "exim/options.h"

#include <array>

namespace mtlscert {
namespace {

using enum EximOption;

// Exim opens the certificate and key after dropping to exim_user: a file it cannot read
// makes every handshake fail (STARTTLS is still offered) with this line.
constexpr std::string_view kCertKeySetup =
    "TLS error on connection from {peer} (cert/key setup: cert={cert} key={key}): Error while reading file.";

constexpr std::array<EximOptionRow, 9> kEximOptions = {{
    {.id = Enable,
     .option = {.macro = "MAIN_TLS_ENABLE",
                .value = OptionValue::Word,
                .noun = "TLS switch",
                .meaning = "Debian: define it (any value) to use the tls_* lines of conf.d/main"}},
    {.id = AdvertiseHosts,
     .option = {.macro = "MAIN_TLS_ADVERTISE_HOSTS",
                .name = "tls_advertise_hosts",
                .value = OptionValue::Word,
                .noun = "hosts offered STARTTLS",
                .meaning = "host list offered STARTTLS (default *)"},
     .tls = &EximTls::advertise_hosts},
    {.id = Certificate,
     .option = {.macro = "MAIN_TLS_CERTIFICATE",
                .name = "tls_certificate",
                .value = OptionValue::File,
                .safety = TlsFileRole::Other,
                .required = true,
                .noun = "server certificate",
                .flag = "--server-cert",
                .log_when_unusable = kCertKeySetup,
                .meaning = "server certificate chain, leaf first"},
     .tls = &EximTls::certificate},
    {.id = PrivateKey,
     .option = {.macro = "MAIN_TLS_PRIVATEKEY",
                .name = "tls_privatekey",
                .value = OptionValue::File,
                .safety = TlsFileRole::Key,
                .required = true,
                .noun = "server key",
                .flag = "--server-key",
                .log_when_unusable = kCertKeySetup,
                .meaning = "its key, unencrypted, readable by Debian-exim (root:Debian-exim 0640)"},
     .tls = &EximTls::privatekey},
    {.id = VerifyCertificates,
     .option = {.macro = "MAIN_TLS_VERIFY_CERTIFICATES",
                .name = "tls_verify_certificates",
                .value = OptionValue::FileOrKeyword,
                .safety = TlsFileRole::Other,
                .noun = "CA file",
                .flag = "--cacert",
                .keywords = "system",
                .log_when_unusable = "could not stat '{path}' (tls_verify_certificates): No such file or directory",
                .meaning = "your issuers; GnuTLS sends their names to clients"},
     .tls = &EximTls::verify_certificates},
    {.id = TryVerifyHosts,
     .option = {.macro = "MAIN_TLS_TRY_VERIFY_HOSTS",
                .name = "tls_try_verify_hosts",
                .value = OptionValue::Word,
                .noun = "hosts asked for a client certificate",
                .meaning = "ask these hosts for a client certificate, carry on without one"},
     .tls = &EximTls::try_verify_hosts},
    {.id = VerifyHosts,
     .option = {.macro = "MAIN_TLS_VERIFY_HOSTS",
                .name = "tls_verify_hosts",
                .value = OptionValue::Word,
                .noun = "hosts that must present a client certificate",
                .meaning = "refuse these hosts without a verified client certificate"},
     .tls = &EximTls::verify_hosts},
    {.id = Crl,
     .option = {.name = "tls_crl",
                .value = OptionValue::File,
                .safety = TlsFileRole::Other,
                .noun = "CRL file",
                .meaning = "certificate revocation list (PEM)"},
     .tls = &EximTls::crl},
    {.id = EximUser,
     .option = {.name = "exim_user",
                .value = OptionValue::User,
                .noun = "Exim user",
                .meaning = "the user Exim reads TLS files as (Debian: Debian-exim)"},
     .tls = &EximTls::exim_user},
}};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < kEximOptions.size(); ++i)
    if (static_cast<std::size_t>(kEximOptions[i].id) != i) return false;
  return true;
}
static_assert(in_enum_order(), "kEximOptions rows must follow EximOption order");

}  // namespace

std::span<const EximOptionRow> exim_option_table() { return kEximOptions; }
const MtaOption& exim_option(EximOption id) { return kEximOptions[static_cast<std::size_t>(id)].option; }
std::string_view exim_name(EximOption id) { return exim_option(id).name; }
std::string_view exim_macro(EximOption id) { return exim_option(id).macro; }

const EximOptionRow* find_exim_name(std::string_view name) {
  for (const auto& row : kEximOptions)
    if (!row.option.name.empty() && row.option.name == name) return &row;
  return nullptr;
}

}  // namespace mtlscert
