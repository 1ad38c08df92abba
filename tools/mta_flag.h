// mta_flag.h: the `--mta NAME` flag of emit, doctor, init and access: its value as an
// Mta, and the one error for an MTA whose case a command does not have yet.
#pragma once

#include <string>
#include <string_view>

#include "core/mta.h"

namespace mtlscert::cli {

/// kMtaTypeName: the --mta type name help prints and completion offers.
inline constexpr const char* kMtaTypeName = "sendmail|postfix|exim";

/// mta_from_flag: the Mta named by --mta (CLI11 already checked it is one of kMtas).
Mta mta_from_flag(const std::string& name);

/// not_implemented: throws the exit-2 Error "COMMAND --mta NAME: not implemented yet".
[[noreturn]] void not_implemented(std::string_view command, Mta mta);

}  // namespace mtlscert::cli
