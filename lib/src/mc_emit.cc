#include "mtlscert/mc_emit.h"

#include <sys/stat.h>

#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mtlscert/data_dir.h"
#include "mtlscert/error.h"
#include "mtlscert/file_safety.h"
#include "mtlscert/io.h"
#include "mtlscert/m4_value.h"
#include "mtlscert/names.h"
#include "mtlscert/preflight.h"

namespace mtlscert {
namespace {

bool is_dh_keyword(std::string_view v) { return v == "5" || v == "1" || v == "2" || v == "i" || v == "none"; }

std::string checked(std::string_view macro, const std::string& value, M4ValueKind kind, std::string_view flag,
                    std::vector<std::string>* warnings, std::size_t* parts = nullptr) {
  M4Value v = check_m4_value(macro, value, kind, flag);
  if (warnings) warnings->insert(warnings->end(), v.warnings.begin(), v.warnings.end());
  if (parts) *parts = v.parts.size();
  return v.text;
}

void require(const std::string& value, std::string_view flag, std::string_view macro) {
  if (value.empty()) {
    throw Error(fmt::format("{} is required: sendmail offers STARTTLS only when {} is set", flag, macro), {},
                "see mtlscert emit-mc --help");
  }
}

void check_pair(std::size_t cert_parts, std::size_t key_parts, std::string_view cert_flag, std::string_view key_flag) {
  if (cert_parts != key_parts) {
    throw Error(fmt::format("{} names {} file(s) but {} names {}: for an RSA + ECDSA pair give both as "
                            "FIRST,SECOND in the same order",
                            cert_flag, cert_parts, key_flag, key_parts),
                {}, "e.g. --server-cert /etc/mail/tls/rsa.crt,/etc/mail/tls/ec.crt --server-key /etc/mail/tls/rsa.key,/etc/mail/tls/ec.key");
  }
}

}  // namespace

McRequest complete_mc_request(const McRequest& in, std::vector<std::string>* warnings) {
  McRequest r = in;
  require(r.server_cert, "--server-cert", "confSERVER_CERT");
  require(r.server_key, "--server-key", "confSERVER_KEY");
  require(r.cacert, "--cacert", "confCACERT");
  require(r.cacert_path, "--cacert-path", "confCACERT_PATH");
  if (r.client_cert.empty() != r.client_key.empty()) {
    throw Error("--client-cert and --client-key go together", {},
                "give both, or neither (the client then uses the server's certificate and key)");
  }
  if (r.client_cert.empty()) {
    r.client_cert = r.server_cert;
    r.client_key = r.server_key;
  }
  std::size_t sc = 0, sk = 0, cc = 0, ck = 0;
  checked("confSERVER_CERT", r.server_cert, M4ValueKind::PathPair, "--server-cert", warnings, &sc);
  checked("confSERVER_KEY", r.server_key, M4ValueKind::PathPair, "--server-key", warnings, &sk);
  check_pair(sc, sk, "--server-cert", "--server-key");
  if (in.client_cert.empty()) {
    cc = sc;
    ck = sk;
  } else {
    checked("confCLIENT_CERT", r.client_cert, M4ValueKind::PathPair, "--client-cert", warnings, &cc);
    checked("confCLIENT_KEY", r.client_key, M4ValueKind::PathPair, "--client-key", warnings, &ck);
    check_pair(cc, ck, "--client-cert", "--client-key");
  }
  checked("confCACERT", r.cacert, M4ValueKind::Path, "--cacert", warnings);
  checked("confCACERT_PATH", r.cacert_path, M4ValueKind::Path, "--cacert-path", warnings);
  if (!r.crl.empty()) checked("confCRL", r.crl, M4ValueKind::Path, "--crl", warnings);
  if (!r.dh_params.empty()) {
    checked("confDH_PARAMETERS", r.dh_params, is_dh_keyword(r.dh_params) ? M4ValueKind::Word : M4ValueKind::Path,
            "--dh-params", warnings);
  }
  // The group name goes into a dnl comment line: a newline in it would start a line of its own.
  if (!r.key_group.empty()) checked("confDONT_BLAME_SENDMAIL", r.key_group, M4ValueKind::Word, "--key-group", nullptr);
  if (r.include_path.empty()) r.include_path = std::string(kDefaultMcInclude);
  checked("include", r.include_path, M4ValueKind::Path, "-o", nullptr);
  return r;
}

McText render_mc(const McRequest& request, std::string_view template_text, std::string_view version) {
  McText out;
  McRequest r = complete_mc_request(request, &out.warnings);
  std::map<std::string, std::string> vars{
      {"VERSION", std::string(version)},
      {"INCLUDE", r.include_path},
      {"CACERT_PATH", r.cacert_path},
      {"CACERT", r.cacert},
      {"SERVER_CERT", r.server_cert},
      {"SERVER_KEY", r.server_key},
      {"CLIENT_CERT", r.client_cert},
      {"CLIENT_KEY", r.client_key},
      {"CRL", r.crl},
      {"DH_PARAMETERS", r.dh_params},
      {"NO_CLIENT_CERT_REQUEST", r.no_client_cert_request ? "yes" : ""},
      {"GROUP_READABLE_KEY", r.group_readable_key ? "yes" : ""},
      {"KEY_GROUP", r.key_group.empty() ? std::string("smmsp") : r.key_group},
  };
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

std::vector<std::string> split_commas(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto c = v.find(',', start);
    out.push_back(v.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) return out;
    start = c + 1;
  }
}

}  // namespace

EmitMcResult emit_mc(const EmitMcRequest& request, std::string_view template_text, std::string_view version) {
  EmitMcResult result;
  McRequest mc = request.mc;
  if (!request.out.empty() && mc.include_path.empty() && request.out.front() == '/') mc.include_path = request.out;
  std::vector<std::string> ignored;
  McRequest full = complete_mc_request(mc, &ignored);
  if (!request.host.empty()) validate_host_name(request.host, "--host");

  std::vector<std::string> keys = split_commas(full.server_key);
  for (const auto& k : split_commas(full.client_key)) keys.push_back(k);
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
    SendmailTls tls;
    tls.server_cert_file = full.server_cert;
    tls.server_key_file = full.server_key;
    tls.client_cert_file = full.client_cert;
    tls.client_key_file = full.client_key;
    tls.ca_cert_file = full.cacert;
    tls.ca_cert_path = full.cacert_path;
    tls.crl_file = full.crl;
    tls.dh_parameters = full.dh_params;
    if (mc.no_client_cert_request) tls.tls_srv_options.push_back('V');
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
    auto w = io::write_file_atomic(request.out, result.mc.text, {0644, request.overwrite, std::nullopt, "m4 file"});
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
