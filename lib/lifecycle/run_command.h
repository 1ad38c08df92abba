// run_command.h: run an administrator's shell command (install-cert --reload CMD).
#pragma once

#include <string>

namespace mtlscert {

/// run_shell_command runs `/bin/sh -c command` and waits for it. Its standard output goes
/// to our standard error: stdout carries the command's result (and --json's document).
/// Returns its exit status, 128+N when killed by signal N, 127 when it could not start.
int run_shell_command(const std::string& command);

}  // namespace mtlscert
