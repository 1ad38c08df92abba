#include "cmd_genkey.h"

#include <cstdio>

#include <fmt/format.h>

#include "mtlscert/key_file.h"
#include "progress.h"

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

  if (options.out == "-") {
    validate_key_spec(spec);
    if (!options.group.empty()) throw Error("--group cannot apply to standard output (-o -)", {}, "write to a file");
    out.warn_all(key_spec_warnings(spec));
    auto key = generate_key(spec);
    SecretString pem = private_key_pem(key.get());
    std::fwrite(pem.view().data(), 1, pem.view().size(), stdout);
    return 0;
  }

  KeyFileResult r = [&] {
    std::string label = spec.type == KeyType::Rsa     ? fmt::format("RSA {}", spec.bits)
                        : spec.type == KeyType::Ecdsa ? fmt::format("ECDSA {}", spec.curve)
                                                      : std::string("Ed25519");
    Progress progress(out, fmt::format("Generating the {} key...", label));
    return create_key_file({spec, options.out, options.force, options.group});
  }();
  out.json(to_json(r));
  std::string ownership = r.group.empty() ? fmt::format("mode {:04o}", r.mode)
                                          : fmt::format("mode {:04o}, group {}", r.mode, r.group);
  out.result(fmt::format("Wrote key {} ({}, {}).", r.path, r.key.label, ownership));
  out.warn_all(r.warnings);
  out.say(fmt::format("Next: mtlscert csr --key {} --host smtp.example.org -o smtp.example.org.csr", r.path));
  return 0;
}

}  // namespace mtlscert::cli
