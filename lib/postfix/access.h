// access.h: relaying by client certificate in Postfix: relay_clientcerts table lines (the
// certificate's SHA-256 fingerprint, as smtpd computes it with
// smtpd_tls_fingerprint_digest = sha256) and the main.cf parameters that use them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mtlscert {

struct PostfixAccessRequest {
  std::vector<std::string> client_files;                 ///< client certificates that may relay
  std::string table = "/etc/postfix/relay_clientcerts";  ///< where the table lives (texthash:)
};

struct PostfixAccessEntry {
  std::string fingerprint;  ///< "AA:BB:…" (SHA-256 of the DER)
  std::string name;         ///< the certificate's CN (or subject), for the admin
  std::string file;
};

struct PostfixAccessResult {
  std::vector<PostfixAccessEntry> entries;
  std::vector<std::pair<std::string, std::string>> settings;  ///< the main.cf parameters needed
};

/// postfix_relay_settings: the main.cf parameters relaying by certificate needs.
std::vector<std::pair<std::string, std::string>> postfix_relay_settings(const std::string& table);

/// postfix_access: one entry per certificate. Throws Error for an unreadable certificate.
PostfixAccessResult postfix_access(const PostfixAccessRequest& request);

/// postfix_access_text: the table lines, after a comment naming the main.cf parameters.
std::string postfix_access_text(const PostfixAccessResult& result);

std::string to_json(const PostfixAccessResult& result);

}  // namespace mtlscert
