#include "mta/detect.h"

#include <array>
#include <filesystem>
#include <fstream>

namespace mtlscert {
namespace {

namespace fs = std::filesystem;

// Names each MTA's own documentation gives its files (Debian paths and upstream ones).
struct NamedFile {
  std::string_view name;
  Mta mta;
};
constexpr std::array<NamedFile, 9> kFileNames = {{
    {"sendmail.cf", Mta::Sendmail},
    {"submit.cf", Mta::Sendmail},
    {"sendmail.mc", Mta::Sendmail},
    {"submit.mc", Mta::Sendmail},
    {"main.cf", Mta::Postfix},
    {"master.cf", Mta::Postfix},
    {"exim4.conf", Mta::Exim},
    {"exim4.conf.template", Mta::Exim},
    {"update-exim4.conf.conf", Mta::Exim},
}};

bool starts_with_any(std::string_view line, std::initializer_list<std::string_view> prefixes) {
  for (auto p : prefixes)
    if (line.starts_with(p)) return true;
  return false;
}

// One line that only one MTA writes, or nothing.
std::optional<Mta> judge_line(std::string_view line) {
  // sendmail.cf options ("O Name=") and .mc macros.
  if (starts_with_any(line, {"O ", "DOMAIN(", "OSTYPE(", "FEATURE(", "MAILER(", "define(`", "divert("}))
    return Mta::Sendmail;
  // Exim: section starts and its TLS/daemon options, the Debian macros and conf variables.
  if (starts_with_any(line, {"begin acl", "begin routers", "begin transports", "tls_advertise_hosts", "tls_certificate",
                             "tls_privatekey", "daemon_smtp_ports", "MAIN_TLS_", "dc_eximconfig_configtype", ".ifdef ",
                             ".ifndef ", "acl_smtp_"}))
    return Mta::Exim;
  // Postfix: main.cf parameters and master.cf service lines.
  if (starts_with_any(line, {"smtpd_", "smtp_tls_", "myhostname", "mydestination", "mynetworks", "relayhost",
                             "inet_interfaces", "queue_directory", "alias_maps", "compatibility_level"}))
    return Mta::Postfix;
  if (line.starts_with("smtp ") && line.find("inet") != std::string_view::npos) return Mta::Postfix;
  return std::nullopt;
}

// The first 64 KiB of path; empty when it cannot be read (the MTA's doctor says why).
std::string read_head(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string text(64 * 1024, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

}  // namespace

std::optional<Mta> detect_mta_from_text(std::string_view name, std::string_view text) {
  for (const auto& f : kFileNames)
    if (name == f.name) return f.mta;
  if (name.ends_with(".mc") || name.ends_with(".m4")) return Mta::Sendmail;
  if (name.starts_with("exim")) return Mta::Exim;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] == '#') continue;
    if (auto mta = judge_line(line)) return mta;
  }
  return std::nullopt;
}

std::optional<Mta> detect_mta(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path dir(path);
    if (fs::exists(dir / "update-exim4.conf.conf", ec) || fs::is_directory(dir / "conf.d", ec)) return Mta::Exim;
    if (fs::exists(dir / "main.cf", ec)) return Mta::Postfix;
    if (fs::exists(dir / "sendmail.cf", ec) || fs::exists(dir / "sendmail.mc", ec)) return Mta::Sendmail;
    // A conf.d/main-style folder of Exim fragments.
    if (dir.filename() == "main" && dir.parent_path().filename() == "conf.d") return Mta::Exim;
    return std::nullopt;
  }
  return detect_mta_from_text(fs::path(path).filename().string(), read_head(path));
}

std::string default_config_path(Mta mta) {
  switch (mta) {
    case Mta::Sendmail: return "/etc/mail/sendmail.cf";
    case Mta::Postfix: return "/etc/postfix/main.cf";
    case Mta::Exim: return "/etc/exim4";
  }
  return "/etc/mail/sendmail.cf";
}

}  // namespace mtlscert
