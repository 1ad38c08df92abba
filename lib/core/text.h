// text.h: the small string helpers the library shares (ASCII only: configuration
// files, header fields and option names, never user prose).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtlscert {

/// trim returns s without leading and trailing white space (std::isspace).
std::string trim(std::string_view s);

/// lower returns s with ASCII letters in lower case.
std::string lower(std::string_view s);

/// iequals compares a and b ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

/// split_pair splits value at its first comma: {value} without one, else {before, after}
/// (sendmail's "FILE1,FILE2" form of the certificate and key options).
std::vector<std::string> split_pair(const std::string& value);

/// join_list renders {"a", "b", "c"} as "a, b and c": items separated by ", ", the last two
/// by last_separator.
std::string join_list(const std::vector<std::string_view>& items, std::string_view last_separator = " and ");

}  // namespace mtlscert
