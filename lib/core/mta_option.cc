// mta_option.cc: the helpers every MTA's option table shares (mta_option.h).
#include "core/mta_option.h"

#include <fmt/format.h>

namespace mtlscert {

bool is_option_keyword(const MtaOption& option, std::string_view value) {
  std::string_view words = option.keywords;
  while (!words.empty()) {
    const std::size_t blank = words.find(' ');
    if (words.substr(0, blank) == value) return true;
    words = blank == std::string_view::npos ? std::string_view() : words.substr(blank + 1);
  }
  return false;
}

std::string option_log(const MtaOption& option, std::string_view format, std::string_view path, std::string_view side,
                       std::string_view ca_path) {
  if (format.empty()) return {};
  return fmt::format(fmt::runtime(format), fmt::arg("name", option.name), fmt::arg("path", path),
                     fmt::arg("side", side), fmt::arg("ca_path", ca_path));
}

}  // namespace mtlscert
