// mta_option.h: the shape of one row of an MTA's option table.
//
// Each MTA mtlscert knows gets one table of these rows (sendmail: sendmail/options.h), as
// BoringSSL keeps one kExtensions[] row per TLS extension: the configuration reader, the
// emitter of configuration lines, the pre-flight checks, doctor and its JSON all take the
// option's names, value kind, file-safety class and log lines from its row, so that an
// option is described in exactly one place. Postfix's and Exim's options become rows of
// sibling tables with the same shape.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/file_role.h"

namespace mtlscert {

/// OptionValue: what kind of value an option takes.
enum class OptionValue {
  File,           ///< one absolute file
  FilePair,       ///< one absolute file, or two separated by a single comma (RSA + ECDSA)
  Directory,      ///< one absolute directory
  FileOrKeyword,  ///< an absolute file, or one of the row's keywords
  Word,           ///< a plain word (or letters) such as `V`
  Flags,          ///< a list of flags
  User,           ///< a user name or number, optionally :group
  HostName,       ///< a host name
};

/// MtaOption: one configuration option of an MTA.
struct MtaOption {
  std::string_view macro = {};  ///< the name in the source configuration (sendmail.mc: confCACERT_PATH)
  std::string_view name = {};   ///< the name the daemon reads (sendmail.cf: CACertPath)
  OptionValue value = OptionValue::Word;
  std::optional<TlsFileRole> safety = {};  ///< the file-safety class the MTA opens it with (none: not a file)
  bool required = false;                   ///< the MTA does not offer STARTTLS without it
  std::string_view noun = {};              ///< what the value is, in messages ("server key")
  std::string_view flag = {};              ///< the emit-mc flag that sets it (empty: none)
  std::string_view keywords = {};          ///< FileOrKeyword: the words that are not files, blank-separated
  /// What the MTA logs when a required option is missing, and when its file is safe but
  /// cannot be used: formats with the named fields {name}, {path}, {side} and {ca_path}.
  std::string_view log_when_missing = {};
  std::string_view log_when_unusable = {};
  std::string_view meaning = {};  ///< one line: what the option does (help text, docs)
};

/// is_option_keyword: value is one of option.keywords.
bool is_option_keyword(const MtaOption& option, std::string_view value);

/// option_log renders one of option's log formats (empty when the row has none).
std::string option_log(const MtaOption& option, std::string_view format, std::string_view path = {},
                       std::string_view side = "server", std::string_view ca_path = {});

}  // namespace mtlscert
