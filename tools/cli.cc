// cli.cc: every subcommand's flags, in one translation unit because CLI11 compiles
// slowly. Callbacks only record which command to run; it runs after parsing, under
// the single catch that maps mtlscert::Error to exit 2.
#include "cli.h"

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cmd_bundle.h"
#include "cmd_genkey.h"
#include "output.h"
#include "suggest.h"

namespace mtlscert::cli {
namespace {

using Runner = std::function<int(const Output&)>;

constexpr const char* kExitCodes = R"(EXIT CODES:
  0  success
  1  a check ran and found problems
  2  usage error, unreadable or invalid input, or the operation could not be done)";

constexpr const char* kRootExamples = R"(  $ mtlscert init smtp.example.org --dir /etc/mail/tls
      the whole recipe: key, CSR, CA files and the sendmail.mc lines
  $ mtlscert genkey -o /etc/mail/tls/smtp.key
      a private key, mode 0600, never overwritten without --force
  $ mtlscert csr --key /etc/mail/tls/smtp.key --mx 'toto.com. IN MX 10 smtp.toto.com.' -o smtp.csr
      a CSR whose CN and SAN are the MX host, ready for a CA
  $ mtlscert inspect smtp.crt
      what a certificate, CSR, key or bundle holds (never key material))";

std::string help_text(const char* summary, const char* examples) {
  return fmt::format("{}\n\nEXAMPLES:\n{}\n", summary, examples);
}

// Flags every command accepts.
void add_global_flags(CLI::App* app, GlobalOptions& g) {
  app->add_flag("--json", g.json, "Print one JSON document on stdout (stable field names, a 'schema' field)");
  app->add_flag("-q,--quiet", g.quiet, "Print only errors and the result");
  app->add_flag("-v,--verbose", g.verbose, "Show OpenSSL's own error messages (also MTLSCERT_DEBUG=1)");
}

CLI::App* add_command(CLI::App& root, GlobalOptions& g, const char* name, const char* summary,
                      const char* examples) {
  CLI::App* sub = root.add_subcommand(name, summary);
  sub->description(help_text(summary, examples));
  sub->footer(kExitCodes);
  add_global_flags(sub, g);
  return sub;
}

// --- genkey -------------------------------------------------------------------
void register_genkey(CLI::App& root, GlobalOptions& g, Runner& selected) {
  auto o = std::make_shared<GenkeyOptions>();
  CLI::App* sub = add_command(root, g, "genkey", kGenkeySummary, kGenkeyExamples);
  sub->add_option("--type", o->type, "Key type: rsa, ecdsa or ed25519")->capture_default_str();
  sub->add_option("--bits", o->bits, "RSA size: 2048 (every SMTP peer accepts it), 3072 or 4096")
      ->capture_default_str();
  sub->add_option("--curve", o->curve, "ECDSA curve: P-256 or P-384")->capture_default_str();
  sub->add_option("-o,--out", o->out, "Key file to write ('-' for standard output)")->required();
  sub->add_flag("--force", o->force, "Replace an existing file (atomically)");
  sub->add_option("--group", o->group, "Make the key 0640 with this group (Debian: smmsp)");
  sub->callback([o, &selected] { selected = [o](const Output& out) { return run_genkey(*o, out); }; });
}

// --- bundle -------------------------------------------------------------------
CLI::App* add_bundle_subcommand(CLI::App* bundle, GlobalOptions& g, const char* name, const char* summary,
                                const char* examples) {
  CLI::App* sub = bundle->add_subcommand(name, summary);
  sub->description(help_text(summary, examples));
  sub->footer(kExitCodes);
  add_global_flags(sub, g);
  return sub;
}

void register_bundle(CLI::App& root, GlobalOptions& g, Runner& selected) {
  CLI::App* bundle = add_command(root, g, "bundle", kBundleSummary, kBundleExamples);
  bundle->require_subcommand(1);

  auto c = std::make_shared<BundleCheckOptions>();
  CLI::App* check = add_bundle_subcommand(bundle, g, "check", kBundleCheckSummary, kBundleCheckExamples);
  check->add_option("FILE", c->file, "The bundle, as it would be used for confCACERT (PEM, DER or PKCS#7)")
      ->required();
  check->add_option("--at", c->at, "Judge validity at DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)");
  check->add_flag("--strict", c->strict, "Exit 1 on warnings too, not only on errors");
  check->add_option("--notice-above", c->notice, "CA-list bytes above which to give a notice")->capture_default_str();
  check->add_option("--warn-above", c->warn, "CA-list bytes above which to warn (8 KiB peers)")->capture_default_str();
  check->add_option("--error-above", c->error, "CA-list bytes above which it is an error (one TLS record)")
      ->capture_default_str();
  check->add_option("--java-above", c->java, "CA-list bytes above which Java clients fail")->capture_default_str();
  check->add_option("--expiring-days", c->expiring_days, "Notice certificates expiring within this many days")
      ->capture_default_str();
  check->callback([c, &selected] { selected = [c](const Output& out) { return run_bundle_check(*c, out); }; });

  auto t = std::make_shared<BundleTrimOptions>();
  CLI::App* trim = add_bundle_subcommand(bundle, g, "trim", kBundleTrimSummary, kBundleTrimExamples);
  trim->add_option("FILE", t->file, "The bundle to clean")->required();
  trim->add_option("-o,--out", t->out, "Clean bundle to write (PEM)")->required();
  trim->add_flag("--force", t->force, "Replace an existing output file (atomically)");
  trim->add_option("--keep-issuers-of", t->keep_issuers_of,
                   "Keep only the CAs that verify this certificate's chain (repeatable; extra certificates in the "
                   "file are used as intermediates)");
  trim->add_option("--keep", t->keep, "Keep this certificate: SHA-256 fingerprint (or 8+ hex digits of it) or exact "
                                      "RFC 2253 subject (repeatable)");
  trim->add_option("--at", t->at, "Judge expiry at DATE instead of now");
  trim->callback([t, &selected] { selected = [t](const Output& out) { return run_bundle_trim(*t, out); }; });

  auto s = std::make_shared<BundleSplitOptions>();
  CLI::App* split = add_bundle_subcommand(bundle, g, "split", kBundleSplitSummary, kBundleSplitExamples);
  split->add_option("FILE", s->file, "The big bundle (e.g. /etc/ssl/certs/ca-certificates.crt)")->required();
  split->add_option("--advertise", s->advertise,
                    "Certificate whose chain's CAs go in confCACERT (your server certificate, or client "
                    "certificates you accept; repeatable)");
  split->add_option("--keep", s->keep, "Also advertise this CA: SHA-256 fingerprint or subject (repeatable)");
  split->add_option("--cacert", s->cacert, "Short confCACERT file to write")->required();
  split->add_option("--cacert-path", s->cacert_path, "confCACERT_PATH directory to fill and hash")->required();
  split->add_flag("--force", s->force, "Replace an existing confCACERT file and same-named CA files");
  split->add_option("--at", s->at, "Judge expiry at DATE instead of now");
  split->callback([s, &selected] { selected = [s](const Output& out) { return run_bundle_split(*s, out); }; });

  auto r = std::make_shared<BundleRehashOptions>();
  CLI::App* rehash = add_bundle_subcommand(bundle, g, "rehash", kBundleRehashSummary, kBundleRehashExamples);
  rehash->add_option("DIR", r->dir, "The CA directory (confCACERT_PATH)")->required();
  rehash->add_flag("-n,--dry-run", r->dry_run, "Show what would change; change nothing");
  rehash->callback([r, &selected] { selected = [r](const Output& out) { return run_bundle_rehash(*r, out); }; });
}

using Registrar = void (*)(CLI::App&, GlobalOptions&, Runner&);

// The command table, in the order of the recipe.
const Registrar kCommands[] = {
    register_genkey,
    register_bundle,
};

std::vector<std::string> command_names(const CLI::App& root) {
  std::vector<std::string> names;
  for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

}  // namespace

int run_cli(int argc, char** argv) {
  GlobalOptions global;
  Runner selected;
  CLI::App root(help_text("mtlscert: STARTTLS certificates for mail servers (sendmail, Postfix, Exim), done right.",
                          kRootExamples),
                "mtlscert");
  root.footer(fmt::format("{}\n\nRun 'mtlscert COMMAND --help' for a command's flags and examples; "
                          "see also mtlscert(1).",
                          kExitCodes));
  root.set_version_flag("--version", "mtlscert " MTLSCERT_VERSION);
  root.require_subcommand(1);
  add_global_flags(&root, global);
  for (Registrar add : kCommands) add(root, global, selected);

  if (argc >= 2 && argv[1][0] != '-') {
    auto names = command_names(root);
    std::string word = argv[1];
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      std::string guess = closest(word, names);
      fmt::print(stderr, "mtlscert: error: unknown command '{}'{}\n", word,
                 guess.empty() ? "" : fmt::format(", did you mean '{}'?", guess));
      fmt::print(stderr, "mtlscert: hint: run 'mtlscert --help' for the list of commands\n");
      return static_cast<int>(Exit::Failed);
    }
  }

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    if (argc < 2) {
      std::fputs(root.help().c_str(), stderr);
      return static_cast<int>(Exit::Failed);
    }
    fmt::print(stderr, "mtlscert: error: {}\n", e.what());
    fmt::print(stderr, "mtlscert: hint: run 'mtlscert {}--help'\n",
               argc >= 2 && argv[1][0] != '-' ? fmt::format("{} ", argv[1]) : "");
    return static_cast<int>(Exit::Failed);
  }

  Output out(global);
  try {
    return selected ? selected(out) : static_cast<int>(Exit::Failed);
  } catch (const Error& e) {
    out.error(e);
    return static_cast<int>(Exit::Failed);
  } catch (const std::bad_alloc&) {
    out.error(Error("out of memory"));
    return static_cast<int>(Exit::Failed);
  } catch (const std::exception& e) {
    out.error(Error(fmt::format("internal error: {}", e.what()), {},
                    "this is a bug in mtlscert; please report it with the command you ran"));
    return static_cast<int>(Exit::Failed);
  }
}

}  // namespace mtlscert::cli
