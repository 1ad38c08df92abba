#include "cmd_genkey.h"

#include <cstdio>

#include <fmt/format.h>

#include "pki/genkey.h"
#include "progress.h"
#include "suggest.h"

namespace mtlscert::cli {

const char* const kGenkeySummary = "Make a private key for the mail server (mode 0600, never overwritten)";
const char* const kGenkeyExamples = R"(  $ mtlscert genkey -o /etc/mail/tls/smtp.key
      RSA 2048 key, mode 0600; refuses to replace an existing file
  $ mtlscert genkey --type ecdsa -o /etc/mail/tls/smtp-ec.key
      ECDSA P-256 key, for a second (RSA + ECDSA) certificate
  $ mtlscert genkey --group smmsp -o /etc/mail/tls/smtp.key
      root:smmsp 0640 (Debian layout; needs GroupReadableKeyFile)
  $ mtlscert genkey --force -o /etc/mail/tls/smtp.key
      replace the key atomically)";

int run_genkey(const GenkeyOptions& options, const Output& out) {
  KeySpec spec;
  spec.type = parse_key_type(options.type);
  spec.bits = options.bits;
  spec.curve = options.curve;

  Report report;
  if (options.out == "-") {
    // The key would be the only thing on stdout: it cannot share it with a JSON document.
    if (out.json_mode())
      throw Error("--json and -o - both want standard output", {}, "write the key to a file with -o FILE");
    validate_key_spec(spec);
    if (!options.group.empty()) throw Error("--group cannot apply to standard output (-o -)", {}, "write to a file");
    report.add_warnings(key_spec_warnings(spec), "key-choice");
    auto key = generate_key(spec);
    SecretString pem = private_key_pem(key.get());
    out.data(pem.view());
    for (const auto& f : report.findings) out.warn(f.message);
    return static_cast<int>(exit_code(report.findings, out.strict()));
  }

  KeyFileResult r = [&] {
    std::string label = spec.type == KeyType::Rsa     ? fmt::format("RSA {}", spec.bits)
                        : spec.type == KeyType::Ecdsa ? fmt::format("ECDSA {}", spec.curve)
                                                      : std::string("Ed25519");
    Progress progress(out, fmt::format("Generating the {} key...", label));
    return create_key_file({spec, options.out, options.force, options.group});
  }();
  report.set_result(to_json(r));
  report.outputs.push_back({r.path, r.mode});
  report.add_warnings(r.warnings, "key-choice");
  std::string ownership =
      r.group.empty() ? fmt::format("mode {:04o}", r.mode) : fmt::format("mode {:04o}, group {}", r.mode, r.group);
  out.result(fmt::format("Wrote key {} ({}, {}).", r.path, r.key.label, ownership));
  std::string host = host_from_file_name(r.path);
  out.say(fmt::format("Next: mtlscert csr --key {} --host {} -o {}.csr", r.path, host.empty() ? "HOST" : host,
                      host.empty() ? "HOST" : host));
  return out.finish(report);
}

}  // namespace mtlscert::cli
