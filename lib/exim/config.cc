// config.cc: Exim's main-section reader (macros, conditionals, includes, split config).
#include "exim/config.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"
#include "core/text.h"

namespace mtlscert {
namespace {

namespace fs = std::filesystem;

bool is_macro_name(std::string_view s) {
  if (s.empty() || s[0] < 'A' || s[0] > 'Z') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Reader {
 public:
  explicit Reader(EximConfig& config) : c_(config) {}

  // Expands macros as Exim does: a macro name anywhere in a line, at a word start.
  std::string expand(std::string line) const {
    for (int round = 0; round < 10; ++round) {
      bool changed = false;
      for (const auto& [name, value] : c_.macros) {
        std::size_t at = 0;
        while ((at = line.find(name, at)) != std::string::npos) {
          const bool start = at == 0 || !word_char(line[at - 1]);
          const bool end = at + name.size() == line.size() || !word_char(line[at + name.size()]);
          if (start && end) {
            line.replace(at, name.size(), value);
            at += value.size();
            changed = true;
          } else {
            at += name.size();
          }
        }
      }
      if (!changed) break;
    }
    return line;
  }

  void read_file(const std::string& path, int depth) {
    if (depth > 20) throw Error(fmt::format("{}: .include nested more than 20 deep", path));
    c_.files_read.push_back(path);
    const std::string text = io::read_file(path, "Exim configuration");
    std::vector<std::string> lines;
    std::string pending;
    std::size_t pos = 0;
    while (pos <= text.size() && !done_) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string raw = text.substr(pos, nl - pos);
      pos = nl + 1;
      std::string t = trim(raw);
      if (!pending.empty()) {
        pending += t;
      } else {
        if (t.empty() || t[0] == '#') {
          if (pos > text.size()) break;
          continue;
        }
        pending = t;
      }
      if (!pending.empty() && pending.back() == '\\') {
        pending.pop_back();
        if (pos <= text.size()) continue;
      }
      line(pending, path, depth);
      pending.clear();
      if (pos > text.size()) break;
    }
  }

  bool done() const { return done_; }

 private:
  bool active() const {
    return std::all_of(skip_.begin(), skip_.end(), [](bool s) { return !s; });
  }

  void directive(const std::string& l, const std::string& path, int depth) {
    const auto space = l.find_first_of(" \t");
    const std::string word = l.substr(0, space);
    const std::string arg = space == std::string::npos ? std::string() : trim(l.substr(space));
    if (word == ".ifdef" || word == ".ifndef") {
      const bool defined = c_.macros.count(arg) != 0;
      skip_.push_back(word == ".ifdef" ? !defined : defined);
    } else if (word == ".else") {
      if (!skip_.empty()) skip_.back() = !skip_.back();
    } else if (word == ".endif") {
      if (!skip_.empty()) skip_.pop_back();
    } else if (!active()) {
      return;
    } else if (word == ".include" || word == ".include_if_exists") {
      std::string file = expand(arg);
      if (!file.empty() && file[0] != '/') file = (fs::path(path).parent_path() / file).string();
      std::error_code ec;
      if (!fs::exists(file, ec)) {
        if (word == ".include") {
          c_.findings.push_back(
              make_finding(Level::Error, "include-missing",
                           fmt::format("{}: .include {} does not exist: Exim will not start", path, file),
                           "create the file or change the .include line", path));
        }
        return;
      }
      read_file(file, depth + 1);
    }
  }

  void line(const std::string& l, const std::string& path, int depth) {
    if (l.empty()) return;  // a lone backslash
    if (l[0] == '.') {
      directive(l, path, depth);
      return;
    }
    if (!active()) return;
    if (l.rfind("begin ", 0) == 0 || l == "begin") {
      done_ = true;  // the main section ends here
      return;
    }
    const auto eq = l.find('=');
    if (eq == std::string::npos) return;  // a boolean option (tls_on_connect...) or garbage
    std::string name = trim(l.substr(0, eq));
    std::string value = l.substr(eq + 1);
    const bool redefine = !value.empty() && value[0] == '=';
    if (redefine) value.erase(0, 1);
    value = trim(value);
    if (is_macro_name(name)) {
      // Exim refuses a second plain definition; Debian guards each with .ifndef.
      if (redefine || c_.macros.count(name) == 0) c_.macros[name] = expand(value);
      return;
    }
    if (const EximOptionRow* row = find_exim_name(name); row != nullptr && row->tls != nullptr) {
      c_.tls.*row->tls = expand(value);
      if (row->id == EximOption::AdvertiseHosts) c_.tls.advertise_hosts_set = true;
      if (row->id == EximOption::Certificate || row->id == EximOption::PrivateKey) c_.any_tls_option = true;
    }
  }

  EximConfig& c_;
  std::vector<bool> skip_;
  bool done_ = false;
};

fs::path split_main_dir(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(fs::path(path) / "conf.d" / "main", ec)) return fs::path(path) / "conf.d" / "main";
  return fs::path(path);
}

// update-exim4.conf uses run-parts' name rule: letters, digits, _ and - only.
bool split_part_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
  });
}

}  // namespace

bool is_exim_split_dir(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return false;
  const fs::path p(path);
  return fs::is_directory(p / "conf.d" / "main", ec) ||
         (p.filename() == "main" && p.parent_path().filename() == "conf.d");
}

EximConfig read_exim_config(const std::string& path, const std::map<std::string, std::string>& macros) {
  EximConfig c;
  c.path = path;
  c.macros = macros;
  Reader reader(c);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (!is_exim_split_dir(path)) {
      throw Error(fmt::format("{}: a directory without conf.d/main: not a Debian split Exim configuration", path), path,
                  "give the configuration file, or the directory holding conf.d/ (/etc/exim4)");
    }
    c.split = true;
    if (c.macros.count("CONFDIR") == 0) c.macros["CONFDIR"] = "/etc/exim4";
    const fs::path dir = split_main_dir(path);
    std::vector<std::string> parts;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_regular_file() && split_part_name(entry.path().filename().string())) parts.push_back(entry.path());
    }
    std::sort(parts.begin(), parts.end());
    for (const auto& part : parts) {
      if (reader.done()) break;
      reader.read_file(part, 0);
    }
  } else {
    reader.read_file(path, 0);
  }
  return c;
}

}  // namespace mtlscert
