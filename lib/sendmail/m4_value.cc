#include "sendmail/m4_value.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/error.h"
#include "core/text.h"

namespace mtlscert {
namespace {

// GNU m4 builtins that expand without parentheses (measured with m4 1.4.19), and the
// sendmail cf macros a path word could collide with. Prefix rules below cover conf*, LOCAL_*.
constexpr std::array<std::string_view, 17> kM4Builtins = {
    "dnl",    "divert", "divnum",  "undivert", "__file__", "__line__",  "__program__", "__unix__", "__gnu__",
    "m4exit", "sysval", "traceon", "traceoff", "dumpdef",  "changecom", "changequote", "debugmode"};
constexpr std::array<std::string_view, 1> kM4BuiltinsMore = {"debugfile"};
constexpr std::array<std::string_view, 20> kCfMacros = {
    "MAILER",        "FEATURE",         "OSTYPE",          "DOMAIN",         "HACK",
    "SITE",          "SITECONFIG",      "VERSIONID",       "DAEMON_OPTIONS", "CLIENT_OPTIONS",
    "MASQUERADE_AS", "EXPOSED_USER",    "LOCAL_USER",      "LOCAL_DOMAIN",   "MAILER_DEFINITIONS",
    "RELAY_DOMAIN",  "GENERICS_DOMAIN", "CANONIFY_DOMAIN", "QUEUE_GROUP",    "INPUT_MAIL_FILTER"};

bool is_word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_word_char(char c) { return is_word_start(c) || (c >= '0' && c <= '9'); }

bool expands(std::string_view w) {
  auto in = [&](const auto& table) { return std::find(table.begin(), table.end(), w) != table.end(); };
  if (in(kM4Builtins) || in(kM4BuiltinsMore) || in(kCfMacros)) return true;
  if (w.size() > 4 && w.starts_with("conf")) return true;
  if (w.size() > 6 && w.starts_with("LOCAL_")) return true;
  if (w.size() > 2 && w.front() == '_' && w.back() == '_') return true;
  return false;
}

[[noreturn]] void refuse(std::string_view macro, std::string_view flag, std::string_view value, std::string_view why,
                         std::string_view hint) {
  std::string who = flag.empty() ? std::string(macro) : fmt::format("{} ({})", flag, macro);
  throw Error(fmt::format("{}: '{}' {}", who, value, why), {}, std::string(hint));
}

}  // namespace

std::vector<std::string> m4_expanding_words(std::string_view value) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < value.size()) {
    // m4 reads a name as [A-Za-z_][A-Za-z0-9_]*; a digit run that is not part of a name is skipped.
    if (is_word_start(value[i])) {
      std::size_t j = i;
      while (j < value.size() && is_word_char(value[j])) ++j;
      std::string w(value.substr(i, j - i));
      if (expands(w) && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
      i = j;
    } else if (is_word_char(value[i])) {
      while (i < value.size() && is_word_char(value[i])) ++i;
    } else {
      ++i;
    }
  }
  return out;
}

M4Value check_m4_value(std::string_view macro, std::string_view value, M4ValueKind kind, std::string_view flag) {
  const std::string_view kQuoteHint = "rename the file (or use a symbolic link) to a path without it";
  if (value.empty()) refuse(macro, flag, value, "is empty", "give an absolute path");
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (c == '`') refuse(macro, flag, value, "contains a backquote (`), which m4 cannot quote", kQuoteHint);
    if (c == '\'') refuse(macro, flag, value, "contains an apostrophe ('), which m4 cannot quote", kQuoteHint);
    if (c == '#') {
      refuse(macro, flag, value, "contains '#', where sendmail.cf starts a comment and cuts the path", kQuoteHint);
    }
    if (c == '$') {
      refuse(macro, flag, value, "contains '$', which sendmail expands as a macro in this option", kQuoteHint);
    }
    if (c == '\n' || c == '\r' || c == '\0') {
      refuse(macro, flag, value, "contains a newline or NUL, which would end the .cf line", kQuoteHint);
    }
    if (c == ' ' || c == '\t' || u < 0x20 || u == 0x7f) {
      refuse(macro, flag, value, "contains white space or a control character, which sendmail does not allow here",
             kQuoteHint);
    }
  }
  M4Value out;
  out.text = std::string(value);
  if (kind == M4ValueKind::Word) {
    if (value.find(',') != std::string_view::npos) {
      refuse(macro, flag, value, "contains a comma", "give a single word");
    }
    out.parts.push_back(out.text);
  } else {
    auto comma = value.find(',');
    if (comma == std::string_view::npos) {
      out.parts.push_back(out.text);
    } else if (kind != M4ValueKind::PathPair) {
      refuse(macro, flag, value,
             "contains a comma; only the certificate and key options take two files (cert1,cert2) separated by one "
             "comma",
             "rename the file to a path without a comma");
    } else if (value.find(',', comma + 1) != std::string_view::npos) {
      refuse(macro, flag, value, "has more than two files; sendmail takes at most two, separated by one comma",
             "give one file, or an RSA and an ECDSA file separated by one comma");
    } else {
      out.parts.emplace_back(value.substr(0, comma));
      out.parts.emplace_back(value.substr(comma + 1));
    }
    for (const auto& p : out.parts) {
      if (p.empty()) refuse(macro, flag, value, "has an empty file name around the comma", "write FILE1,FILE2");
      if (p.front() != '/') {
        refuse(macro, flag, value,
               fmt::format("is not an absolute path ('{}'): sendmail ignores relative TLS file names and does not "
                           "offer STARTTLS",
                           p),
               "give the full path, starting with /");
      }
      if (p.size() > 1023) refuse(macro, flag, value, "is longer than 1023 bytes", "use a shorter path");
    }
  }
  for (const auto& w : m4_expanding_words(value)) {
    out.warnings.push_back(fmt::format(
        "{}: the path contains the word '{}', which m4 or the sendmail cf expands; it is safe only inside the "
        "double quotes emit-mc writes: keep them when you edit the line",
        macro, w));
  }
  return out;
}

std::string m4_define(std::string_view macro, std::string_view value) {
  return fmt::format("define(`{}', ``{}'')dnl", macro, value);
}

std::string sendmail_define(std::string_view macro, std::string_view value) {
  return m4_define(macro, check_m4_value(macro, value, M4ValueKind::Path).text);
}

std::string m4_append_flag(std::string_view macro, std::string_view flag) {
  return fmt::format("define(`{0}', defn(`{0}')`,{1}')dnl", macro, flag);
}

std::string m4_unquote(std::string_view argument) {
  std::string s = trim(argument);
  std::size_t open = 0;
  while (open < s.size() && s[open] == '`') ++open;
  std::size_t close = 0;
  while (close < s.size() - open && s[s.size() - 1 - close] == '\'') ++close;
  return s.substr(open, s.size() - open - close);
}

}  // namespace mtlscert
