// cf_reader.h: the TLS options a sendmail is configured with, read from its
// sendmail.cf ("O ServerCertFile=…") or from a sendmail.mc (define(`confSERVER_CERT', …),
// following include(`…') lines), as the plain SendmailTls the pre-flight checks take.
// Every option name comes from the table (options.h); lib/postfix and lib/exim get
// sibling readers of their own files.
#pragma once

#include <string>
#include <vector>

#include "core/finding.h"
#include "sendmail/preflight.h"

namespace mtlscert {

struct SendmailConfig {
  std::string path;
  bool is_mc = false;  ///< read as m4 source (else as a .cf)
  SendmailTls tls;
  std::string run_as_user;              ///< RunAsUser as written (empty: root)
  std::string host;                     ///< confDOMAIN_NAME / "Dj" when set ($j: the name peers use)
  std::vector<std::string> files_read;  ///< path first, then each include followed
  bool any_tls_option = false;          ///< at least one TLS file option is set
  std::vector<Finding> findings;        ///< what reading found (cf-writable, mc-include-order, …)
};

/// read_sendmail_config reads path as a .mc when its name ends in .mc or .m4, or when it has
/// no "O " option line but m4 define lines; otherwise as a .cf. DontBlameSendmail: a .cf gives
/// the full list; in a .mc, DOMAIN(`debian-mta') contributes Debian's flags, a plain define
/// replaces them and a defn() append extends them. Throws Error when path cannot be read.
SendmailConfig read_sendmail_config(const std::string& path);

}  // namespace mtlscert
