// cf_reader.cc: sendmail's .cf and .mc read into the options the pre-flight checks (cf_reader.h).
#include "sendmail/cf_reader.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"
#include "core/text.h"
#include "sendmail/file_safety.h"
#include "sendmail/m4_value.h"
#include "sendmail/options.h"

namespace mtlscert {
namespace {

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
  return std::any_of(flags.begin(), flags.end(), [name](const std::string& f) { return iequals(f, name); });
}

std::string_view cf_name(SendmailOption id) { return sendmail_cf_name(id); }

struct Reader {
  SendmailConfig& cfg;
  std::map<std::string, std::string> options;  // sendmail option name -> value
  bool dont_blame_set = false;
  bool debian_domain = false;

  void set_option(const std::string& name, const std::string& value) { options[name] = value; }

  std::string get(SendmailOption id) const {
    auto it = options.find(std::string(cf_name(id)));
    return it == options.end() ? std::string() : it->second;
  }

  void apply() {
    SendmailTls& t = cfg.tls;
    for (const auto& row : sendmail_option_table()) {
      if (row.tls != nullptr) t.*row.tls = get(row.id);
    }
    // sendmail offers STARTTLS once any of its required files, or a client certificate, is set.
    std::vector<SendmailOption> tls_files = sendmail_required();
    tls_files.push_back(SendmailOption::ClientCert);
    cfg.any_tls_option =
        std::any_of(tls_files.begin(), tls_files.end(), [this](SendmailOption id) { return !get(id).empty(); });
    cfg.run_as_user = get(SendmailOption::RunAsUser);
    if (!cfg.run_as_user.empty()) resolve_run_as(cfg.run_as_user);
    const std::string trusted = get(SendmailOption::TrustedUser);
    if (!trusted.empty()) {
      if (const passwd* pw = ::getpwnam(trusted.c_str())) t.trusted_uid = pw->pw_uid;
    }
  }

  void resolve_run_as(const std::string& spec) {
    const std::string user = spec.substr(0, spec.find(':'));
    const std::string group_name =
        spec.find(':') == std::string::npos ? std::string() : spec.substr(spec.find(':') + 1);
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw != nullptr) {
      cfg.tls.run_as_uid = pw->pw_uid;
      cfg.tls.run_as_gid = pw->pw_gid;
    } else if (!user.empty() && std::all_of(user.begin(), user.end(), ::isdigit)) {
      cfg.tls.run_as_uid = static_cast<uid_t>(std::stoul(user));
    } else {
      cfg.findings.push_back(
          Finding{.level = Level::Warn,
                  .code = "run-as-unknown",
                  .message = fmt::format("{} {} is not a user on this machine: checked as root",
                                         cf_name(SendmailOption::RunAsUser), user),
                  .hint = fmt::format("fix {} or create the user", cf_name(SendmailOption::RunAsUser)),
                  .path = cfg.path,
                  .cert = {},
                  .sendmail_log = {}});
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
      } else if (const std::string_view dj = cf_name(SendmailOption::DomainName);
                 line.starts_with(dj) && line.find('$') == std::string::npos) {
        cfg.host = trim(line.substr(dj.size()));
      }
      if (end == text.size()) break;
    }
    cfg.tls.dont_blame_sendmail = split_flags(get(SendmailOption::DontBlameSendmail));
  }

  void read_mc(const std::string& path, const std::string& text, int depth) {
    const std::string_view dont_blame = sendmail_macro(SendmailOption::DontBlameSendmail);
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
      if (line.find(dont_blame) != std::string::npos) {
        const std::string key = fmt::format("defn(`{}')", dont_blame);
        std::size_t d = line.find(key);
        if (d != std::string::npos) {
          std::string rest = line.substr(d + key.size());
          rest = rest.substr(0, rest.find(')'));
          for (auto& f : split_flags(rest)) {
            if (!has_flag(cfg.tls.dont_blame_sendmail, f)) cfg.tls.dont_blame_sendmail.push_back(f);
          }
        } else if (std::regex_search(line, m, define_re)) {
          cfg.tls.dont_blame_sendmail = split_flags(m4_unquote(m[2].str()));
          if (debian_domain) {
            cfg.findings.push_back(Finding{
                .level = Level::Warn,
                .code = "mc-dont-blame-overwritten",
                .message =
                    fmt::format("{}:{}: {} is redefined, dropping the flags Debian set", path, lineno, dont_blame),
                .hint = fmt::format("append instead: {}", m4_append_flag(dont_blame, "Flag")),
                .path = path,
                .cert = {},
                .sendmail_log = {}});
          }
        }
        dont_blame_set = true;
        continue;
      }
      if (line.find("DOMAIN(`debian-mta')") != std::string::npos) {
        if (has_flag(cfg.tls.dont_blame_sendmail, "GroupReadableKeyFile")) {
          cfg.findings.push_back(Finding{
              .level = Level::Error,
              .code = "mc-include-order",
              .message =
                  fmt::format("{}:{}: DOMAIN(`debian-mta') comes after the line that adds GroupReadableKeyFile, and "
                              "replaces {}: the flag is lost",
                              path, lineno, cf_name(SendmailOption::DontBlameSendmail)),
              .hint = "move the include(`.../starttls.m4')dnl line below DOMAIN(`debian-mta')dnl",
              .path = path,
              .cert = {},
              .sendmail_log = {}});
        }
        debian_domain = true;
        cfg.tls.dont_blame_sendmail = debian_mta_dont_blame_flags();
        continue;
      }
      if (std::regex_search(line, m, undefine_re)) {
        if (const SendmailOptionRow* row = find_sendmail_macro(m[1].str()))
          options.erase(std::string(row->option.name));
        continue;
      }
      if (std::regex_search(line, m, define_re)) {
        std::string value = m4_unquote(m[2].str());
        if (const SendmailOptionRow* row = find_sendmail_macro(m[1].str())) {
          if (row->id == SendmailOption::DomainName) {
            cfg.host = value;
          } else {
            set_option(std::string(row->option.name), value);
          }
        }
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
          cfg.findings.push_back(
              Finding{.level = Level::Error,
                      .code = "mc-include-missing",
                      .message = fmt::format("{}:{}: include(`{}') cannot be read: m4 stops there", path, lineno, inc),
                      .hint = e.hint(),
                      .path = inc,
                      .cert = {},
                      .sendmail_log = {}});
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
      cfg.findings.push_back(Finding{
          .level = Level::Warn,
          .code = "cf-writable",
          .message = fmt::format("{} is group- or world-writable (mode {})", path, io::mode_string(st.st_mode & 07777)),
          .hint = fmt::format("chmod go-w {}", path),
          .path = path,
          .cert = {},
          .sendmail_log = "WARNING: dangerous write permissions"});
    }
  }
  reader.apply();
  return cfg;
}

}  // namespace mtlscert
