#include "postfix/emit.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/mta.h"
#include "core/text.h"
#include "postfix/config.h"
#include "postfix/options.h"
#include "postfix/preflight.h"

namespace mtlscert {
namespace {

using enum PostfixOption;

// A path main.cf and a shell's single quotes hold as it is: absolute, no white space (a list
// separator), no $ (expansion), no comma (separator), no quote, no control character.
std::string checked_path(const std::string& path, std::string_view flag) {
  if (path.empty() || path.front() != '/')
    throw Error(fmt::format("{} '{}': Postfix needs an absolute path", flag, path), path,
                "give the full path, e.g. /etc/mail/tls/smtp.crt");
  for (unsigned char c : path) {
    if (c <= 0x20 || c == 0x7f || c == '$' || c == ',' || c == '\'' || c == '"')
      throw Error(fmt::format("{} '{}': main.cf cannot hold this path as one value (white space, $, comma or quote)",
                              flag, path),
                  path, "move or link the file to a plain path");
  }
  return path;
}

std::vector<std::string> pair_of(const std::string& value, std::string_view flag) {
  std::vector<std::string> out = split_pair(value);
  for (auto& p : out) p = checked_path(p, flag);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> postfix_settings(const PostfixEmitRequest& r) {
  const auto certs = pair_of(r.server_cert, "--server-cert");
  const auto keys = pair_of(r.server_key, "--server-key");
  if (certs.size() != keys.size())
    throw Error(fmt::format("--server-cert names {} file(s) but --server-key {}", certs.size(), keys.size()), {},
                "give one key per certificate, in the same order");
  std::vector<std::pair<std::string, std::string>> s;
  auto set = [&](PostfixOption id, std::string value) { s.emplace_back(postfix_name(id), std::move(value)); };
  if (certs.size() == 1) {
    set(CertFile, certs[0]);
    set(KeyFile, keys[0]);
  } else {
    // Two algorithms (RSA + ECDSA): one list, each key before its certificate (Postfix >= 3.4).
    set(ChainFiles, fmt::format("{}, {}, {}, {}", keys[0], certs[0], keys[1], certs[1]));
  }
  set(CaFile, checked_path(r.cacert, "--cacert"));
  set(CaPath, checked_path(r.cacert_path, "--cacert-path"));
  set(SecurityLevel, "may");
  set(AskCcert, r.no_client_cert_request ? "no" : "yes");
  set(LogLevel, "1");
  set(ReceivedHeader, "yes");
  set(FingerprintDigest, "sha256");
  set(ClientCertFile, r.client_cert.empty() ? certs[0] : checked_path(r.client_cert, "--client-cert"));
  set(ClientKeyFile, r.client_key.empty() ? keys[0] : checked_path(r.client_key, "--client-key"));
  set(ClientCaFile, r.cacert);
  set(ClientCaPath, r.cacert_path);
  set(ClientSecurityLevel, "may");
  set(ClientLogLevel, "1");
  return s;
}

std::string postfix_fragment(const std::vector<std::pair<std::string, std::string>>& settings, std::string_view title,
                             std::string_view version) {
  std::string text = fmt::format(
      "# {}: written by mtlscert {}.\n"
      "# Append to /etc/postfix/main.cf (later definitions win), then: postfix check && postfix reload\n",
      title, version);
  for (const auto& [name, value] : settings) text += fmt::format("{} = {}\n", name, value);
  return text;
}

PostfixEmitResult emit_postfix(const PostfixEmitRequest& r, std::string_view version) {
  PostfixEmitResult res;
  res.settings = postfix_settings(r);
  for (const auto& [name, value] : res.settings) res.postconf += fmt::format("postconf -e '{} = {}'\n", name, value);
  res.fragment = postfix_fragment(res.settings, "Postfix STARTTLS parameters", version);
  if (r.check) {
    MainCf cf(res.settings.begin(), res.settings.end());
    PreflightContext ctx;
    ctx.host = r.host;
    ctx.now = r.now;
    res.findings = preflight_postfix_tls(postfix_tls_from(cf, nullptr), ctx);
    res.checked = true;
    res.blocked = has_level(res.findings, Level::Error);
  }
  if (!r.out.empty() && !res.blocked) {
    std::error_code ec;
    if (r.overwrite && std::filesystem::exists(r.out, ec) && io::read_file(r.out, "main.cf fragment") == res.fragment) {
      res.unchanged = true;
    } else {
      io::write_file_atomic(r.out, res.fragment, {0644, r.overwrite, std::nullopt, "main.cf fragment", r.dry_run});
      res.written = true;
    }
  }
  return res;
}

std::string to_json(const PostfixEmitResult& r) {
  nlohmann::ordered_json j;
  j["mta"] = mta_name(Mta::Postfix);
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (const auto& [name, value] : r.settings) settings[name] = value;
  j["settings"] = settings;
  j["postconf"] = r.postconf;
  j["checked"] = r.checked;
  j["blocked"] = r.blocked;
  j["written"] = r.written;
  return j.dump();
}

}  // namespace mtlscert
