#include "sendmail/emit_mc.h"

#include <sys/stat.h>

#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/data_dir.h"
#include "core/error.h"
#include "core/io.h"
#include "core/text.h"
#include "pki/names.h"
#include "sendmail/file_safety.h"
#include "sendmail/m4_value.h"
#include "sendmail/options.h"
#include "sendmail/preflight.h"

namespace mtlscert {
namespace {

using enum SendmailOption;

// The m4 rules a value of this option must pass (m4_value.h), from its row's kind.
M4ValueKind m4_kind(const MtaOption& o, std::string_view value) {
  switch (o.value) {
    case OptionValue::FilePair: return M4ValueKind::PathPair;
    case OptionValue::File:
    case OptionValue::Directory: return M4ValueKind::Path;
    case OptionValue::FileOrKeyword: return is_option_keyword(o, value) ? M4ValueKind::Word : M4ValueKind::Path;
    default: return M4ValueKind::Word;
  }
}

std::size_t checked(SendmailOption id, const std::string& value, std::vector<std::string>* warnings) {
  const MtaOption& o = sendmail_option(id);
  M4Value v = check_m4_value(o.macro, value, m4_kind(o, value), o.flag);
  if (warnings) warnings->insert(warnings->end(), v.warnings.begin(), v.warnings.end());
  return v.parts.size();
}

void require(const std::string& value, SendmailOption id) {
  const MtaOption& o = sendmail_option(id);
  if (value.empty()) {
    throw Error(fmt::format("{} is required: sendmail offers STARTTLS only when {} is set", o.flag, o.macro), {},
                "see mtlscert emit-mc --help");
  }
}

void check_pair(std::size_t cert_parts, std::size_t key_parts, SendmailOption cert, SendmailOption key) {
  const std::string_view cert_flag = sendmail_option(cert).flag;
  const std::string_view key_flag = sendmail_option(key).flag;
  if (cert_parts != key_parts) {
    throw Error(fmt::format("{} names {} file(s) but {} names {}: for an RSA + ECDSA pair give both as "
                            "FIRST,SECOND in the same order",
                            cert_flag, cert_parts, key_flag, key_parts),
                {},
                "e.g. --server-cert /etc/mail/tls/rsa.crt,/etc/mail/tls/ec.crt --server-key "
                "/etc/mail/tls/rsa.key,/etc/mail/tls/ec.key");
  }
}

}  // namespace

McRequest complete_mc_request(const McRequest& in, std::vector<std::string>* warnings) {
  McRequest r = in;
  require(r.server_cert, ServerCert);
  require(r.server_key, ServerKey);
  require(r.cacert, CaCert);
  require(r.cacert_path, CaCertPath);
  if (r.client_cert.empty() != r.client_key.empty()) {
    throw Error("--client-cert and --client-key go together", {},
                "give both, or neither (the client then uses the server's certificate and key)");
  }
  if (r.client_cert.empty()) {
    r.client_cert = r.server_cert;
    r.client_key = r.server_key;
  }
  const std::size_t server_certs = checked(ServerCert, r.server_cert, warnings);
  check_pair(server_certs, checked(ServerKey, r.server_key, warnings), ServerCert, ServerKey);
  if (!in.client_cert.empty()) {
    const std::size_t client_certs = checked(ClientCert, r.client_cert, warnings);
    check_pair(client_certs, checked(ClientKey, r.client_key, warnings), ClientCert, ClientKey);
  }
  checked(CaCert, r.cacert, warnings);
  checked(CaCertPath, r.cacert_path, warnings);
  if (!r.crl.empty()) checked(Crl, r.crl, warnings);
  if (!r.dh_params.empty()) checked(DhParameters, r.dh_params, warnings);
  // The group name goes into a dnl comment line: a newline in it would start a line of its own.
  if (!r.key_group.empty()) {
    check_m4_value(sendmail_macro(DontBlameSendmail), r.key_group, M4ValueKind::Word, "--key-group");
  }
  if (r.include_path.empty()) r.include_path = std::string(kDefaultMcInclude);
  check_m4_value("include", r.include_path, M4ValueKind::Path, "-o");
  return r;
}

SendmailTls mc_request_tls(const McRequest& r) {
  SendmailTls tls;
  tls.server_cert_file = r.server_cert;
  tls.server_key_file = r.server_key;
  tls.client_cert_file = r.client_cert;
  tls.client_key_file = r.client_key;
  tls.ca_cert_file = r.cacert;
  tls.ca_cert_path = r.cacert_path;
  tls.crl_file = r.crl;
  tls.dh_parameters = r.dh_params;
  if (r.no_client_cert_request) tls.tls_srv_options.push_back('V');
  return tls;
}

McText render_mc(const McRequest& request, std::string_view template_text, std::string_view version) {
  McText out;
  McRequest r = complete_mc_request(request, &out.warnings);
  // Each option's placeholder is its macro without "conf": @CACERT_PATH@ for confCACERT_PATH.
  const SendmailTls tls = mc_request_tls(r);
  std::map<std::string, std::string> vars;
  for (const auto& row : sendmail_option_table()) {
    if (row.tls != nullptr) vars[std::string(row.option.macro.substr(4))] = tls.*row.tls;
  }
  vars.insert({
      {"VERSION", std::string(version)},
      {"INCLUDE", r.include_path},
      {"NO_CLIENT_CERT_REQUEST", r.no_client_cert_request ? "yes" : ""},
      {"GROUP_READABLE_KEY", r.group_readable_key ? "yes" : ""},
      {"KEY_GROUP", r.key_group.empty() ? std::string(kDefaultKeyGroup) : r.key_group},
  });
  out.text = render_template(template_text, vars, "sendmail-tls.mc.in");
  return out;
}

std::string render_template(std::string_view text, const std::map<std::string, std::string>& vars,
                            std::string_view template_name) {
  auto lookup = [&](std::string_view name) -> const std::string& {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) {
      throw Error(fmt::format("template {}: unknown placeholder @{}@", template_name, name), {},
                  "the installed templates do not match this mtlscert; reinstall it");
    }
    return it->second;
  };
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (line.starts_with("@?")) {
      std::size_t end = line.find('@', 2);
      if (end == std::string_view::npos) throw Error(fmt::format("template {}: unterminated @?", template_name));
      if (lookup(line.substr(2, end - 2)).empty()) continue;
      line.remove_prefix(end + 1);
    }
    for (std::size_t i = 0; i < line.size();) {
      if (line[i] == '@') {
        std::size_t end = line.find('@', i + 1);
        std::string_view name = line.substr(i + 1, end == std::string_view::npos ? 0 : end - i - 1);
        bool placeholder = end != std::string_view::npos && !name.empty() &&
                           name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string_view::npos;
        if (placeholder) {
          out += lookup(name);
          i = end + 1;
          continue;
        }
      }
      out += line[i++];
    }
    out += '\n';
  }
  return out;
}

std::string template_path(std::string_view name) {
  std::string dir = templates_dir();
  std::string p = fmt::format("{}/{}", dir, name);
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(fmt::format("template '{}' not found in '{}'", name, dir), p,
                "reinstall mtlscert, or point MTLSCERT_TEMPLATES at its templates directory");
  }
  return p;
}

std::string load_template(std::string_view name) { return io::read_file(template_path(name), "template"); }

}  // namespace mtlscert

// ---- emit-mc: render, pre-flight, write ------------------------------------------------

namespace mtlscert {
namespace {

// True when every key file given is group-readable (not world-readable) with group `gid`.
bool keys_readable_by_group(const std::vector<std::string>& keys, gid_t gid) {
  bool any = false;
  for (const auto& k : keys) {
    struct stat st {};
    if (::stat(k.c_str(), &st) != 0) continue;
    if ((st.st_mode & S_IRGRP) == 0) continue;
    if ((st.st_mode & S_IROTH) != 0 || st.st_gid != gid) return false;
    any = true;
  }
  return any;
}

}  // namespace

EmitMcResult emit_mc(const EmitMcRequest& request, std::string_view template_text, std::string_view version) {
  EmitMcResult result;
  McRequest mc = request.mc;
  if (!request.out.empty() && mc.include_path.empty() && request.out.front() == '/') mc.include_path = request.out;
  std::vector<std::string> ignored;
  McRequest full = complete_mc_request(mc, &ignored);
  if (!request.host.empty()) validate_host_name(request.host, "--host");

  // complete_mc_request allowed at most one comma in each: split_pair gives every file.
  std::vector<std::string> keys = split_pair(full.server_key);
  for (const auto& k : split_pair(full.client_key)) keys.push_back(k);
  if (!request.key_group.empty()) {
    try {
      gid_t gid = io::lookup_group(request.key_group);
      mc.group_readable_key = mc.group_readable_key || keys_readable_by_group(keys, gid);
      mc.key_group = request.key_group;
    } catch (const Error&) {
      // No such group on this machine: no key can be readable by it.
    }
  }
  result.mc = render_mc(mc, template_text, version);

  if (request.check) {
    full.no_client_cert_request = mc.no_client_cert_request;
    SendmailTls tls = mc_request_tls(full);
    tls.dont_blame_sendmail = debian_mta_dont_blame_flags();
    if (mc.group_readable_key) tls.dont_blame_sendmail.emplace_back("GroupReadableKeyFile");
    PreflightContext ctx;
    ctx.host = request.host;
    ctx.now = request.now;
    result.findings = preflight_sendmail_tls(tls, ctx);
    result.checked = true;
  }
  result.blocked = has_level(result.findings, Level::Error);
  result.out = request.out;
  if (!request.out.empty() && !result.blocked) {
    struct stat st {};
    if (::stat(request.out.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      std::string old;
      try {
        old = io::read_file(request.out, "m4 file");
      } catch (const Error&) {
      }
      if (old == result.mc.text) {
        result.unchanged = true;
        return result;
      }
    }
    auto w = io::write_file_atomic(request.out, result.mc.text,
                                   {0644, request.overwrite, std::nullopt, "m4 file", request.dry_run});
    result.mc.warnings.insert(result.mc.warnings.end(), w.begin(), w.end());
    result.written = true;
  }
  return result;
}

std::string to_json(const EmitMcResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.emit-mc/1";
  j["mc"] = r.mc.text;
  j["checked"] = r.checked;
  j["findings"] = r.findings;
  j["warnings"] = r.mc.warnings;
  j["out"] = r.out.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.out);
  j["written"] = r.written;
  j["unchanged"] = r.unchanged;
  j["blocked"] = r.blocked;
  return j.dump(2);
}

}  // namespace mtlscert
