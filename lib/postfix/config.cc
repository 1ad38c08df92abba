#include "postfix/config.h"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"
#include "core/text.h"
#include "postfix/options.h"

namespace mtlscert {
namespace {

namespace fs = std::filesystem;

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The logical lines of a Postfix file: comments and empty lines dropped, continuation lines
// (starting with white space) joined with one space.
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::string t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (blank(line.front()) && !out.empty()) {
      out.back() += " " + t;
    } else {
      out.push_back(t);
    }
  }
  return out;
}

// The Postfix defaults of names whose default is another parameter.
std::string_view default_of(std::string_view name) {
  if (name == "smtpd_tls_key_file") return "$smtpd_tls_cert_file";
  if (name == "smtpd_tls_eckey_file") return "$smtpd_tls_eccert_file";
  if (name == "smtp_tls_key_file") return "$smtp_tls_cert_file";
  if (name == "smtp_tls_eckey_file") return "$smtp_tls_eccert_file";
  if (name == "smtpd_relay_restrictions")
    return "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination";
  if (name == "smtpd_tls_fingerprint_digest" || name == "smtp_tls_fingerprint_digest") return "sha256";
  if (name == "smtpd_tls_ask_ccert" || name == "smtpd_tls_received_header") return "no";
  if (name == "smtpd_tls_loglevel" || name == "smtp_tls_loglevel") return "0";
  return {};
}

std::string expand(const MainCf& cf, std::string_view value, int depth) {
  if (depth > 20) return std::string(value);  // a loop: Postfix stops too
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '$' || i + 1 >= value.size()) {
      out.push_back(value[i]);
      continue;
    }
    char next = value[i + 1];
    if (next == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    std::string name, cond_text;
    char cond = 0;
    if (next == '{' || next == '(') {
      const char close = next == '{' ? '}' : ')';
      std::size_t end = value.find(close, i + 2);
      if (end == std::string_view::npos) {
        out.append(value.substr(i));
        break;
      }
      name = std::string(value.substr(i + 2, end - i - 2));
      std::size_t c = name.find_first_of("?:");
      if (c != std::string::npos) {
        cond = name[c];
        cond_text = name.substr(c + 1);
        name.resize(c);
      }
      i = end;
    } else {
      std::size_t j = i + 1;
      while (j < value.size() && (std::isalnum(static_cast<unsigned char>(value[j])) || value[j] == '_')) ++j;
      name = std::string(value.substr(i + 1, j - i - 1));
      i = j - 1;
    }
    auto it = cf.find(name);
    std::string raw = it != cf.end() ? it->second : std::string(default_of(name));
    std::string v = expand(cf, raw, depth + 1);
    if (cond == '?') {
      out += v.empty() ? std::string() : expand(cf, cond_text, depth + 1);
    } else if (cond == ':') {
      out += v.empty() ? expand(cf, cond_text, depth + 1) : std::string();
    } else {
      out += v;
    }
  }
  return out;
}

}  // namespace

MainCf parse_main_cf(std::string_view text) {
  MainCf cf;
  for (const std::string& line : logical_lines(text)) {
    std::size_t eq = line.find('=');
    if (eq == std::string::npos) continue;  // postconf warns and ignores it
    std::string name = trim(std::string_view(line).substr(0, eq));
    if (name.empty()) continue;
    cf[name] = trim(std::string_view(line).substr(eq + 1));
  }
  return cf;
}

std::vector<MasterService> parse_master_cf(std::string_view text) {
  std::vector<MasterService> out;
  for (const std::string& line : logical_lines(text)) {
    std::vector<std::string> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
      while (pos < line.size() && blank(line[pos])) ++pos;
      std::size_t end = pos;
      while (end < line.size() && !blank(line[end])) ++end;
      if (end > pos) words.push_back(line.substr(pos, end - pos));
      pos = end;
    }
    if (words.size() < 8) continue;
    MasterService s{words[0], words[1], words[7], {}};
    for (std::size_t i = 8; i < words.size(); ++i) {
      std::string setting;
      if (words[i] == "-o" && i + 1 < words.size()) {
        setting = words[++i];
      } else if (words[i].starts_with("-o") && words[i].size() > 2) {
        setting = words[i].substr(2);
      } else {
        continue;
      }
      std::size_t eq = setting.find('=');
      if (eq == std::string::npos) continue;
      s.overrides.emplace_back(setting.substr(0, eq), setting.substr(eq + 1));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string expand_postfix(const MainCf& cf, std::string_view value) { return expand(cf, value, 0); }

PostfixTls postfix_tls_from(MainCf cf, const MasterService* service) {
  if (service) {
    for (const auto& [name, value] : service->overrides) cf[name] = value;
  }
  PostfixTls tls;
  for (const auto& row : postfix_option_table()) {
    const std::string name(row.option.name);
    auto it = cf.find(name);
    std::string raw = it != cf.end() ? it->second : std::string(default_of(name));
    tls.*row.tls = expand_postfix(cf, raw);
  }
  if (auto it = cf.find("smtpd_use_tls"); it != cf.end() && tls.security_level.empty())
    tls.security_level = iequals(expand_postfix(cf, it->second), "yes") ? "may" : "";
  return tls;
}

const MasterService* pick_smtpd_service(const std::vector<MasterService>& services) {
  const MasterService* first = nullptr;
  for (const auto& s : services) {
    if (s.type != "inet" || s.command != "smtpd") continue;
    if (s.name == "smtp" || s.name.ends_with(":smtp") || s.name.ends_with(":25")) return &s;
    if (!first) first = &s;
  }
  return first;
}

PostfixConfig read_postfix_config(const std::string& path) {
  std::error_code ec;
  fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const std::string main_cf = (dir / "main.cf").string();
  const std::string master_cf = (dir / "master.cf").string();
  PostfixConfig c;
  const bool named_other = !fs::is_directory(path, ec) && fs::path(path).filename() != "master.cf";
  const std::string main_path = named_other ? path : main_cf;
  MainCf cf = parse_main_cf(io::read_file(main_path, "Postfix main.cf"));
  c.files_read.push_back(main_path);
  std::vector<MasterService> services;
  if (fs::exists(master_cf, ec)) {
    services = parse_master_cf(io::read_file(master_cf, "Postfix master.cf"));
    c.files_read.push_back(master_cf);
  }
  const MasterService* service = pick_smtpd_service(services);
  if (service) c.service = service->name;
  for (const auto& row : postfix_option_table()) {
    if (cf.count(std::string(row.option.name))) c.any_tls_option = true;
  }
  if (service) {
    for (const auto& o : service->overrides)
      if (find_postfix_option(o.first)) c.any_tls_option = true;
  }
  c.tls = postfix_tls_from(std::move(cf), service);
  return c;
}

}  // namespace mtlscert
