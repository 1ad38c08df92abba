// output.h: the only code in tools/ that writes to stdout or stderr.
//
// The stream rule: results and findings go to stdout; errors, progress, warnings
// about the run itself and prompts go to stderr with a "mtlscert:" prefix (syslog-
// and mail-friendly: no emoji, colour only on a terminal and never with NO_COLOR).
// With --json, stdout carries exactly one JSON document, the envelope that
// finish() or fail() prints (schemas/envelope.schema.json). Text from outside
// (server replies, certificate names) is shown with control bytes escaped.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/finding.h"

namespace mtlscert::cli {

/// GlobalOptions: flags every command accepts.
struct GlobalOptions {
  bool json = false;     ///< --json: one JSON document on stdout
  bool quiet = false;    ///< --quiet: no progress or success chatter, errors only
  bool verbose = false;  ///< -v: show OpenSSL's raw error queue (also MTLSCERT_DEBUG=1)
  bool strict = false;   ///< --strict: any finding, not only an error, exits 1
  std::string command;   ///< the command that runs ("bundle check"), set after parsing
};

/// kSchemaVersion: the version of every command's document ("mtlscert.genkey/3");
/// bump it (and schemas/) when a shape changes (3: outputs[].dry_run).
inline constexpr int kSchemaVersion = 3;

/// schema_name: "mtlscert.bundle-check/2" for "bundle check".
std::string schema_name(std::string_view command);

/// terminal_safe: text for a terminal: control bytes (NUL, ESC, CR, DEL, C1) and
/// invalid UTF-8 shown as \xHH, so a server reply or certificate name cannot move
/// the cursor or rewrite the screen. Newlines are kept (they separate our lines).
std::string terminal_safe(std::string_view text);

/// Written: a file a command wrote, for the envelope's "outputs".
struct Written {
  std::string path;
  mode_t mode = 0;
  bool dry_run = false;  ///< --dry-run: would be written, was not
};

/// Report: what a command did, handed once to Output::finish.
struct Report {
  std::vector<Finding> findings;
  std::vector<std::string> inputs;                                   ///< files read ("-": stdin)
  std::vector<Written> outputs;                                      ///< files written, with mode
  nlohmann::ordered_json result = nlohmann::ordered_json::object();  ///< the command's own fields
  /// data_on_stdout: stdout carries the product (a PEM for -o -, the .mc lines): the
  /// findings go to stderr so that they cannot corrupt it.
  bool data_on_stdout = false;

  /// add_warnings: the library's advice strings as warn-level findings with this code.
  void add_warnings(const std::vector<std::string>& warnings, std::string_view code);
  /// set_result: a library --json document as the result, minus the envelope's fields.
  void set_result(const std::string& document);
  /// set_result: the same from the document as a value (probe -f: one a target, no reparse).
  void set_result(nlohmann::ordered_json document);
};

/// Output: formats messages consistently; constructed once per run.
class Output {
 public:
  explicit Output(const GlobalOptions& global);

  /// say: a line of human output on stdout (suppressed by --json and --quiet).
  void say(std::string_view line) const;
  /// result: a line of the command's result on stdout (suppressed by --json only).
  void result(std::string_view line) const;
  /// note: "mtlscert: …" on stderr, what say() prints when stdout carries the product
  /// (suppressed by --json and --quiet).
  void note(std::string_view line) const;
  /// warn: "mtlscert: warning: …" on stderr (suppressed by --quiet).
  void warn(std::string_view line) const;
  void warn_all(const std::vector<std::string>& lines) const;
  /// error: "mtlscert: error: …" and the hint, on stderr; OpenSSL's queue with -v.
  void error(const Error& e) const;
  /// finding: one finding for a person, on stdout: "error  code: message", then the
  /// certificate or file it is about, what sendmail logs, and "next:" the remedy.
  /// --quiet keeps error-level findings only.
  void finding(const Finding& f, std::FILE* stream = stdout) const;
  /// finish: the end of every command that ran. Prints the findings (or, with --json,
  /// the one envelope document) and returns the exit code of the one policy
  /// (mtlscert::exit_code: 1 on an error-level finding, or any with --strict).
  int finish(const Report& report) const;
  /// fail: the end of a command that could not run: the error on stderr and, with
  /// --json, an envelope with verdict "error" on stdout, holding what was done before
  /// the failure when partial is given (probe's dialogue, inspect's other files). Returns 2.
  int fail(const Error& e, const Report* partial = nullptr) const;
  /// json_line_text: the envelope finish() (no error) or fail() (error given) prints, on one
  /// line without its newline and whatever --json says, not printed: one line per target of
  /// `probe -f --json` (JSON Lines), made on the thread that probed it; print it with data().
  std::string json_line_text(const Report* report, const Error* error, int code) const;
  /// print_version: "mtlscert VERSION", or its document with --json.
  int print_version(std::string_view version) const;
  /// data: bytes that are the command's output (a PEM written to "-o -"), unchanged, on stdout.
  void data(std::string_view bytes) const;
  /// ask: show a one-line explanation and a prompt on stderr (stdout may carry data),
  /// then read one line from standard input; nullopt at end of input.
  std::optional<std::string> ask(std::string_view explanation, std::string_view prompt) const;

  bool json_mode() const noexcept { return global_.json; }
  bool quiet() const noexcept { return global_.quiet; }
  bool strict() const noexcept { return global_.strict; }
  const std::string& command() const noexcept { return global_.command; }

 private:
  nlohmann::ordered_json envelope(const Report* report, const Error* error, int code) const;
  std::string paint(std::string_view text, std::string_view ansi, bool tty) const;
  GlobalOptions global_;
  bool stdout_color_ = false;
  bool stderr_color_ = false;
};

}  // namespace mtlscert::cli
