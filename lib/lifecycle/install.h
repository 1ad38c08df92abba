// install.h: install-cert, the deploy hook: a renewed certificate (certbot's lineage, or
// --cert/--chain/--key files, or a CERT for the key init made) checked, installed beside
// the old files (kept as *.prev), the MTA's pre-flight run, the MTA reloaded only when
// healthy, probed, and rolled back (old files restored, reloaded again) when the probe
// fails or serves another serial.
//
// Files (DIR made by `mtlscert init`; sendmail: the paths come from DIR/mtlscert-starttls.m4;
// Postfix and Exim: init's names, their lines in DIR rewritten and checked by their pre-flight):
//   HOST.crt, HOST.key, cacert.pem   replaced atomically; the previous ones kept as *.prev
//   certs/                           the hashed CA directory, rebuilt (not rolled back: it
//                                    only gains the new issuers)
//
// Outcomes (InstallOutcome::outcome) and exit codes (tools/cmd_install_cert.cc):
//   "installed"    0  installed (and, with a reload and a probe, served)
//   "would-install" 0 --dry-run: every check passed, nothing written
//   "rolled-back"  1  installed, then the pre-flight, the reload or the probe failed: the
//                     previous files are back (and reloaded): finding install-rolled-back
//   (Error)        2  refused before anything was written (key, host, dates, chain, ...), or
//                     the rollback itself failed (the message names the *.prev to restore)
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/defaults.h"
#include "core/mta.h"
#include "lifecycle/dane_gate.h"
#include "sendmail/init.h"

namespace mtlscert {

struct InstallRequest {
  std::string from_certbot;  ///< a certbot lineage (cert.pem, chain.pem, fullchain.pem, privkey.pem)
  std::string cert;          ///< the certificate (leaf first; a chain may follow it)
  std::string chain;         ///< more chain certificates (optional)
  std::string key;           ///< the certificate's key; empty: the key already in DIR
  std::string dir = std::string(kDefaultInitDir);
  std::optional<Mta> mta;  ///< empty: the MTA whose lines init wrote in DIR
  std::string cacert;  ///< the CA bundle to trust (default kSystemCaBundle)
  std::string reload;  ///< shell command that makes the MTA read the new files
  std::string probe;   ///< HOST[:PORT] to probe after the reload (empty: no probe)
  int probe_timeout = 30;
  std::optional<DaneGate> dane;  ///< --dane: the new chain must match the published TLSA records
  bool dry_run = false;
  std::time_t now = 0;
};

/// InstallPlan: what install would write, decided and checked before any write.
struct InstallPlan {
  InstallRequest request;
  Mta mta = Mta::Sendmail;
  InstalledCert files;   ///< the target files (DIR's lines)
  std::string cert_pem;  ///< leaf + chain, as written to files.cert
  std::string key_pem;   ///< the new key as read (empty: the key in DIR is kept)
  mode_t key_mode = 0600;
  std::string serial;      ///< the new leaf's serial (hex)
  std::string not_after;   ///< ISO 8601
  std::size_t certs = 0;   ///< certificates in cert_pem
  std::string old_serial;  ///< the serial of the certificate it replaces ("" when none)
  std::vector<std::string> warnings;
  std::vector<std::string> checks;  ///< checks beyond the fixed ones, as steps ("DANE: ... matches ...")
};

/// plan_install reads the source and DIR's lines and checks the certificate: it matches the
/// key (the lineage's or DIR's), names the host (HOST.key's name), is valid at `now`, chains
/// to the CA bundle (with its own chain), and has clientAuth when the MTA's client side
/// uses it (a warning: the server side still works). Throws Error naming the file, the
/// problem and the next step; writes nothing.
InstallPlan plan_install(const InstallRequest& request);

struct InstallOutcome {
  InitResult result;               ///< the files and their status, the pre-flight's findings
  std::string outcome;             ///< "installed", "would-install", "rolled-back"
  std::string serial;              ///< the new certificate's serial
  std::string old_serial;          ///< the one it replaced
  std::string served;              ///< the serial the probe saw last ("" without a probe)
  std::vector<std::string> steps;  ///< what was done, in order ("reload: exit 0", ...)
};

/// Hooks (for tests): run a shell command (exit status), and probe HOST[:PORT] for the served
/// leaf's serial (throws Error with the reason when the probe fails or does not verify).
struct InstallHooks {
  std::function<int(const std::string& command)> run;
  std::function<std::string(const InstallPlan& plan)> served_serial;
};
InstallHooks default_install_hooks();

/// install carries the plan out (see the outcomes above). Never called for --dry-run:
/// preview_install says what would happen.
InstallOutcome install(const InstallPlan& plan, const InstallHooks& hooks, std::string_view template_text,
                       std::string_view version);
InstallOutcome preview_install(const InstallPlan& plan);

/// to_json: "mtlscert.install-cert/3".
std::string to_json(const InstallOutcome& outcome, std::string_view schema);

}  // namespace mtlscert
