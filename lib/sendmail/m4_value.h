// m4_value.h: values that may go into a sendmail .mc `define` line, and the line itself.
//
// Sendmail's .mc is run through m4, then the .cf is parsed by readcf; a path survives both
// only if it avoids their metacharacters (shared/reference Topic B.6, rules 14-16):
//   `  '      m4 quote characters: cannot be expressed inside a quoted value at all
//   #         readcf starts a comment there (ConfigLevel >= 3), cutting the path
//   $         readcf expands sendmail macros ($j, ${x}) in the TLS file options
//   blanks, newline, NUL, control characters: split or end the .cf line
//   ,         separates the second file of the RSA + ECDSA pair form, nowhere else
//   relative  sendmail ignores a TLS file option that does not start with '/'
// Words that m4 or the sendmail cf would expand (dnl, divert, MAILER, conf…) are safe inside
// the double quotes emit-mc always writes, but they are reported: one missing quote pair
// in a hand edit would silently mangle the path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtlscert {

/// M4ValueKind: what kind of value a macro takes.
enum class M4ValueKind {
  Path,      ///< one absolute path (confCACERT, confCACERT_PATH, confCRL, …)
  PathPair,  ///< one absolute path, or two separated by a single comma (confSERVER_CERT/KEY, confCLIENT_CERT/KEY)
  Word,      ///< a plain word such as `V` for confTLS_SRV_OPTIONS or `i` for confDH_PARAMETERS
};

/// M4Value: a value that passed check_m4_value.
struct M4Value {
  std::string text;                   ///< the value as it goes between the quotes
  std::vector<std::string> parts;     ///< the comma-separated files (one unless a pair)
  std::vector<std::string> warnings;  ///< words m4 or the sendmail cf would expand
};

/// check_m4_value returns the checked value or throws Error naming the macro, the value and
/// the rule it breaks, e.g. "confSERVER_KEY: '/etc/mail/tls/o'brien.key' contains an
/// apostrophe ('), which m4 cannot quote". `flag` names where the value came from
/// ("--server-key") and is used in the message when not empty.
M4Value check_m4_value(std::string_view macro, std::string_view value, M4ValueKind kind, std::string_view flag = {});

/// m4_expanding_words lists the words of value that m4 (builtins usable without
/// parentheses) or the sendmail cf (MAILER, FEATURE, conf*, LOCAL_*, _*_ …) would expand
/// if the value were not quoted, in order of appearance, without duplicates.
std::vector<std::string> m4_expanding_words(std::string_view value);

/// m4_define renders `define(`MACRO', ``VALUE'')dnl` with the value double-quoted, so m4
/// never re-scans it when proto.m4 writes the option line.
std::string m4_define(std::string_view macro, std::string_view value);

/// sendmail_define checks value as one absolute path (check_m4_value) and renders its
/// m4_define line; throws Error for a value m4 or sendmail would change.
std::string sendmail_define(std::string_view macro, std::string_view value);

/// m4_append_flag renders the line that appends flag to a list macro, keeping what it holds:
/// define(`MACRO', defn(`MACRO')`,FLAG')dnl.
std::string m4_append_flag(std::string_view macro, std::string_view flag);

/// m4_unquote returns an m4 argument as written in a .mc (`value' or ``value'') without its
/// blanks and quotes: the value the define gives the macro.
std::string m4_unquote(std::string_view argument);

}  // namespace mtlscert
