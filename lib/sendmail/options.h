// options.h: sendmail's TLS options, one table row each (mta_option.h).
//
// The .mc/.cf reader (cf_reader.cc), emit-mc (emit_mc.cc and the template's
// placeholders), the pre-flight (preflight.cc), doctor and its JSON, and every message and
// help text that names an option take every name, kind, file-safety class and log line from
// here: no other code of the library or the CLI spells an option name (comments, and the
// commands' summary and example texts, which mirror the man pages, are documentation).
// Facts: shared/reference/sendmail-tls-facts.md; log lines measured against Debian 12's sendmail 8.17.1.9.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/mta_option.h"

namespace mtlscert {

struct SendmailTls;

/// SendmailOption: the rows of the table, in the order doctor lists them.
enum class SendmailOption {
  ServerCert,
  ServerKey,
  ClientCert,
  ClientKey,
  CaCert,
  CaCertPath,
  Crl,
  DhParameters,
  TlsSrvOptions,
  DontBlameSendmail,
  RunAsUser,
  TrustedUser,
  DomainName,
};

/// SendmailOptionRow: one option, where the reader stores it, and whether doctor shows it.
struct SendmailOptionRow {
  SendmailOption id = {};
  MtaOption option = {};
  std::string SendmailTls::*tls = nullptr;  ///< the SendmailTls field holding its value (nullptr: elsewhere)
  bool shown = false;                       ///< doctor lists it (text and JSON "options")
};

/// sendmail_option_table: every row, in SendmailOption order.
std::span<const SendmailOptionRow> sendmail_option_table();

/// sendmail_option: the row of id.
const MtaOption& sendmail_option(SendmailOption id);

/// sendmail_macro: the .mc name of id ("confCACERT_PATH"); sendmail_cf_name: the .cf name ("CACertPath").
std::string_view sendmail_macro(SendmailOption id);
std::string_view sendmail_cf_name(SendmailOption id);

/// sendmail_option_help: the .mc name and meaning of id, as flag help ("confCRL: a PEM CRL file").
std::string sendmail_option_help(SendmailOption id);

/// find_sendmail_macro: the row whose .mc name is macro, or nullptr.
const SendmailOptionRow* find_sendmail_macro(std::string_view macro);

/// sendmail_required: the options sendmail needs to offer STARTTLS, in table order.
std::vector<SendmailOption> sendmail_required();

/// sendmail_names lists names of ids ("A, B, C and D", join_list): .mc names when macros, else .cf names.
std::string sendmail_names(const std::vector<SendmailOption>& ids, bool macros,
                           std::string_view last_separator = " and ");

}  // namespace mtlscert
