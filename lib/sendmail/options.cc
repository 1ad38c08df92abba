// options.cc: the table of sendmail's TLS options (one row each) and its lookups.
#include "sendmail/options.h"

#include <array>

#include "core/text.h"
#include "sendmail/preflight.h"

namespace mtlscert {
namespace {

using enum SendmailOption;
constexpr auto kKey = TlsFileRole::Key;
constexpr auto kOther = TlsFileRole::Other;

// What sendmail logs for each of the four options without which it does not offer STARTTLS.
constexpr std::string_view kMissing = "STARTTLS: {name} missing";

// Every TLS file option is opened through safefile() (file_safety.h): kKey adds the rule that
// the file must not be group- or world-readable.
constexpr std::array<SendmailOptionRow, 13> kSendmailOptions = {{
    {.id = ServerCert,
     .option = {.macro = "confSERVER_CERT",
                .name = "ServerCertFile",
                .value = OptionValue::FilePair,
                .safety = kOther,
                .required = true,
                .noun = "server certificate",
                .flag = "--server-cert",
                .log_when_missing = kMissing,
                .meaning = "absolute path (RSA,ECDSA pair: two, one comma)"},
     .tls = &SendmailTls::server_cert_file,
     .shown = true},
    {.id = ServerKey,
     .option = {.macro = "confSERVER_KEY",
                .name = "ServerKeyFile",
                .value = OptionValue::FilePair,
                .safety = kKey,
                .required = true,
                .noun = "server key",
                .flag = "--server-key",
                .log_when_missing = kMissing,
                .log_when_unusable = "STARTTLS={side}, error: SSL_CTX_use_PrivateKey_file({path}) failed",
                .meaning = "the matching key(s), unencrypted"},
     .tls = &SendmailTls::server_key_file,
     .shown = true},
    {.id = ClientCert,
     .option = {.macro = "confCLIENT_CERT",
                .name = "ClientCertFile",
                .value = OptionValue::FilePair,
                .safety = kOther,
                .noun = "client certificate",
                .flag = "--client-cert",
                .meaning = "(default: the server certificate)"},
     .tls = &SendmailTls::client_cert_file,
     .shown = true},
    {.id = ClientKey,
     .option = {.macro = "confCLIENT_KEY",
                .name = "ClientKeyFile",
                .value = OptionValue::FilePair,
                .safety = kKey,
                .noun = "client key",
                .flag = "--client-key",
                .meaning = "(default: the server key)"},
     .tls = &SendmailTls::client_key_file,
     .shown = true},
    {.id = CaCert,
     .option = {.macro = "confCACERT",
                .name = "CACertFile",
                .value = OptionValue::File,
                .safety = kOther,
                .required = true,
                .noun = "CA file",
                .flag = "--cacert",
                .log_when_missing = kMissing,
                .log_when_unusable = "STARTTLS=server, error: load verify locs {ca_path}, {path} failed: 0",
                .meaning = "your issuers; its names are sent to clients"},
     .tls = &SendmailTls::ca_cert_file,
     .shown = true},
    {.id = CaCertPath,
     .option = {.macro = "confCACERT_PATH",
                .name = "CACertPath",
                .value = OptionValue::Directory,
                .required = true,
                .noun = "CA directory",
                .flag = "--cacert-path",
                .log_when_missing = kMissing,
                .meaning = "hashed CA directory, e.g. /etc/ssl/certs"},
     .tls = &SendmailTls::ca_cert_path,
     .shown = true},
    {.id = Crl,
     .option = {.macro = "confCRL",
                .name = "CRLFile",
                .value = OptionValue::File,
                .safety = kOther,
                .noun = "CRL file",
                .flag = "--crl",
                .log_when_unusable = "STARTTLS=server, error: PEM_read_bio_X509_CRL({path})=failed",
                .meaning = "a PEM CRL file"},
     .tls = &SendmailTls::crl_file,
     .shown = true},
    {.id = DhParameters,
     .option = {.macro = "confDH_PARAMETERS",
                .name = "DHParameters",
                .value = OptionValue::FileOrKeyword,
                .safety = kOther,
                .noun = "DH parameters file",
                .flag = "--dh-params",
                .keywords = "5 1 2 i none",
                .log_when_unusable = "STARTTLS=server, error: cannot read DH parameters({path})",
                .meaning = "a PEM file, or i (built-in 2048), 2, none"},
     .tls = &SendmailTls::dh_parameters,
     .shown = true},
    {.id = TlsSrvOptions,
     .option = {.macro = "confTLS_SRV_OPTIONS",
                .name = "TLSSrvOptions",
                .value = OptionValue::Word,
                .noun = "server TLS options",
                .flag = "--no-client-cert-request",
                .meaning = "`V': ask clients for no certificate (no CA list sent)"},
     .tls = &SendmailTls::tls_srv_options,
     .shown = true},
    {.id = DontBlameSendmail,
     .option = {.macro = "confDONT_BLAME_SENDMAIL",
                .name = "DontBlameSendmail",
                .value = OptionValue::Flags,
                .noun = "file-safety exceptions",
                .meaning = "flags that relax sendmail's file-safety rules"},
     .shown = true},
    {.id = RunAsUser,
     .option = {.macro = "confRUN_AS_USER",
                .name = "RunAsUser",
                .value = OptionValue::User,
                .noun = "user sendmail runs as",
                .meaning = "the user (and group) sendmail checks file safety as"},
     .shown = true},
    {.id = TrustedUser,
     .option = {.macro = "confTRUSTED_USER",
                .name = "TrustedUser",
                .value = OptionValue::User,
                .noun = "trusted user",
                .meaning = "a user accepted, besides root, as the owner of sendmail's files"}},
    {.id = DomainName,
     .option = {.macro = "confDOMAIN_NAME",
                .name = "Dj",
                .value = OptionValue::HostName,
                .noun = "host name",
                .flag = "--host",
                .meaning = "the name peers connect to ($j)"}},
}};

// sendmail_option() indexes the table by id: the rows must stay in SendmailOption order.
constexpr bool rows_in_order() {
  for (std::size_t i = 0; i < kSendmailOptions.size(); ++i) {
    if (static_cast<std::size_t>(kSendmailOptions[i].id) != i) return false;
  }
  return true;
}
static_assert(rows_in_order(), "kSendmailOptions rows must follow SendmailOption's order");

}  // namespace

std::span<const SendmailOptionRow> sendmail_option_table() { return kSendmailOptions; }

const MtaOption& sendmail_option(SendmailOption id) { return kSendmailOptions[static_cast<std::size_t>(id)].option; }

std::string_view sendmail_macro(SendmailOption id) { return sendmail_option(id).macro; }

std::string_view sendmail_cf_name(SendmailOption id) { return sendmail_option(id).name; }

std::string sendmail_option_help(SendmailOption id) {
  const MtaOption& o = sendmail_option(id);
  // A meaning that opens with a parenthesis or a quoted letter reads on from the name.
  const bool runs_on = !o.meaning.empty() && (o.meaning.front() == '(' || o.meaning.front() == '`');
  return std::string(o.macro) + (runs_on ? " " : ": ") + std::string(o.meaning);
}

const SendmailOptionRow* find_sendmail_macro(std::string_view macro) {
  for (const auto& row : kSendmailOptions) {
    if (row.option.macro == macro) return &row;
  }
  return nullptr;
}

std::vector<SendmailOption> sendmail_required() {
  std::vector<SendmailOption> out;
  for (const auto& row : kSendmailOptions) {
    if (row.option.required) out.push_back(row.id);
  }
  return out;
}

std::string sendmail_names(const std::vector<SendmailOption>& ids, bool macros, std::string_view last_separator) {
  std::vector<std::string_view> names;
  for (SendmailOption id : ids) names.push_back(macros ? sendmail_macro(id) : sendmail_cf_name(id));
  return join_list(names, last_separator);
}

}  // namespace mtlscert
