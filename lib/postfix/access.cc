#include "postfix/access.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/mta.h"
#include "pki/cert_info.h"
#include "pki/objects.h"
#include "postfix/options.h"

namespace mtlscert {

using enum PostfixOption;

std::vector<std::pair<std::string, std::string>> postfix_relay_settings(const std::string& table) {
  return {
      {std::string(postfix_name(RelayClientcerts)), "texthash:" + table},
      {std::string(postfix_name(FingerprintDigest)), "sha256"},
      {std::string(postfix_name(AskCcert)), "yes"},
      {std::string(postfix_name(RelayRestrictions)),
       "permit_mynetworks, permit_sasl_authenticated, permit_tls_clientcerts, reject_unauth_destination"},
  };
}

PostfixAccessResult postfix_access(const PostfixAccessRequest& request) {
  PostfixAccessResult r;
  r.settings = postfix_relay_settings(request.table);
  for (const std::string& path : request.client_files) {
    PkiFile file = load_objects_file(path, "client certificate");
    X509* leaf = nullptr;
    for (auto& o : file.objects)
      if (o.kind == ObjectKind::Certificate && o.cert) {
        leaf = o.cert.get();
        break;
      }
    if (!leaf)
      throw Error(fmt::format("client certificate '{}': holds no certificate", path), path,
                  "give the PEM certificate the client presents");
    std::string name = first_cn(X509_get_subject_name(leaf));
    if (name.empty()) name = name_rfc2253(X509_get_subject_name(leaf));
    // A texthash value is the rest of the line: keep it one word for readers of the table.
    for (char& c : name)
      if (c == ' ' || c == '\t' || static_cast<unsigned char>(c) < 0x20) c = '_';
    r.entries.push_back({sha256_fingerprint(leaf), name, path});
  }
  return r;
}

std::string postfix_access_text(const PostfixAccessResult& r) {
  std::string text = "# relay_clientcerts: client certificates (SHA-256 fingerprints) that may relay. main.cf needs:\n";
  for (const auto& [name, value] : r.settings) text += fmt::format("#   {} = {}\n", name, value);
  text += "# (mtlscert init --mta postfix writes them); then: postfix reload\n";
  for (const auto& e : r.entries) text += fmt::format("{} {}\n", e.fingerprint, e.name);
  return text;
}

std::string to_json(const PostfixAccessResult& r) {
  nlohmann::ordered_json j;
  j["mta"] = mta_name(Mta::Postfix);
  // "lines" as sendmail's access document has them: key (the fingerprint) and value.
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (const auto& e : r.entries) lines.push_back({{"key", e.fingerprint}, {"value", e.name}, {"file", e.file}});
  j["lines"] = lines;
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (const auto& [name, value] : r.settings) settings[name] = value;
  j["settings"] = settings;
  return j.dump();
}

}  // namespace mtlscert
