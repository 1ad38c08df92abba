// detect.h: which MTA a configuration file (or directory) belongs to, for `doctor`
// without --mta. Lives beside core, not in it: it knows every MTA's file names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/mta.h"

namespace mtlscert {

/// detect_mta_from_text: the MTA whose syntax text (the start of a file named name) is
/// written in, judged by its file name first, then by lines only that MTA has; nothing
/// when neither tells.
std::optional<Mta> detect_mta_from_text(std::string_view name, std::string_view text);

/// detect_mta: the same for a file or directory on disk. A directory is Exim's split
/// configuration when it holds conf.d/ or update-exim4.conf.conf, Postfix's when it
/// holds main.cf, sendmail's when it holds sendmail.cf or sendmail.mc.
/// A file that cannot be read is judged by its name only.
std::optional<Mta> detect_mta(const std::string& path);

/// default_config_path: the file doctor reads for mta when none is named.
std::string default_config_path(Mta mta);

}  // namespace mtlscert
