#include "mtlscert/sendmail_config.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mtlscert/error.h"
#include "mtlscert/file_safety.h"
#include "mtlscert/io.h"

namespace mtlscert {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split_flags(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || c == ' ' || c == '\t' || c == '`' || c == '\'') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool has_flag(const std::vector<std::string>& flags, std::string_view name) {
  return std::any_of(flags.begin(), flags.end(), [name](const std::string& f) {
    return f.size() == name.size() &&
           std::equal(f.begin(), f.end(), name.begin(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                  std::tolower(static_cast<unsigned char>(b)); });
  });
}

// The m4 argument `value' or ``value'': the quotes removed.
std::string unquote_m4(std::string_view v) {
  std::string s = trim(v);
  std::size_t open = 0;
  while (open < s.size() && s[open] == '`') ++open;
  std::size_t close = 0;
  while (close < s.size() - open && s[s.size() - 1 - close] == '\'') ++close;
  return s.substr(open, s.size() - open - close);
}

struct Reader {
  SendmailConfig& cfg;
  std::map<std::string, std::string> options;  // sendmail option name -> value
  bool dont_blame_set = false;
  bool debian_domain = false;

  void set_option(const std::string& name, const std::string& value) { options[name] = value; }

  void apply() {
    auto get = [this](const char* n) {
      auto it = options.find(n);
      return it == options.end() ? std::string() : it->second;
    };
    SendmailTls& t = cfg.tls;
    t.server_cert_file = get("ServerCertFile");
    t.server_key_file = get("ServerKeyFile");
    t.client_cert_file = get("ClientCertFile");
    t.client_key_file = get("ClientKeyFile");
    t.ca_cert_file = get("CACertFile");
    t.ca_cert_path = get("CACertPath");
    t.crl_file = get("CRLFile");
    t.dh_parameters = get("DHParameters");
    t.tls_srv_options = get("TLSSrvOptions");
    cfg.any_tls_option = !(t.server_cert_file.empty() && t.server_key_file.empty() && t.ca_cert_file.empty() &&
                           t.ca_cert_path.empty() && t.client_cert_file.empty());
    cfg.run_as_user = get("RunAsUser");
    if (!cfg.run_as_user.empty()) resolve_run_as(cfg.run_as_user);
    const std::string trusted = get("TrustedUser");
    if (!trusted.empty()) {
      if (const passwd* pw = ::getpwnam(trusted.c_str())) t.trusted_uid = pw->pw_uid;
    }
  }

  void resolve_run_as(const std::string& spec) {
    const std::string user = spec.substr(0, spec.find(':'));
    const std::string group_name = spec.find(':') == std::string::npos ? std::string() : spec.substr(spec.find(':') + 1);
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw != nullptr) {
      cfg.tls.run_as_uid = pw->pw_uid;
      cfg.tls.run_as_gid = pw->pw_gid;
    } else if (!user.empty() && std::all_of(user.begin(), user.end(), ::isdigit)) {
      cfg.tls.run_as_uid = static_cast<uid_t>(std::stoul(user));
    } else {
      cfg.findings.push_back({Level::Warn, "run-as-unknown",
                              fmt::format("RunAsUser {} is not a user on this machine: checked as root", user),
                              "fix RunAsUser or create the user", cfg.path, {}, ""});
    }
    if (!group_name.empty()) {
      if (const struct group* gr = ::getgrnam(group_name.c_str())) cfg.tls.run_as_gid = gr->gr_gid;
    }
  }

  void read_cf(const std::string& text) {
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(pos, end - pos);
      pos = end + 1;
      if (line.rfind("O ", 0) == 0) {
        std::size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        set_option(trim(line.substr(2, eq - 2)), trim(line.substr(eq + 1)));
      } else if (line.rfind("Dj", 0) == 0 && line.find('$') == std::string::npos) {
        cfg.host = trim(line.substr(2));
      }
      if (end == text.size()) break;
    }
    cfg.tls.dont_blame_sendmail = split_flags(options["DontBlameSendmail"]);
  }

  void read_mc(const std::string& path, const std::string& text, int depth) {
    static const std::map<std::string, std::string> kMacros = {
        {"confSERVER_CERT", "ServerCertFile"}, {"confSERVER_KEY", "ServerKeyFile"},
        {"confCLIENT_CERT", "ClientCertFile"}, {"confCLIENT_KEY", "ClientKeyFile"},
        {"confCACERT", "CACertFile"},          {"confCACERT_PATH", "CACertPath"},
        {"confCRL", "CRLFile"},                {"confDH_PARAMETERS", "DHParameters"},
        {"confTLS_SRV_OPTIONS", "TLSSrvOptions"}, {"confRUN_AS_USER", "RunAsUser"},
        {"confTRUSTED_USER", "TrustedUser"},
    };
    static const std::regex define_re(R"(^define\(\s*`(conf[A-Z0-9_]+)'\s*,(.*)\)\s*(dnl.*)?$)");
    static const std::regex include_re(R"(^include\(\s*`([^']+)'\s*\))");
    static const std::regex undefine_re(R"(^undefine\(\s*`(conf[A-Z0-9_]+)'\s*\))");
    std::size_t pos = 0;
    int lineno = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      const std::string line = trim(std::string_view(text).substr(pos, end - pos));
      pos = end + 1;
      ++lineno;
      if (line.empty() || line.rfind("dnl", 0) == 0 || line.front() == '#') continue;
      std::smatch m;
      if (line.find("confDONT_BLAME_SENDMAIL") != std::string::npos) {
        const std::string key = "defn(`confDONT_BLAME_SENDMAIL')";
        std::size_t d = line.find(key);
        if (d != std::string::npos) {
          std::string rest = line.substr(d + key.size());
          rest = rest.substr(0, rest.find(')'));
          for (auto& f : split_flags(rest)) {
            if (!has_flag(cfg.tls.dont_blame_sendmail, f)) cfg.tls.dont_blame_sendmail.push_back(f);
          }
        } else if (std::regex_search(line, m, define_re)) {
          cfg.tls.dont_blame_sendmail = split_flags(unquote_m4(m[2].str()));
          if (debian_domain) {
            cfg.findings.push_back(
                {Level::Warn, "mc-dont-blame-overwritten",
                 fmt::format("{}:{}: confDONT_BLAME_SENDMAIL is redefined, dropping the flags Debian set", path, lineno),
                 "append instead: define(`confDONT_BLAME_SENDMAIL', defn(`confDONT_BLAME_SENDMAIL')`,Flag')dnl",
                 path, {}, ""});
          }
        }
        dont_blame_set = true;
        continue;
      }
      if (line.find("DOMAIN(`debian-mta')") != std::string::npos) {
        if (has_flag(cfg.tls.dont_blame_sendmail, "GroupReadableKeyFile")) {
          cfg.findings.push_back(
              {Level::Error, "mc-include-order",
               fmt::format("{}:{}: DOMAIN(`debian-mta') comes after the line that adds GroupReadableKeyFile, and "
                           "replaces DontBlameSendmail: the flag is lost",
                           path, lineno),
               "move the include(`.../starttls.m4')dnl line below DOMAIN(`debian-mta')dnl", path, {}, ""});
        }
        debian_domain = true;
        cfg.tls.dont_blame_sendmail = debian_mta_dont_blame_flags();
        continue;
      }
      if (std::regex_search(line, m, undefine_re)) {
        auto it = kMacros.find(m[1].str());
        if (it != kMacros.end()) options.erase(it->second);
        continue;
      }
      if (std::regex_search(line, m, define_re)) {
        const std::string macro = m[1].str();
        std::string value = unquote_m4(m[2].str());
        if (macro == "confDOMAIN_NAME") cfg.host = value;
        auto it = kMacros.find(macro);
        if (it != kMacros.end()) set_option(it->second, value);
        continue;
      }
      if (std::regex_search(line, m, include_re)) {
        std::string inc = m[1].str();
        if (inc.find("/cf/m4/") != std::string::npos || inc.find("/sendmail/cf/") != std::string::npos) continue;
        if (!inc.empty() && inc.front() != '/') {
          const std::size_t slash = path.rfind('/');
          inc = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + inc;
        }
        if (depth >= 8) continue;
        std::string body;
        try {
          body = io::read_file(inc, "included m4 file");
        } catch (const Error& e) {
          cfg.findings.push_back({Level::Error, "mc-include-missing",
                                  fmt::format("{}:{}: include(`{}') cannot be read: m4 stops there", path, lineno, inc),
                                  e.hint(), inc, {}, ""});
          continue;
        }
        cfg.files_read.push_back(inc);
        read_mc(inc, body, depth + 1);
      }
    }
  }
};

bool looks_like_mc(const std::string& path, const std::string& text) {
  auto ends = [&path](std::string_view s) {
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".mc") || ends(".m4")) return true;
  if (ends(".cf")) return false;
  return text.find("\nO ") == std::string::npos && text.find("define(`") != std::string::npos;
}

}  // namespace

SendmailConfig read_sendmail_config(const std::string& path) {
  SendmailConfig cfg;
  cfg.path = path;
  const std::string text = io::read_file(path, "sendmail configuration");
  cfg.files_read.push_back(path);
  cfg.is_mc = looks_like_mc(path, text);
  Reader reader{cfg, {}, false, false};
  if (cfg.is_mc) {
    // A lone .m4 (init's or emit-mc's file) is read as sendmail.mc includes it: after
    // DOMAIN(`debian-mta'), so Debian's DontBlameSendmail flags are in effect.
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".m4") == 0) {
      cfg.tls.dont_blame_sendmail = debian_mta_dont_blame_flags();
    }
    reader.read_mc(path, text, 0);
  } else {
    reader.read_cf(text);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 022) != 0) {
      cfg.findings.push_back({Level::Warn, "cf-writable",
                              fmt::format("{} is group- or world-writable (mode {})", path, io::mode_string(st.st_mode & 07777)),
                              fmt::format("chmod go-w {}", path), path, {}, "WARNING: dangerous write permissions"});
    }
  }
  reader.apply();
  return cfg;
}

bool DoctorResult::healthy() const { return !has_level(findings, Level::Error) && !has_level(findings, Level::Warn); }

DoctorResult doctor(const DoctorRequest& request) {
  DoctorResult r;
  r.config = read_sendmail_config(request.path);
  r.findings = r.config.findings;
  if (!r.config.any_tls_option) {
    r.findings.push_back(
        {Level::Error, "starttls-not-configured",
         fmt::format("{} sets none of ServerCertFile, ServerKeyFile, CACertFile, CACertPath: sendmail does not offer "
                     "STARTTLS",
                     request.path),
         r.config.is_mc ? "mtlscert init HOST, then add its include(`.../mtlscert-starttls.m4')dnl line after DOMAIN(`debian-mta')"
                        : "mtlscert init HOST, add its include line to sendmail.mc and rebuild sendmail.cf",
         request.path, {}, "STARTTLS: ServerCertFile missing"});
    return r;
  }
  PreflightContext ctx;
  ctx.now = request.now;
  ctx.host = request.host;
  if (ctx.host.empty() && r.config.host.find_first_of("$ ") == std::string::npos) ctx.host = r.config.host;
  std::vector<Finding> pre;
  try {
    pre = preflight_sendmail_tls(r.config.tls, ctx);
  } catch (const Error&) {
    ctx.host.clear();  // a configured $j that is not a host name: check without it
    pre = preflight_sendmail_tls(r.config.tls, ctx);
  }
  r.findings.insert(r.findings.end(), pre.begin(), pre.end());
  return r;
}

std::string to_json(const DoctorResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.doctor/1";
  j["path"] = r.config.path;
  j["format"] = r.config.is_mc ? "mc" : "cf";
  j["files_read"] = r.config.files_read;
  const SendmailTls& t = r.config.tls;
  j["options"] = {{"ServerCertFile", t.server_cert_file}, {"ServerKeyFile", t.server_key_file},
                  {"ClientCertFile", t.client_cert_file}, {"ClientKeyFile", t.client_key_file},
                  {"CACertFile", t.ca_cert_file},         {"CACertPath", t.ca_cert_path},
                  {"CRLFile", t.crl_file},                {"DHParameters", t.dh_parameters},
                  {"TLSSrvOptions", t.tls_srv_options},   {"DontBlameSendmail", t.dont_blame_sendmail},
                  {"RunAsUser", r.config.run_as_user}};
  j["findings"] = r.findings;
  j["healthy"] = r.healthy();
  return j.dump(2);
}

}  // namespace mtlscert
