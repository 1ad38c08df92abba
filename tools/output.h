// output.h: the only code in tools/ that writes to stdout or stderr.
//
// Human text goes to stdout, warnings and errors to stderr with a "mtlscert:"
// prefix (syslog- and mail-friendly: no emoji, colour only on a terminal and
// never with NO_COLOR). With --json, stdout carries exactly one JSON document.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtlscert/error.h"

namespace mtlscert::cli {

/// GlobalOptions: flags every command accepts.
struct GlobalOptions {
  bool json = false;     ///< --json: one JSON document on stdout
  bool quiet = false;    ///< --quiet: no progress or success chatter, errors only
  bool verbose = false;  ///< -v: show OpenSSL's raw error queue (also MTLSCERT_DEBUG=1)
};

/// Output: formats messages consistently; constructed once per run.
class Output {
 public:
  explicit Output(const GlobalOptions& global);

  /// say: a line of human output on stdout (suppressed by --json and --quiet).
  void say(std::string_view line) const;
  /// result: a line of the command's result on stdout (suppressed by --json only).
  void result(std::string_view line) const;
  /// warn: "mtlscert: warning: …" on stderr (suppressed by --quiet).
  void warn(std::string_view line) const;
  void warn_all(const std::vector<std::string>& lines) const;
  /// json: print the command's JSON document (only with --json).
  void json(std::string_view document) const;
  /// error: "mtlscert: error: …" and the hint, on stderr; OpenSSL's queue with -v.
  void error(const Error& e) const;
  /// data: bytes that are the command's output (a PEM written to "-o -"), unchanged, on stdout.
  void data(std::string_view bytes) const;
  /// ask: show a one-line explanation and a prompt on stderr (stdout may carry data),
  /// then read one line from standard input; nullopt at end of input.
  std::optional<std::string> ask(std::string_view explanation, std::string_view prompt) const;

  bool json_mode() const noexcept { return global_.json; }
  bool quiet() const noexcept { return global_.quiet; }

 private:
  std::string paint(std::string_view text, std::string_view ansi, bool tty) const;
  GlobalOptions global_;
  bool stdout_color_ = false;
  bool stderr_color_ = false;
};

}  // namespace mtlscert::cli
