// options.h: Postfix's TLS parameters (main.cf), one table row each (mta_option.h), the
// sibling of sendmail/options.h.
//
// The main.cf/master.cf reader (config.cc), emit (emit.cc), the pre-flight (preflight.cc),
// doctor and access take every name, kind and log line from here. Log lines measured
// against Debian 12's Postfix 3.7.11 (smtpd, run by tests/scripts/lib/postfix_harness.sh).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/mta_option.h"

namespace mtlscert {

struct PostfixTls;

/// PostfixOption: the rows of the table, in the order doctor lists them.
enum class PostfixOption {
  ChainFiles,
  CertFile,
  KeyFile,
  EccertFile,
  EckeyFile,
  CaFile,
  CaPath,
  SecurityLevel,
  AskCcert,
  LogLevel,
  ReceivedHeader,
  FingerprintDigest,
  RelayRestrictions,
  RelayClientcerts,
  ClientChainFiles,
  ClientCertFile,
  ClientKeyFile,
  ClientCaFile,
  ClientCaPath,
  ClientSecurityLevel,
  ClientLogLevel,
};

/// PostfixOptionRow: one parameter, where the reader stores it, and whether doctor shows it.
struct PostfixOptionRow {
  PostfixOption id = {};
  MtaOption option = {};
  std::string PostfixTls::*tls = nullptr;  ///< the PostfixTls field holding its value
  bool shown = false;                      ///< doctor lists it (text and JSON "options")
};

/// postfix_option_table: every row, in PostfixOption order.
std::span<const PostfixOptionRow> postfix_option_table();

/// postfix_option: the row of id; postfix_name: its main.cf name ("smtpd_tls_CAfile").
const MtaOption& postfix_option(PostfixOption id);
std::string_view postfix_name(PostfixOption id);

/// find_postfix_option: the row named name, or nullptr.
const PostfixOptionRow* find_postfix_option(std::string_view name);

}  // namespace mtlscert
