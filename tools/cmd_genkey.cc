#include "cmd_genkey.h"

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "pki/genkey.h"
#include "progress.h"
#include "suggest.h"

namespace mtlscert::cli {

const char* const kGenkeySummary = "Make a private key for the mail server (mode 0600, never overwritten)";
namespace {
// The defaults the examples state, from defaults.h (formatted once, at start-up).
const std::string kGenkeyExamplesText = fmt::format(R"(  $ mtlscert genkey -o /etc/mail/tls/smtp.key
      RSA {} key, mode 0600; refuses to replace an existing file
  $ mtlscert genkey --type ecdsa -o /etc/mail/tls/smtp-ec.key
      ECDSA {} key, for a second (RSA + ECDSA) certificate
  $ mtlscert genkey --group smmsp -o /etc/mail/tls/smtp.key
      root:smmsp 0640 (Debian layout; needs GroupReadableKeyFile)
  $ mtlscert genkey --force -o /etc/mail/tls/smtp.key
      replace the key atomically)",
                                                    kDefaultRsaBits, kDefaultCurve);
}  // namespace

const char* const kGenkeyExamples = kGenkeyExamplesText.c_str();

int run_genkey(const GenkeyOptions& options, const Output& out) {
  KeyFileRequest request = options.request;
  request.spec.type = parse_key_type(options.type);
  const KeySpec& spec = request.spec;

  Report report;
  if (request.path == "-") {
    // The key would be the only thing on stdout: it cannot share it with a JSON document.
    if (out.json_mode())
      throw Error("--json and -o - both want standard output", {}, "write the key to a file with -o FILE");
    validate_key_spec(spec);
    if (!request.group.empty()) throw Error("--group cannot apply to standard output (-o -)", {}, "write to a file");
    report.add_warnings(key_spec_warnings(spec), "key-choice");
    auto key = generate_key(spec);
    SecretString pem = private_key_pem(key.get());
    if (request.dry_run) {
      out.result(fmt::format("Dry run: would write a {} key to standard output.", summarize_key(key.get()).label));
    } else {
      out.data(pem.view());
    }
    for (const auto& f : report.findings) out.warn(f.message);
    return static_cast<int>(exit_code(report.findings, out.strict()));
  }

  KeyFileResult r = [&] {
    std::string label = spec.type == KeyType::Rsa     ? fmt::format("RSA {}", spec.bits)
                        : spec.type == KeyType::Ecdsa ? fmt::format("ECDSA {}", spec.curve)
                                                      : std::string("Ed25519");
    Progress progress(out, fmt::format("Generating the {} key...", label));
    return create_key_file(request);
  }();
  report.set_result(to_json(r));
  report.outputs.push_back({r.path, r.mode, request.dry_run});
  report.add_warnings(r.warnings, "key-choice");
  std::string ownership =
      r.group.empty() ? fmt::format("mode {:04o}", r.mode) : fmt::format("mode {:04o}, group {}", r.mode, r.group);
  out.result(fmt::format("{} key {} ({}, {}).", request.dry_run ? "Dry run: would write" : "Wrote", r.path, r.key.label,
                         ownership));
  std::string host = host_from_file_name(r.path);
  if (!request.dry_run) {
    out.say(fmt::format("Next: mtlscert csr --key {} --host {} -o {}.csr", r.path, host.empty() ? "HOST" : host,
                        host.empty() ? "HOST" : host));
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
