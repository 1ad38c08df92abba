// cli.h: the command line: every subcommand's flags (the only CLI11 user) and dispatch.
#pragma once

namespace mtlscert::cli {

/// run_cli parses argv, runs the chosen command and returns the process exit
/// code: 0 ok, 1 findings, 2 usage error or failure (CLI11's own codes mapped to 2).
int run_cli(int argc, char** argv);

}  // namespace mtlscert::cli
