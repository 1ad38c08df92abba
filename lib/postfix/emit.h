// emit.h: the Postfix main.cf parameters that turn STARTTLS on (server and client side),
// as `postconf -e` lines or a main.cf fragment, after the pre-flight (preflight.h).
#pragma once

#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "core/finding.h"

namespace mtlscert {

struct PostfixEmitRequest {
  std::string server_cert;              ///< one file, or "rsa.crt,ec.crt" (then smtpd_tls_chain_files)
  std::string server_key;               ///< the matching key(s)
  std::string client_cert;              ///< default: the (first) server certificate
  std::string client_key;               ///< default: the (first) server key
  std::string cacert;                   ///< smtpd_tls_CAfile / smtp_tls_CAfile
  std::string cacert_path;              ///< smtpd_tls_CApath / smtp_tls_CApath
  bool no_client_cert_request = false;  ///< smtpd_tls_ask_ccert = no
  std::string host;                     ///< checked in the certificate (empty: not checked)
  bool check = true;                    ///< run the pre-flight
  std::string out;                      ///< write a main.cf fragment here (empty: none)
  bool overwrite = false;
  bool dry_run = false;  ///< --dry-run: check -o as a write would, write nothing (written: would be)
  std::time_t now = 0;
};

struct PostfixEmitResult {
  std::vector<std::pair<std::string, std::string>> settings;  ///< name, value, in order
  std::string postconf;                                       ///< `postconf -e 'name = value'` lines
  std::string fragment;                                       ///< the main.cf fragment
  std::vector<Finding> findings;
  bool checked = false;
  bool blocked = false;  ///< an error finding: -o not written
  bool written = false;
  bool unchanged = false;
};

/// postfix_settings: the parameters for request, in emit order. Throws Error for a value
/// main.cf cannot hold (relative, white space, $, comma, quote, control character).
std::vector<std::pair<std::string, std::string>> postfix_settings(const PostfixEmitRequest& request);

/// emit_postfix: settings, text, pre-flight and the -o file. Throws Error as postfix_settings,
/// or when -o cannot be written.
PostfixEmitResult emit_postfix(const PostfixEmitRequest& request, std::string_view version);

/// postfix_fragment: a main.cf fragment of settings (a comment header, then name = value).
std::string postfix_fragment(const std::vector<std::pair<std::string, std::string>>& settings, std::string_view title,
                             std::string_view version);

/// to_json: the emit document's result ("mtlscert.emit/1" with mta "postfix").
std::string to_json(const PostfixEmitResult& result);

}  // namespace mtlscert
