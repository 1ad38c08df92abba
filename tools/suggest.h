// suggest.h: "did you mean" for mistyped subcommands.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtlscert::cli {

/// closest returns the candidate nearest to word by edit distance, or empty
/// when none is close enough to be a plausible typo.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace mtlscert::cli
