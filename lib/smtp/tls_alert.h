// tls_alert.h: TLS alert numbers in words, with the likely cause on a mail server.
#pragma once

#include <string>
#include <string_view>

namespace mtlscert {

struct TlsAlert {
  int number = 0;
  std::string_view name;          ///< RFC 8446 name, e.g. "unknown_ca"; "unknown" if not listed
  std::string likely_cause;       ///< what usually provokes it between mail servers
};

/// describe_alert: the name and likely cause of alert `number` (the description
/// byte, without the level). Unlisted numbers get name "unknown" and a generic cause.
TlsAlert describe_alert(int number);

/// alert_text: "alert 48 (unknown_ca): <likely cause>".
std::string alert_text(int number);

}  // namespace mtlscert
