// init.h: the whole recipe in one call: key, CSR, (private CA and certificate), the CA
// files (a short confCACERT and a hashed confCACERT_PATH), and the sendmail.mc lines,
// each step skipped when its file is already right. install_cert: put the certificate a
// CA returned where those lines expect it: lib/lifecycle/install.h checks it, writes it
// and calls finish_sendmail_install.
//
// Files in DIR (HOST = the mail server's name):
//   HOST.key               private key (0600; 0640 root:GROUP with a key group)   never overwritten
//   HOST.csr               CSR for HOST (0644), for a public CA                    rewritten only if wrong
//   HOST.crt               server+client certificate (0644), from the private CA or install_cert
//   ca/                    the private CA (ca.key 0600, ca.crt, serials) with --ca private
//   cacert.pem             confCACERT: only the CAs clients should use (sent in the CA list)
//   certs/                 confCACERT_PATH: every trusted CA, hashed (verification only)
//   mtlscert-starttls.m4   the define lines (emit-mc's template), included from sendmail.mc.
//                          Not "starttls.m4": Debian's update_tls owns /etc/mail/tls/starttls.m4
//                          and rewrites it on sendmailconfig.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/defaults.h"
#include "core/finding.h"
#include "pki/key.h"
#include "pki/subject.h"

namespace mtlscert {

struct InitResult;

/// InitLines: the files init made, for the MTA whose configuration lines it writes.
struct InitLines {
  std::string cert, key, cacert, capath, key_group;
  std::time_t now = 0;
};

struct InitRequest {
  std::string host;
  std::string dir = std::string(kDefaultInitDir);
  bool private_ca = false;  ///< --ca private
  std::string ca_dir;       ///< default DIR/ca
  std::string cacert;       ///< the CA bundle to trust (default kSystemCaBundle)
  KeySpec key;
  std::string key_group;  ///< --group: key 0640 with this group
  SubjectFields subject;
  std::time_t now = 0;
  /// lines: writes another MTA's configuration lines for these files (running its pre-flight)
  /// and adds its files, findings and next steps to the result; empty: sendmail's .m4.
  std::function<void(InitResult&, const InitLines&)> lines;
};

/// The status of a file init found right and left alone.
inline constexpr const char* kInitUnchanged = "already present; unchanged";

/// InitFile: one line of the summary.
struct InitFile {
  std::string path;
  mode_t mode = 0;
  std::string purpose;  ///< "private key: confSERVER_KEY and confCLIENT_KEY"
  std::string status;   ///< "created", "already present; unchanged", "rewritten: …", "pending: …"
};

struct InitResult {
  std::string host;
  std::string dir;      ///< absolute
  std::string mc_path;  ///< DIR/mtlscert-starttls.m4
  std::vector<InitFile> files;
  std::vector<Finding> findings;  ///< the pre-flight's, when it ran
  bool checked = false;           ///< the pre-flight ran (a certificate exists)
  bool blocked = false;           ///< an error finding: the .m4 was not (re)written
  bool dry_run = false;           ///< a preview (preview_init): nothing was written
  std::vector<std::string> warnings;
  std::vector<std::string> next_steps;
};

/// InitAction: what init does with one of its files.
enum class InitAction {
  Keep,     ///< already right: left alone
  Create,   ///< missing: made
  Rewrite,  ///< present but wrong (InitStep::why): made again (the key never is)
  Write,    ///< rebuilt from its inputs; unchanged when the bytes are the same (CA files, .m4)
  Pending,  ///< waits for the certificate (install-cert)
};

/// InitStep: one file of the plan.
struct InitStep {
  std::string path;
  mode_t mode = 0;  ///< the mode it has or will have (0: not known before it is made)
  std::string purpose;
  InitAction action = InitAction::Keep;
  std::string why;  ///< Rewrite: what is wrong with the present file; Keep: what it holds ("RSA 2048")
};

/// InitPlan: every file init would make or keep, decided from the disk as it is, before
/// anything is written. The steps are numbered as init runs them.
struct InitPlan {
  InitRequest request;                                     ///< host as validated (ASCII), subject as checked
  std::string dir;                                         ///< absolute
  std::string key, csr, cert, cacert, capath, mc, ca_dir;  ///< the files' paths
  InitStep dir_step;                                       ///< 0. the directory
  InitStep key_step;                                       ///< 1. the key
  InitStep csr_step;                                       ///< 2. the CSR
  std::optional<InitStep> ca_step, cert_step;              ///< 3. --ca private: the CA and the certificate
  InitStep cacert_step, capath_step;                       ///< 4. the CA files (Pending without a certificate)
  InitStep mc_step;                                        ///< 5. the sendmail.mc lines
  bool cert_ready = false;                                 ///< a certificate exists after step 3
  std::vector<std::string> next_steps;
  std::vector<InitStep> steps() const;  ///< the files in the order init reports them
};

/// plan_init validates the request and decides every step from the disk, writing nothing.
/// Throws Error for bad input (host, subject, key choice), a file it would not reuse (owned
/// by another user, writable by others, a world-readable key), or a key that cannot be read.
InitPlan plan_init(const InitRequest& request);

/// apply_init carries the plan out, step by step. Throws Error for a step that cannot be
/// done (unwritable DIR, a directory on the path writable by others, ...).
InitResult apply_init(const InitPlan& plan, std::string_view template_text, std::string_view version);

/// preview_init: the plan as init's summary, nothing written ("would create", ...): --dry-run.
InitResult preview_init(const InitPlan& plan);

/// init_mail_tls runs every step: apply_init(plan_init(request)).
InitResult init_mail_tls(const InitRequest& request, std::string_view template_text, std::string_view version);

/// InstalledCert: where install-cert (lib/lifecycle/install.h) has just written a checked
/// certificate (and key) for the lines in DIR/mtlscert-starttls.m4.
struct InstalledCert {
  std::string dir, mc_path, host;
  std::string cert, key, cacert, capath;  ///< the configured files (confSERVER_CERT, ...)
  std::string bundle;                     ///< the CA bundle to trust (already defaulted)
  std::string chain_pem;                  ///< the intermediates that came with the certificate
  std::time_t now = 0;
  /// lines: another MTA's lines (InitRequest::lines: Postfix's, Exim's); empty: sendmail's .m4.
  std::function<void(InitResult&, const InitLines&)> lines;
};

/// finish_install rebuilds the CA files around the installed certificate (its issuers in
/// confCACERT) and rewrites the MTA's lines (the .m4, or installed.lines), running its
/// pre-flight (result.findings, result.blocked). Throws Error when a file cannot be written.
InitResult finish_install(const InstalledCert& installed, std::string_view template_text, std::string_view version);

/// to_json: the init / install-cert documents ("mtlscert.init/1", "mtlscert.install-cert/1").
std::string to_json(const InitResult& result, std::string_view schema);

}  // namespace mtlscert
