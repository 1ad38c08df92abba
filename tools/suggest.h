// suggest.h: "did you mean" for mistyped subcommands, and next-step hints built
// from what the user typed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtlscert::cli {

/// closest returns the candidate nearest to word by edit distance, or empty
/// when none is close enough to be a plausible typo.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

/// host_from_file_name: the host a file is named after ("/etc/mail/tls/smtp.toto.com.key"
/// gives "smtp.toto.com"), or empty when the name is not a dotted host name; hints use it
/// rather than a placeholder.
std::string host_from_file_name(std::string_view path);

}  // namespace mtlscert::cli
