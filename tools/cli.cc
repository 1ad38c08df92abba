// cli.cc: every subcommand's flags, in one translation unit because CLI11 compiles
// slowly. Callbacks only record which command to run; it runs after parsing, under
// the single catch that maps mtlscert::Error to exit 2.
#include "cli.h"

#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cmd_access.h"
#include "cmd_bundle.h"
#include "cmd_ca.h"
#include "cmd_ca_revoke.h"
#include "cmd_csr.h"
#include "cmd_doctor.h"
#include "cmd_emit.h"
#include "cmd_emit_mc.h"
#include "cmd_genkey.h"
#include "cmd_init.h"
#include "cmd_inspect.h"
#include "cmd_install_cert.h"
#include "cmd_mta_sts.h"
#include "cmd_probe.h"
#include "cmd_received.h"
#include "cmd_tlsa.h"
#include "completion.h"
#include "mta_flag.h"
#include "output.h"
#include "sendmail/options.h"
#include "suggest.h"

namespace mtlscert::cli {
namespace {

using Runner = std::function<int(const Output&)>;

// The CA options' .mc names, for help text (the library's table holds them).
const std::string_view kCaCert = sendmail_macro(SendmailOption::CaCert);
const std::string_view kCaCertPath = sendmail_macro(SendmailOption::CaCertPath);

constexpr const char* kExitCodes = R"(EXIT CODES:
  0  done; no error-level finding
  1  an error-level finding (with --strict: any finding)
  2  could not run: usage error, unreadable or invalid input, refused write)";

constexpr const char* kRootExamples = R"(  $ mtlscert init smtp.example.org --dir /etc/mail/tls
      the whole recipe: key, CSR, CA files and the sendmail.mc lines
  $ mtlscert genkey -o /etc/mail/tls/smtp.key
      a private key, mode 0600, never overwritten without --force
  $ mtlscert csr --key /etc/mail/tls/smtp.key --mx 'toto.com. IN MX 10 smtp.toto.com.' -o smtp.csr
      a CSR whose CN and SAN are the MX host, ready for a CA
  $ mtlscert inspect smtp.crt
      what a certificate, CSR, key or bundle holds (never key material))";

// Lists each subcommand by the first line of its description (its summary), not the
// whole help text with examples that its own --help opens with.
class SummaryFormatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    std::string description = sub->get_description();
    description = description.substr(0, description.find('\n'));
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(true), description, column_width_);
    return out.str();
  }
};

std::string help_text(const char* summary, const char* examples) {
  return fmt::format("{}\n\nEXAMPLES:\n{}\n", summary, examples);
}

// Flags every command accepts.
void add_global_flags(CLI::App* app, GlobalOptions& g) {
  app->add_flag("--json", g.json, "Print one JSON document on stdout (stable field names, a 'schema' field)");
  app->add_flag("-q,--quiet", g.quiet, "Print only errors, error-level findings and the result");
  app->add_flag("--strict", g.strict, "Exit 1 on any finding (warnings, notices), not only on errors");
  app->add_flag("-v,--verbose", g.verbose, "Show OpenSSL's own error messages (also MTLSCERT_DEBUG=1)");
}

CLI::App* add_command(CLI::App& root, GlobalOptions& g, const char* name, const char* summary, const char* examples) {
  CLI::App* sub = root.add_subcommand(name, summary);
  sub->description(help_text(summary, examples));
  sub->footer(kExitCodes);
  add_global_flags(sub, g);
  return sub;
}

// Flags several commands share, bound into the library's own structs (their defaults,
// from defaults.h, are what --help shows).
void add_key_spec_flags(CLI::App* sub, KeySpec& spec, std::string& type) {
  sub->add_option("--type", type, "Key type: rsa, ecdsa or ed25519")
      ->capture_default_str()
      ->type_name("rsa|ecdsa|ed25519");
  sub->add_option("--bits", spec.bits, "RSA size: 2048, 3072 or 4096 (the default is what every SMTP peer accepts)")
      ->capture_default_str()
      ->type_name("2048|3072|4096");
  sub->add_option("--curve", spec.curve, "ECDSA curve: P-256 or P-384")
      ->capture_default_str()
      ->type_name("P-256|P-384");
}

void add_subject_flags(CLI::App* sub, SubjectFields& s) {
  sub->add_option("--country", s.country, "Country: two-letter ISO 3166 code (FR, DE, US, GB)")->type_name("CC");
  sub->add_option("--state", s.state, "State or province, full name");
  sub->add_option("--locality", s.locality, "City");
  sub->add_option("--org", s.organization, "Organization: legal name of the company, university or association");
  sub->add_option("--ou", s.unit, "Organizational unit (department)");
  sub->add_option("--email", s.email, "Contact e-mail address in the subject (usually left out)");
}

void add_dry_run(CLI::App* sub, bool& dry_run) {
  sub->add_flag("-n,--dry-run", dry_run, "Show what would change; change nothing");
}

// The one meaning of --keep, in trim and split alike.
constexpr const char* kKeepHelp =
    "Keep this certificate in the bundle written, even if expired or not a CA: SHA-256 fingerprint (or 8+ hex "
    "digits of it) or exact RFC 2253 subject (repeatable)";

// --- genkey -------------------------------------------------------------------
void register_genkey(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<GenkeyOptions>();
  CLI::App* sub = add_command(root, g, "genkey", kGenkeySummary, kGenkeyExamples);
  add_key_spec_flags(sub, o->request.spec, o->type);
  sub->add_option("-o,--out", o->request.path, "Key file to write ('-' for standard output)")
      ->required()
      ->type_name("FILE");
  sub->add_flag("--force", o->request.overwrite, "Replace an existing file (atomically)");
  add_dry_run(sub, o->request.dry_run);
  sub->add_option("--group", o->request.group, "Make the key 0640 with this group (Debian: smmsp)")->type_name("GROUP");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_genkey(*o, out); }; });
}

// --- csr ----------------------------------------------------------------------
void register_csr(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<CsrOptions>();
  CLI::App* sub = add_command(root, g, "csr", kCsrSummary, kCsrExamples);
  CsrFileRequest& r = o->request;
  sub->add_option("--key", r.key_path, "Private key file (from mtlscert genkey); its public half goes in the CSR")
      ->required()
      ->type_name("FILE");
  CLI::Option* host =
      sub->add_option("--host", r.request.host, "The mail server's host name: the CN and first SAN")->type_name("NAME");
  CLI::Option* mx = sub->add_option("--mx", o->mx,
                                    "MX record line(s), zone file or 'dig +short MX' form ('-' reads standard "
                                    "input); the lowest preference is the CN")
                        ->type_name("LINE");
  host->excludes(mx);
  sub->add_option("--san", r.request.extra_names,
                  "Another DNS name for the SAN (repeatable); the host always comes first")
      ->type_name("NAME");
  add_subject_flags(sub, r.request.subject);
  sub->add_option("-o,--out", r.path, "CSR file to write, mode 0644 ('-' for standard output)")
      ->required()
      ->type_name("FILE");
  sub->add_flag("--force", r.overwrite, "Replace an existing file (atomically)");
  add_dry_run(sub, r.dry_run);
  sub->add_flag("--interactive", o->interactive,
                "Ask for each missing subject field on standard input, explaining what it is for");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_csr(*o, out); }; });
}

// --- inspect ------------------------------------------------------------------
void register_inspect(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* sub = add_command(root, g, "inspect", kInspectSummary, kInspectExamples);
  sub->add_option("FILE", o->files, "Certificate, CSR, private key or bundle (PEM or DER)")
      ->required()
      ->type_name("FILE...");
  sub->add_option("--expires-within", o->expires_within, "Exit 1 when a certificate ends within DUR (30d, 12h, 2w)")
      ->type_name("DUR");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_inspect(*o, out); }; });
}

// --- probe --mx --mta-sts (lib/smtp/domain_probe, mta_sts_check) ----------------
void add_probe_mta_sts_flags(CLI::App* sub, ProbeCmdOptions& o) {
  CLI::Option* sts = sub->add_flag(
      "--mta-sts", o.mta_sts,
      "With --mx (or -f's --mx lines): fetch the domain's MTA-STS policy (RFC 8461; --cacert verifies its server "
      "too) and judge every MX host as a sender applying it would; report TLS-RPT (RFC 8460)");
  sub->add_option("--mta-sts-port", o.mta_sts_port,
                  "With --mta-sts: the policy server's HTTPS port (default 443; for testing a server elsewhere)")
      ->check(CLI::Range(1, 65535))
      ->take_last()
      ->type_name("PORT")
      ->needs(sts);
}

// --- probe: DNS (--dane, --mx; tools/cmd_probe_dns.cc) ---------------------------
void add_probe_dns_flags(CLI::App* sub, ProbeCmdOptions& o) {
  sub->add_flag("--dane", o.dane, "Check the served chain against the host's DNSSEC-signed TLSA records (RFC 7672)");
  sub->add_option("--mx", o.mx, "Probe every address of every MX host of this domain, and give the domain's verdict")
      ->type_name("DOMAIN");
  sub->add_option("--port", o.port, "With --mx: the SMTP port on every MX address (default 25, 465 with --smtps)")
      ->type_name("PORT");
  sub->add_option("--resolver", o.resolver, "DNS server to ask (default: /etc/resolv.conf's)")
      ->take_last()
      ->type_name("ADDR[@PORT]");
  sub->add_option("--trust-anchor", o.trust_anchor,
                  "DNSSEC trust anchor: DS or DNSKEY records in zone-file form (default: /usr/share/dns/root.key)")
      ->take_last()
      ->type_name("FILE");
  add_probe_mta_sts_flags(sub, o);
}

// --- mta-sts --------------------------------------------------------------------
void register_mta_sts(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<MtaStsOptions>();
  CLI::App* sub = add_command(root, g, "mta-sts", kMtaStsSummary, kMtaStsExamples);
  sub->add_option("--domain", o->domain, "The mail domain (the part after @)")->required()->type_name("DOMAIN");
  sub->add_option("--mx", o->mx, "An MX host name, or *.DOMAIN for any one label (repeatable)")->type_name("PATTERN");
  sub->add_option("--mode", o->mode, "enforce, testing (report only) or none (withdraw)")
      ->capture_default_str()
      ->type_name("enforce|testing|none");
  sub->add_option("--max-age", o->max_age, "Seconds senders cache the policy (at most 31557600)")
      ->capture_default_str()
      ->type_name("SECONDS");
  sub->add_option("--id", o->id, "The TXT record's id (default: the time now, 20261203T061500)")->type_name("ID");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_mta_sts(*o, out); }; });
}

// --- probe -f (many targets) ---------------------------------------------------
void add_probe_fleet_flags(CLI::App* sub, FleetCmdOptions& f) {
  sub->add_option("-f,--file", f.file,
                  "Probe every target of FILE (one HOST[:PORT] or --mx DOMAIN a line, '#' comments; '-' reads "
                  "standard input)")
      ->take_last()
      ->type_name("FILE");
  sub->add_option("--jobs", f.jobs, "With -f: how many targets are probed at once (1-1024)")
      ->capture_default_str()
      ->take_last()
      ->type_name("N");
}

// --- probe --------------------------------------------------------------------
void register_probe(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<ProbeCmdOptions>();
  ProbeOptions& p = o->request;
  CLI::App* sub = add_command(root, g, "probe", kProbeSummary, kProbeExamples);
  // An option given twice: the last one wins, so scripts can append overrides.
  sub->add_option("target", p.target, "HOST[:PORT] or [IPV6]:PORT (default port 25, 465 with --smtps)")
      ->type_name("HOST[:PORT]");
  add_probe_fleet_flags(sub, o->fleet);
  sub->add_flag("--smtps", p.smtps, "Implicit TLS (SMTPS, port 465) instead of STARTTLS");
  sub->add_option("--ehlo", p.ehlo, "Name to send in EHLO (default: this machine's hostname if it has a dot)")
      ->take_last();
  sub->add_option("--servername", p.servername, "SNI name and the name to verify (default: HOST)")->take_last();
  sub->add_option("--cacert", p.cacert, "Verify against the CA certificates in this PEM file")
      ->take_last()
      ->type_name("FILE");
  sub->add_option("--cacert-path", p.cacert_path, "Verify against this hashed CA directory (c_rehash)")
      ->take_last()
      ->type_name("DIR");
  sub->add_option("--cert", p.cert, "Client certificate (PEM chain, leaf first) to present if asked")
      ->take_last()
      ->type_name("FILE");
  sub->add_option("--key", p.key, "Private key of --cert")->take_last()->type_name("FILE");
  sub->add_option("--timeout", p.timeout_seconds, "Seconds for the connect, each reply and the handshake")
      ->capture_default_str()
      ->take_last();
  sub->add_flag("--tls1_2", o->tls1_2, "Allow only TLS 1.2");
  sub->add_flag("--tls1_3", o->tls1_3, "Allow only TLS 1.3");
  sub->add_flag("--insecure-skip-verify", p.insecure_skip_verify,
                "Report but do not enforce chain and name verification (prints a warning)");
  add_probe_dns_flags(sub, *o);
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_probe(*o, out); }; });
}

// --- ca (init, sign) -----------------------------------------------------------
void register_ca(CLI::App& root, GlobalOptions& g, Runner& selected) {
  CLI::App* ca = add_command(root, g, "ca", kCaSummary, kCaExamples);
  ca->require_subcommand(1);

  auto i = std::make_shared<CaInitOptions>();
  CLI::App* init = add_command(*ca, g, "init", kCaInitSummary, kCaInitExamples);
  init->add_option("--dir", i->request.dir, "CA directory (created 0700; must not hold a CA yet)")
      ->required()
      ->type_name("DIR");
  init->add_option("--name", i->request.name, "The CA's common name, e.g. 'Example Mail CA'")->required();
  add_key_spec_flags(init, i->request.key, i->type);
  init->add_option("--days", i->request.days, "Validity of the CA certificate in days")->capture_default_str();
  add_dry_run(init, i->request.dry_run);
  init->callback([i, &selected] { selected = [i](const Output& out) { return run_ca_init(*i, out); }; });

  auto s = std::make_shared<CaSignOptions>();
  CLI::App* sign = add_command(*ca, g, "sign", kCaSignSummary, kCaSignExamples);
  CaSignRequest& sr = s->request;
  sign->add_option("--dir", sr.dir, "CA directory made by 'ca init'")->required()->type_name("DIR");
  sign->add_option("csr", sr.csr_path, "The CSR to sign (PEM or DER)")->required()->type_name("FILE");
  sign->add_option("-o,--out", sr.out, "Certificate file to write (0644, atomically; '-' for standard output)")
      ->required()
      ->type_name("FILE");
  sign->add_option("--profile", s->profile, "server, client or server+client (the EKUs)")
      ->capture_default_str()
      ->type_name("server|client|server+client");
  sign->add_option("--days", sr.days, "Validity in days (capped at the CA's own end)")->capture_default_str();
  sign->add_flag("--force", sr.overwrite, "Replace an existing certificate (atomically)");
  add_dry_run(sign, sr.dry_run);
  sign->callback([s, &selected] { selected = [s](const Output& out) { return run_ca_sign(*s, out); }; });
}

// --- ca revoke, ca crl ---------------------------------------------------------
// Added to the `ca` group register_ca made (kCommands runs this after it).
void register_ca_revoke(CLI::App& root, GlobalOptions& g, Runner& selected) {
  CLI::App* ca = root.get_subcommand("ca");

  auto r = std::make_shared<CaRevokeOptions>();
  CLI::App* revoke = add_command(*ca, g, "revoke", kCaRevokeSummary, kCaRevokeExamples);
  revoke->add_option("--dir", r->dir, "CA directory made by 'ca init'")->required()->type_name("DIR");
  revoke->add_option("target", r->target, "The certificate file, or its serial in hex")
      ->required()
      ->type_name("SERIAL|CERT");
  revoke->add_option("--reason", r->reason, fmt::format("Why (RFC 5280): {}", revocation_reason_names()))
      ->capture_default_str()
      ->type_name("REASON");
  add_dry_run(revoke, r->dry_run);
  revoke->callback([r, &selected] { selected = [r](const Output& out) { return run_ca_revoke(*r, out); }; });

  auto c = std::make_shared<CaCrlOptions>();
  CLI::App* crl = add_command(*ca, g, "crl", kCaCrlSummary, kCaCrlExamples);
  crl->add_option("--dir", c->dir, "CA directory made by 'ca init'")->required()->type_name("DIR");
  crl->add_option("-o,--out", c->out, "CRL file to write (PEM, 0644, atomically)")->required()->type_name("FILE");
  crl->add_option("--days", c->days, "Days until the CRL's nextUpdate (rewrite it before)")->capture_default_str();
  crl->add_flag("--force", c->force,
                "Replace a file that is not a CRL of this CA (one of its CRLs is always replaced)");
  add_dry_run(crl, c->dry_run);
  crl->callback([c, &selected] { selected = [c](const Output& out) { return run_ca_crl(*c, out); }; });
}

// --- emit-mc, emit --------------------------------------------------------------
// The flags emit-mc and emit share (emit's MTA maps each to its own option names).
void add_emit_flags(CLI::App* sub, EmitMcOptions& o) {
  EmitMcRequest& r = o.request;
  sub->add_option("--server-cert", r.mc.server_cert, sendmail_option_help(SendmailOption::ServerCert))
      ->required()
      ->type_name("FILE");
  sub->add_option("--server-key", r.mc.server_key, sendmail_option_help(SendmailOption::ServerKey))
      ->required()
      ->type_name("FILE");
  sub->add_option("--client-cert", r.mc.client_cert, sendmail_option_help(SendmailOption::ClientCert))->type_name("FILE");
  sub->add_option("--client-key", r.mc.client_key, sendmail_option_help(SendmailOption::ClientKey))->type_name("FILE");
  sub->add_option("--cacert", r.mc.cacert, sendmail_option_help(SendmailOption::CaCert))->required()->type_name("FILE");
  sub->add_option("--cacert-path", r.mc.cacert_path, sendmail_option_help(SendmailOption::CaCertPath))
      ->required()
      ->type_name("DIR");
  sub->add_option("--crl", r.mc.crl, sendmail_option_help(SendmailOption::Crl))->type_name("FILE");
  sub->add_option("--dh-params", r.mc.dh_params, sendmail_option_help(SendmailOption::DhParameters))->type_name("FILE");
  sub->add_option("--host", r.host, "The name peers connect to (MX target): checked in the SAN and CN")
      ->type_name("NAME");
  sub->add_flag("--no-client-cert-request", r.mc.no_client_cert_request,
                sendmail_option_help(SendmailOption::TlsSrvOptions));
  sub->add_option("--key-group", r.key_group, "A key readable by this group (only) gets GroupReadableKeyFile appended")
      ->capture_default_str()
      ->type_name("GROUP");
  sub->add_flag("--no-check", o.no_check, "Skip the pre-flight checks (the m4 value rules still apply)");
  sub->add_option("-o,--out", r.out, "Write the lines to this file (0644, atomically); '-' or none: standard output")
      ->type_name("FILE");
  sub->add_flag("--force", r.overwrite, "Replace an existing -o file");
  add_dry_run(sub, r.dry_run);
}

void add_mta_flag(CLI::App* sub, std::string& mta, const char* description) {
  sub->add_option("--mta", mta, description)
      ->check(CLI::IsMember({"sendmail", "postfix", "exim"}))
      ->capture_default_str()
      ->type_name(kMtaTypeName);
}

void register_emit_mc(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<EmitMcOptions>();
  CLI::App* sub = add_command(root, g, "emit-mc", kEmitMcSummary, kEmitMcExamples);
  add_emit_flags(sub, *o);
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_emit_mc(*o, out); }; });
}

// --exim-style: which Exim configuration the lines are for (issue 16: the library had both).
void add_exim_style_flag(CLI::App* sub, std::string& style) {
  sub->add_option("--exim-style", style,
                  "--mta exim: debian (MAIN_TLS_* macros for Debian's configuration) or plain (main-section "
                  "tls_* lines for any other exim.conf)")
      ->check(CLI::IsMember({"debian", "plain"}))
      ->capture_default_str()
      ->type_name("debian|plain");
}

void register_emit(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<EmitOptions>();
  CLI::App* sub = add_command(root, g, "emit", kEmitSummary, kEmitExamples);
  add_mta_flag(sub, o->mta, "The mail server to write lines for (sendmail: what emit-mc prints)");
  add_emit_flags(sub, *o);
  add_exim_style_flag(sub, o->exim_style);
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_emit(*o, out); }; });
}

// --- completion -------------------------------------------------------------
// Hidden from --help (a packaging helper, documented in mtlscert(1)): prints the bash or zsh
// completion script, made by walking this very App, so it always matches the flags above.
// Value completion follows the type names --help shows (see completion.h).
CompletionCommand describe_app(const CLI::App& app, const std::string& name) {
  CompletionCommand c;
  c.name = name;
  c.summary = app.get_description().substr(0, app.get_description().find('\n'));
  c.hidden = app.get_parent() != nullptr && app.get_group().empty();
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_group().empty()) continue;  // a hidden option
    if (o->nonpositional()) {
      CompletionOption co;
      for (const auto& l : o->get_lnames()) co.names.push_back("--" + l);
      for (const auto& s : o->get_snames()) co.names.push_back("-" + s);
      co.description = o->get_description();
      co.takes_value = o->get_expected_max() > 0 && o->get_type_size_max() > 0;
      co.type_name = o->get_type_name();
      c.options.push_back(std::move(co));
    }
    if (o->get_positional()) c.positional_types.push_back(o->get_type_name());
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    c.subcommands.push_back(describe_app(*sub, sub->get_name()));
  }
  return c;
}

constexpr const char* kCompletionExamples =
    R"(  $ mtlscert completion bash > /usr/share/bash-completion/completions/mtlscert
      what the Debian package installs (generated at build time)
  $ source <(mtlscert completion bash)
      completion in the current bash, from a build tree
  $ mtlscert completion zsh > ~/.zfunc/_mtlscert
      for zsh, with ~/.zfunc in $fpath before compinit)";

void register_completion(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto shell = std::make_shared<std::string>();
  const char* summary = "Print the bash or zsh completion script for mtlscert";
  CLI::App* sub = root.add_subcommand("completion", summary);
  sub->description(help_text(summary, kCompletionExamples));
  sub->footer(kExitCodes);
  sub->group("");
  add_global_flags(sub, g);
  sub->add_option("shell", *shell, "Shell to write the script for")->required()->check(CLI::IsMember({"bash", "zsh"}));
  sub->callback([&root, shell, &selected] {
    selected = [&root, shell](const Output& out) {
      CompletionCommand tree = describe_app(root, "mtlscert");
      std::string script =
          *shell == "zsh" ? zsh_completion(tree, MTLSCERT_VERSION) : bash_completion(tree, MTLSCERT_VERSION);
      Report report;
      report.result = {{"shell", *shell}, {"script", script}};
      report.data_on_stdout = true;
      if (!out.json_mode()) out.data(script);
      return out.finish(report);
    };
  });
}

// --- bundle -------------------------------------------------------------------
void register_bundle(CLI::App& root, GlobalOptions& g, Runner& selected) {
  CLI::App* bundle = add_command(root, g, "bundle", kBundleSummary, kBundleExamples);
  bundle->require_subcommand(1);

  auto c = std::make_shared<BundleCheckOptions>();
  CLI::App* check = add_command(*bundle, g, "check", kBundleCheckSummary, kBundleCheckExamples);
  check
      ->add_option("FILE", c->file, fmt::format("The bundle, as it would be used for {} (PEM, DER or PKCS#7)", kCaCert))
      ->required()
      ->type_name("FILE");
  check->add_option("--at", c->at, "Judge validity at DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)");
  CaListThresholds& bands = c->check.thresholds;
  check->add_option("--notice-above", bands.notice, "CA-list bytes above which to give a notice")
      ->capture_default_str();
  check->add_option("--warn-above", bands.warn, "CA-list bytes above which to warn (8 KiB peers)")
      ->capture_default_str();
  check->add_option("--error-above", bands.error, "CA-list bytes above which it is an error (one TLS record)")
      ->capture_default_str();
  check->add_option("--java-above", bands.java, "CA-list bytes above which Java clients fail")->capture_default_str();
  check->add_option("--expiring-days", c->check.expiring_days, "Notice certificates expiring within this many days")
      ->capture_default_str();
  check->callback([c, &selected] { selected = [c](const Output& out) { return run_bundle_check(*c, out); }; });

  auto t = std::make_shared<BundleTrimOptions>();
  CLI::App* trim = add_command(*bundle, g, "trim", kBundleTrimSummary, kBundleTrimExamples);
  TrimRequest& tr = t->request;
  trim->add_option("FILE", tr.path, "The bundle to clean")->required()->type_name("FILE");
  trim->add_option("-o,--out", tr.out, "Clean bundle to write (PEM; '-' for standard output)")
      ->required()
      ->type_name("FILE");
  trim->add_flag("--force", tr.overwrite, "Replace an existing output file (atomically)");
  add_dry_run(trim, tr.dry_run);
  trim->add_option("--keep-issuers-of", tr.select.keep_issuers_of,
                   "Keep only the CAs that verify this certificate's chain (repeatable; extra certificates in the "
                   "file are used as intermediates)")
      ->type_name("FILE");
  trim->add_option("--keep", tr.select.keep, kKeepHelp)->type_name("CA");
  trim->add_option("--at", t->at, "Judge expiry at DATE instead of now")->type_name("DATE");
  trim->callback([t, &selected] { selected = [t](const Output& out) { return run_bundle_trim(*t, out); }; });

  auto s = std::make_shared<BundleSplitOptions>();
  CLI::App* split = add_command(*bundle, g, "split", kBundleSplitSummary, kBundleSplitExamples);
  SplitRequest& spr = s->request;
  split->add_option("FILE", spr.path, "The big bundle (e.g. /etc/ssl/certs/ca-certificates.crt)")
      ->required()
      ->type_name("FILE");
  split
      ->add_option("--advertise", spr.advertise.keep_issuers_of,
                   fmt::format("Certificate whose chain's CAs go in {} (your server certificate, or client "
                               "certificates you accept; repeatable)",
                               kCaCert))
      ->type_name("FILE");
  split->add_option("--keep", spr.advertise.keep, kKeepHelp)->type_name("CA");
  split->add_option("--out-cacert", spr.cacert, fmt::format("Short {} file to write", kCaCert))->type_name("FILE");
  split->add_option("--out-cacert-path", spr.cacert_path, fmt::format("{} directory to fill and hash", kCaCertPath))
      ->type_name("DIR");
  // The old spellings: --cacert names a file to read everywhere else. Hidden, with a notice.
  split->add_option("--cacert", s->old_cacert, "Deprecated: --out-cacert")->type_name("FILE")->group("");
  split->add_option("--cacert-path", s->old_cacert_path, "Deprecated: --out-cacert-path")->type_name("DIR")->group("");
  split->add_flag("--force", spr.overwrite, fmt::format("Replace an existing {} file and same-named CA files", kCaCert));
  add_dry_run(split, spr.dry_run);
  split->add_option("--at", s->at, "Judge expiry at DATE instead of now")->type_name("DATE");
  split->callback([s, &selected] { selected = [s](const Output& out) { return run_bundle_split(*s, out); }; });

  auto r = std::make_shared<BundleRehashOptions>();
  CLI::App* rehash = add_command(*bundle, g, "rehash", kBundleRehashSummary, kBundleRehashExamples);
  rehash->add_option("DIR", r->dir, fmt::format("The CA directory ({})", kCaCertPath))->required()->type_name("DIR");
  rehash->add_flag("-n,--dry-run", r->dry_run, "Show what would change; change nothing");
  rehash->callback([r, &selected] { selected = [r](const Output& out) { return run_bundle_rehash(*r, out); }; });
}

// --- init, install-cert, doctor, access, received (the admin commands) ---------------
void add_key_subject_flags(CLI::App* sub, InitOptions& o) {
  sub->add_option("--type", o.type, "Key type: rsa, ecdsa or ed25519")
      ->capture_default_str()
      ->type_name("rsa|ecdsa|ed25519");
  sub->add_option("--bits", o.bits, "RSA size: 2048 (every SMTP peer accepts it), 3072 or 4096")
      ->capture_default_str()
      ->type_name("2048|3072|4096");
  sub->add_option("--curve", o.curve, "ECDSA curve: P-256 or P-384")->capture_default_str()->type_name("P-256|P-384");
  sub->add_option("--group", o.group, "Make the key 0640 with this group (Debian: smmsp)")->type_name("GROUP");
  sub->add_option("--country", o.country, "Country: two-letter ISO 3166 code (FR, DE, US, GB)")->type_name("CC");
  sub->add_option("--state", o.state, "State or province, full name");
  sub->add_option("--locality", o.locality, "City");
  sub->add_option("--org", o.org, "Organization: legal name of the company, university or association");
  sub->add_option("--ou", o.ou, "Organizational unit (department)");
  sub->add_option("--email", o.email, "Contact e-mail address in the subject (usually left out)");
}

void register_init(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* sub = add_command(root, g, "init", kInitSummary, kInitExamples);
  sub->add_option("HOST", o->host, "The mail server's name peers connect to (MX target)")->required();
  sub->add_option("--dir", o->dir, "Directory for every file (created 0755)")->capture_default_str()->type_name("DIR");
  sub->add_option("--ca", o->ca, "private: an organisation CA signs a server+client certificate; none: only the CSR")
      ->check(CLI::IsMember({"private", "none"}))
      ->capture_default_str();
  sub->add_option("--ca-dir", o->ca_dir, "The private CA's directory (default DIR/ca; reused if it holds a CA)")
      ->type_name("DIR");
  sub->add_option("--cacert", o->cacert, "CA bundle to verify peers with (default: the system bundle)")
      ->type_name("FILE");
  add_mta_flag(sub, o->mta, "The mail server whose lines init writes (the key, CSR and CA files are the same)");
  add_key_subject_flags(sub, *o);
  sub->add_flag("-n,--dry-run", o->dry_run, "Show what would be made or kept; write nothing");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_init(*o, out); }; });
}

void register_install_cert(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<InstallCertOptions>();
  CLI::App* sub = add_command(root, g, "install-cert", kInstallCertSummary, kInstallCertExamples);
  sub->add_option("CERT", o->cert, "The certificate the CA returned (PEM; leaf first, chain after it)")
      ->type_name("FILE");
  sub->add_option("--from-certbot", o->from_certbot,
                  "A certbot lineage (\"$RENEWED_LINEAGE\"): its cert.pem, chain.pem and privkey.pem")
      ->type_name("DIR");
  sub->add_option("--cert", o->cert_file, "The certificate (as CERT)")->type_name("FILE");
  sub->add_option("--chain", o->chain, "The intermediate certificates")->type_name("FILE");
  sub->add_option("--key", o->key, "The certificate's key (default: the key init made in DIR)")->type_name("FILE");
  sub->add_option("--dir", o->dir, "The directory init made")->capture_default_str()->type_name("DIR");
  sub->add_option("--mta", o->mta, "The mail server whose files to replace (default: the one init wrote lines for)")
      ->check(CLI::IsMember({"sendmail", "postfix", "exim"}))
      ->type_name(kMtaTypeName);
  sub->add_option("--cacert", o->cacert, "CA bundle the chain must verify against (default: the system bundle)")
      ->type_name("FILE");
  sub->add_option("--reload", o->reload, "Shell command that reloads the MTA, run only when the pre-flight is clean")
      ->type_name("CMD");
  sub->add_option("--probe", o->probe, "After the reload, probe HOST[:PORT]; roll back unless it serves the new serial")
      ->type_name("HOST[:PORT]");
  sub->add_option("--timeout", o->probe_timeout, "Seconds for each step of the probe")->capture_default_str();
  sub->add_flag("-n,--dry-run", o->dry_run, "Check and say what would be done; write nothing");
  sub->add_flag("--dane", o->dane,
                "Refuse a certificate whose key no published TLSA record (_25._tcp.HOST, DNSSEC-validated) names");
  sub->add_option("--resolver", o->resolver, "With --dane: the DNS server to ask (default: /etc/resolv.conf's)")
      ->type_name("ADDR[@PORT]");
  sub->add_option("--trust-anchor", o->trust_anchor,
                  "With --dane: DNSSEC trust anchor file (default: /usr/share/dns/root.key)")
      ->type_name("FILE");
  sub->add_flag("--force", o->force, "With --dane: install even when no published TLSA record matches");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_install_cert(*o, out); }; });
}

void register_doctor(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<DoctorOptions>();
  CLI::App* sub = add_command(root, g, "doctor", kDoctorSummary, kDoctorExamples);
  sub->add_option("FILE", o->request.path,
                  "sendmail.cf or .mc, Postfix main.cf or master.cf, Exim's configuration or Debian's split "
                  "config dir (default: /etc/mail/sendmail.cf, or the --mta's own)")
      ->type_name("FILE");
  sub->add_option("--mta", o->mta, "The mail server FILE belongs to (default: recognised from FILE)")
      ->check(CLI::IsMember({"sendmail", "postfix", "exim"}))
      ->type_name(kMtaTypeName);
  sub->add_option("--host", o->request.host, "The name peers connect to (default: the configured $j, if literal)");
  sub->add_option("--expires-within", o->expires_within, "Exit 1 when the server certificate ends within DUR (30d)")
      ->type_name("DUR");
  sub->add_option("--probe", o->probe, "Compare the certificate HOST[:PORT] serves with the configured file")
      ->type_name("HOST[:PORT]");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_doctor(*o, out); }; });
}

void register_access(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<AccessOptions>();
  AccessRequest& r = o->request;
  CLI::App* sub = add_command(root, g, "access", kAccessSummary, kAccessExamples);
  add_mta_flag(sub, o->mta, "The mail server whose relay lines to print");
  sub->add_option("--ca", r.ca_files, "CA certificate: CERTISSUER:<its name> RELAY (repeatable)")->type_name("FILE");
  sub->add_option("--client", r.client_files, "Client certificate: CERTSUBJECT:<its name> RELAY (repeatable)")
      ->type_name("FILE");
  sub->add_flag("--subject", r.subject_rhs, "CA lines say SUBJECT: relay only for the CERTSUBJECT: lines");
  sub->add_option("--tls-srv", r.tls_srv, "TLS_Srv:NAME policy line (sendmail delivering to NAME; repeatable)")
      ->type_name("NAME");
  sub->add_option("--tls-clt", r.tls_clt, "TLS_Clt:NAME policy line (mail from NAME; repeatable)")->type_name("NAME");
  sub->add_option("--policy", r.policy, "Policy: VERIFY, VERIFY:BITS or ENCR:BITS")->capture_default_str();
  sub->add_option("--cn", r.cn, "Also require this CN in the peer's certificate (+CN:NAME)")->type_name("NAME");
  sub->add_option("--trust-store", r.trust_store_dir, "Hashed public roots: an issuer found there is a public CA")
      ->capture_default_str()
      ->type_name("DIR");
  sub->add_flag("--allow-public-ca", r.allow_public_ca,
                "Print CERTISSUER: RELAY for a public --ca anyway (an open relay for its customers)");
  sub->add_option("-o,--out", o->out, "Write the lines to this file (0644, atomically); '-' or none: standard output")
      ->type_name("FILE");
  sub->add_flag("--force", o->force, "Replace an existing -o file");
  add_dry_run(sub, o->dry_run);
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_access(*o, out); }; });
}

void register_received(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<ReceivedOptions>();
  CLI::App* sub = add_command(root, g, "received", kReceivedSummary, kReceivedExamples);
  sub->add_option("FILE", o->file, "The message (headers first; '-' or nothing: standard input)")
      ->capture_default_str()
      ->type_name("FILE");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_received(*o, out); }; });
}

using Registrar = void (*)(CLI::App&, GlobalOptions&, Runner&);

// The command table, in the order of the recipe.
// --- tlsa ---------------------------------------------------------------------
void register_tlsa(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<TlsaCmdOptions>();
  CLI::App* sub = add_command(root, g, "tlsa", kTlsaSummary, kTlsaExamples);
  sub->add_option("FILE", o->file, "The server's certificate or private key, or the private CA's certificate")
      ->required()
      ->type_name("FILE");
  sub->add_option("--host", o->host, "The MX host name peers connect to (the record's owner)")
      ->required()
      ->type_name("NAME");
  sub->add_option("--port", o->port, "The SMTP port of the record's owner name")->capture_default_str();
  sub->add_option("--usage", o->usage, "auto (dane-ta for a CA certificate), dane-ee (3) or dane-ta (2)")
      ->capture_default_str()
      ->type_name("auto|dane-ee|dane-ta");
  sub->add_option("--next", o->next, "Make the next key now (mode 0600) and print its record too")->type_name("FILE");
  sub->add_flag("--force", o->force, "Replace an existing --next file (atomically)");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_tlsa(*o, out); }; });
}

const Registrar kCommands[] = {
    register_init,   register_install_cert, register_genkey,   register_csr,        register_ca,
    register_bundle, register_emit_mc,      register_emit,     register_probe,      register_inspect,
    register_doctor, register_access,       register_received, register_completion, register_ca_revoke,
    register_tlsa,   register_mta_sts,
};

std::vector<std::string> command_names(const CLI::App& root) {
  std::vector<std::string> names;
  for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

const CLI::App* find_subcommand(const CLI::App& app, std::string_view name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// command_path: "bundle check" from the words of argv that name subcommands (also when
// parsing failed, so that the error document names the command the user meant); leaf
// is true when that path names a command that runs, not a group like "bundle".
std::string command_path(const CLI::App& root, int argc, char** argv, bool& leaf) {
  const CLI::App* app = &root;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word == "--") break;
    if (word.empty() || word[0] == '-') continue;
    if (const CLI::App* sub = find_subcommand(*app, word)) {
      app = sub;
      path += (path.empty() ? "" : " ") + std::string(word);
    }
  }
  leaf = app != &root && app->get_subcommands([](const CLI::App*) { return true; }).empty();
  return path;
}

bool has_word(int argc, char** argv, std::string_view flag) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") return false;
    if (std::string_view(argv[i]) == flag) return true;
  }
  return false;
}

}  // namespace

int run_cli(int argc, char** argv) {
  GlobalOptions global;
  Runner selected;
  CLI::App root(help_text("mtlscert: STARTTLS certificates for mail servers (sendmail, Postfix, Exim), done right.",
                          kRootExamples),
                "mtlscert");
  root.footer(
      fmt::format("{}\n\nRun 'mtlscert COMMAND --help' for a command's flags and examples; "
                  "see also mtlscert(1).",
                  kExitCodes));
  root.formatter(std::make_shared<SummaryFormatter>());
  root.set_version_flag("--version", "mtlscert " MTLSCERT_VERSION, "Print the version (a JSON document with --json)");
  root.require_subcommand(1);
  add_global_flags(&root, global);
  for (Registrar add : kCommands) add(root, global, selected);

  // The command and the output mode are known from argv before parsing, so that a
  // usage error with --json is a JSON document too.
  bool leaf = false;
  global.command = command_path(root, argc, argv, leaf);
  global.json = has_word(argc, argv, "--json");
  if (!leaf) global.command.clear();
  Output early(global);

  if (argc >= 2 && argv[1][0] != '-') {
    auto names = command_names(root);
    std::string word = argv[1];
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      std::string guess = closest(word, names);
      return early.fail(Error(
          fmt::format("unknown command '{}'{}", word, guess.empty() ? "" : fmt::format(", did you mean '{}'?", guess)),
          {}, "run 'mtlscert --help' for the list of commands"));
    }
  }

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion&) {
    return early.print_version(MTLSCERT_VERSION);
  } catch (const CLI::ParseError& e) {
    if (argc < 2) {
      std::fputs(root.help().c_str(), stderr);
      return static_cast<int>(Exit::Failed);
    }
    std::string hint = fmt::format("run 'mtlscert {}--help'", global.command.empty() ? "" : global.command + " ");
    return early.fail(Error(e.what(), {}, hint));
  }

  Output out(global);
  try {
    return selected ? selected(out) : out.fail(Error("no command given", {}, "run 'mtlscert --help'"));
  } catch (const Error& e) {
    return out.fail(e);
  } catch (const std::bad_alloc&) {
    return out.fail(Error("out of memory"));
  } catch (const std::exception& e) {
    return out.fail(Error(fmt::format("internal error: {}", e.what()), {},
                          "this is a bug in mtlscert; please report it with the command you ran"));
  }
}

}  // namespace mtlscert::cli
