// emit_mc.h: the sendmail.mc lines that turn STARTTLS on, rendered from
// templates/sendmail-tls.mc.in with every value checked by m4_value.h and double-quoted.
#pragma once

#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/defaults.h"
#include "core/finding.h"
#include "sendmail/preflight.h"

namespace mtlscert {

/// McRequest: the TLS files and switches emit-mc writes. Empty client cert/key default to the server's.
struct McRequest {
  std::string server_cert;  ///< one file, or RSA,ECDSA pair (then server_key is a pair too)
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string cacert;
  std::string cacert_path;
  std::string crl;                      ///< optional
  std::string dh_params;                ///< optional: absolute file, or 5, 1, 2, i, none
  bool no_client_cert_request = false;  ///< confTLS_SRV_OPTIONS `V'
  bool group_readable_key = false;      ///< append GroupReadableKeyFile to confDONT_BLAME_SENDMAIL
  std::string key_group;                ///< named in the comment of that line
  std::string include_path;             ///< where the admin will put the file (empty: kDefaultMcInclude)
};

/// McText: the rendered file and the warnings found while checking values.
struct McText {
  std::string text;
  std::vector<std::string> warnings;
};

/// complete_mc_request fills defaults (client = server) and checks every value against the
/// m4 rules: throws Error for a refused value, a missing required value, or a cert/key pair
/// mismatch (one has two files, the other one). Warnings go into *warnings.
McRequest complete_mc_request(const McRequest& request, std::vector<std::string>* warnings);

/// mc_request_tls: the sendmail options these lines set, as the pre-flight takes them.
SendmailTls mc_request_tls(const McRequest& request);

/// render_mc fills the template (complete_mc_request first). Throws Error.
McText render_mc(const McRequest& request, std::string_view template_text, std::string_view version);

/// render_template replaces @NAME@ by vars[NAME]; a line that starts with @?NAME@ is kept
/// (without that prefix) only when vars[NAME] is not empty. Throws Error on an unknown name.
std::string render_template(std::string_view text, const std::map<std::string, std::string>& vars,
                            std::string_view template_name);

/// template_path finds a template at run time: in the source tree (a build tree's binary)
/// or in the installed share directory; MTLSCERT_TEMPLATES overrides both. Throws Error.
std::string template_path(std::string_view name);

/// load_template reads template_path(name).
std::string load_template(std::string_view name);

/// EmitMcRequest: the whole emit-mc operation.
struct EmitMcRequest {
  McRequest mc;
  std::string host;                                       ///< --host: the name peers connect to; empty: not checked
  bool check = true;                                      ///< run the pre-flight (--no-check: false)
  std::string key_group = std::string(kDefaultKeyGroup);  ///< a key readable by this group gets GroupReadableKeyFile
  std::string out;                                        ///< -o: write here (atomically); empty: print only
  bool overwrite = false;                                 ///< --force
  std::time_t now = 0;
  bool dry_run = false;  ///< --dry-run: check -o as a write would, write nothing (written: would be)
};

struct EmitMcResult {
  McText mc;
  std::vector<Finding> findings;
  bool checked = false;
  bool blocked = false;  ///< an error-level finding kept -o from being written
  bool written = false;
  bool unchanged = false;  ///< -o already had exactly this content
  std::string out;
};

/// emit_mc renders the lines, decides GroupReadableKeyFile from the key files' modes and
/// groups, runs preflight_sendmail_tls on the resulting configuration (Debian's debian-mta
/// DontBlameSendmail flags assumed, RunAsUser root) and writes -o (0644) only when no
/// finding is an error. Throws Error for refused values or an unwritable -o.
EmitMcResult emit_mc(const EmitMcRequest& request, std::string_view template_text, std::string_view version);

/// to_json: the emit-mc --json document ("mtlscert.emit-mc/1").
std::string to_json(const EmitMcResult& result);

}  // namespace mtlscert
