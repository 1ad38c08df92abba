// process.h: run a program (the mtlscert binary, openssl) and capture what it did.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mtlscert::test {

struct RunResult {
  int exit_code = -1;  ///< exit status, or 128+signal when killed
  std::string out;     ///< standard output
  std::string err;     ///< standard error
  bool timed_out = false;
};

struct RunOptions {
  std::string input;                                     ///< fed to standard input
  std::vector<std::pair<std::string, std::string>> env;  ///< added to (or replacing in) the environment
  std::string cwd;                                       ///< working directory, if not empty
  int timeout_seconds = 120;
};

/// run executes argv[0] (searched in PATH) and waits for it, killing it after the timeout.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

/// run_mtlscert runs the built binary with args.
RunResult run_mtlscert(const std::vector<std::string>& args, const RunOptions& options = {});

/// openssl runs the system's openssl CLI, the independent peer of every check.
RunResult openssl(const std::vector<std::string>& args, const RunOptions& options = {});

}  // namespace mtlscert::test
