#include "pki/genkey.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/io.h"
#include "sendmail/options.h"

namespace mtlscert {

std::vector<std::string> key_spec_warnings(const KeySpec& spec) {
  std::vector<std::string> warnings;
  if (spec.type == KeyType::Ed25519) {
    warnings.push_back(
        fmt::format("most SMTP peers cannot use an Ed25519 certificate (no public CA issues them and many TLS "
                    "stacks lack it); use it only as a second key next to RSA or ECDSA (the comma form of {})",
                    sendmail_macro(SendmailOption::ServerCert)));
  }
  return warnings;
}

KeyFileResult create_key_file(const KeyFileRequest& request) {
  validate_key_spec(request.spec);
  io::WriteOptions options;
  options.role = "key file";
  options.overwrite = request.overwrite;
  options.mode = 0600;
  options.dry_run = request.dry_run;
  if (!request.group.empty()) {
    options.group = io::lookup_group(request.group);
    options.mode = 0640;
  }
  // Resolve the group and check the target before the (possibly slow) key generation.
  auto key = generate_key(request.spec);
  SecretString pem = private_key_pem(key.get());

  KeyFileResult result;
  result.warnings = key_spec_warnings(request.spec);
  auto write_warnings = io::write_file_atomic(request.path, pem.view(), options);
  result.warnings.insert(result.warnings.end(), write_warnings.begin(), write_warnings.end());
  result.path = request.path;
  result.mode = options.mode;
  result.group = request.group;
  result.key = summarize_key(key.get());
  if (!request.group.empty()) {
    result.warnings.push_back(
        fmt::format("the key is readable by group '{}': sendmail refuses it unless confDONT_BLAME_SENDMAIL includes "
                    "GroupReadableKeyFile (mtlscert emit-mc adds it)",
                    request.group));
  }
  return result;
}

std::string to_json(const KeyFileResult& result) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.genkey/1";
  j["path"] = result.path;
  j["mode"] = io::mode_string(result.mode);
  j["group"] = result.group.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(result.group);
  j["key"] = {
      {"algorithm", result.key.algorithm},
      {"bits", result.key.bits},
      {"curve", result.key.curve.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(result.key.curve)},
      {"label", result.key.label}};
  j["warnings"] = result.warnings;
  return j.dump(2);
}

}  // namespace mtlscert
