#include "output.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "core/io.h"

namespace mtlscert::cli {
namespace {

using json = nlohmann::ordered_json;

// utf8_length: the length of the valid UTF-8 sequence at text[i], 0 if invalid.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

std::string plural(std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

json null_or(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json written_json(const Written& w) {
  return {{"path", w.path}, {"mode", io::mode_string(w.mode)}, {"dry_run", w.dry_run}};
}

std::string dump(const json& doc) {
  // Untrusted text (replies, names) may be invalid UTF-8: replace it, never throw.
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

bool color_allowed(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return ::isatty(fd) == 1;
}

bool debug_env() {
  const char* debug = std::getenv("MTLSCERT_DEBUG");
  return debug != nullptr && *debug != '\0' && std::string_view(debug) != "0";
}

}  // namespace

std::string schema_name(std::string_view command) {
  std::string slug(command);
  for (char& c : slug) {
    if (c == ' ') c = '-';
  }
  return fmt::format("mtlscert.{}/{}", slug, kSchemaVersion);
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || (c >= 0x20 && c < 0x7F)) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = c >= 0x80 ? utf8_length(text, i) : 0;
    // U+0080..U+009F (C2 80..C2 9F) are the C1 controls, CSI among them.
    bool c1 = n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if (n > 0 && !c1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    out += fmt::format("\\x{:02x}", c);
    ++i;
  }
  return out;
}

void Report::add_warnings(const std::vector<std::string>& warnings, std::string_view code) {
  for (const auto& w : warnings) findings.push_back(make_finding(Level::Warn, std::string(code), w));
}

void Report::set_result(const std::string& document) { set_result(json::parse(document)); }

void Report::set_result(json document) {
  result = std::move(document);
  // "path" and "out" meant the input in some commands and the output in others: the
  // envelope's "inputs" and "outputs" say which.
  for (const char* key : {"schema", "findings", "warnings", "exit_code", "path", "out", "mode"}) result.erase(key);
  // A library's human verdict sentence stays, under a name that cannot be mistaken for ours.
  if (result.contains("verdict")) {
    json summary = result["verdict"];
    result.erase("verdict");
    result["summary"] = summary;
  }
}

Output::Output(const GlobalOptions& global)
    : global_(global), stdout_color_(color_allowed(STDOUT_FILENO)), stderr_color_(color_allowed(STDERR_FILENO)) {
  if (debug_env()) global_.verbose = true;
}

std::string Output::paint(std::string_view text, std::string_view ansi, bool tty) const {
  if (!tty) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", ansi, text);
}

void Output::say(std::string_view line) const {
  if (global_.json || global_.quiet) return;
  fmt::print(stdout, "{}\n", terminal_safe(line));
}

void Output::result(std::string_view line) const {
  if (global_.json) return;
  fmt::print(stdout, "{}\n", terminal_safe(line));
}

void Output::note(std::string_view line) const {
  if (global_.json || global_.quiet) return;
  std::fflush(stdout);
  fmt::print(stderr, "mtlscert: {}\n", terminal_safe(line));
}

void Output::warn(std::string_view line) const {
  if (global_.quiet) return;
  fmt::print(stderr, "mtlscert: {} {}\n", paint("warning:", "33", stderr_color_), terminal_safe(line));
}

void Output::warn_all(const std::vector<std::string>& lines) const {
  for (const auto& l : lines) warn(l);
}

void Output::error(const Error& e) const {
  std::fflush(stdout);
  fmt::print(stderr, "mtlscert: {} {}\n", paint("error:", "31", stderr_color_), terminal_safe(e.what()));
  if (!e.hint().empty()) fmt::print(stderr, "mtlscert: hint: {}\n", terminal_safe(e.hint()));
  if (!e.openssl_queue().empty()) {
    if (global_.verbose) {
      for (const auto& line : e.openssl_queue()) fmt::print(stderr, "mtlscert: openssl: {}\n", line);
    } else {
      fmt::print(stderr, "mtlscert: (re-run with -v or MTLSCERT_DEBUG=1 to see OpenSSL's own messages)\n");
    }
  }
}

void Output::finding(const Finding& f, std::FILE* stream) const {
  if (global_.json || (global_.quiet && f.level != Level::Error)) return;
  const char* colour = f.level == Level::Error ? "31" : f.level == Level::Warn ? "33" : "36";
  std::string level = fmt::format("{:<6}", level_name(f.level));
  const bool tty = stream == stdout ? stdout_color_ : stderr_color_;
  if (stream == stderr) std::fflush(stdout);
  fmt::print(stream, "{} {}: {}\n", paint(level, colour, tty), f.code, terminal_safe(f.message));
  constexpr const char* kIndent = "       ";
  if (f.cert.index >= 0) {
    std::string fp = f.cert.sha256.size() > 23 ? f.cert.sha256.substr(0, 23) + "..." : f.cert.sha256;
    fmt::print(stream, "{}#{} line {}: {} (SHA-256 {})\n", kIndent, f.cert.index, f.cert.line,
               terminal_safe(f.cert.subject), fp);
  }
  if (!f.path.empty() && f.message.find(f.path) == std::string::npos) {
    fmt::print(stream, "{}file: {}\n", kIndent, terminal_safe(f.path));
  }
  if (!f.sendmail_log.empty())
    fmt::print(stream, "{}{} logs: {}\n", kIndent, f.logged_by, terminal_safe(f.sendmail_log));
  if (!f.hint.empty()) fmt::print(stream, "{}next: {}\n", kIndent, terminal_safe(f.hint));
}

nlohmann::ordered_json Output::envelope(const Report* report, const Error* e, int code) const {
  json doc;
  doc["schema"] = global_.command.empty() ? std::string("mtlscert.error/1") : schema_name(global_.command);
  doc["command"] = global_.command.empty() ? std::string("mtlscert") : global_.command;
  doc["exit_code"] = code;
  doc["verdict"] = e != nullptr ? "error" : code == static_cast<int>(Exit::Ok) ? "ok" : "findings";
  doc["findings"] = report ? json(report->findings) : json::array();
  doc["inputs"] = report ? json(report->inputs) : json::array();
  json outputs = json::array();
  if (report) {
    for (const auto& w : report->outputs) outputs.push_back(written_json(w));
  }
  doc["outputs"] = outputs;
  doc["result"] = report ? report->result : json(nullptr);
  doc["error"] = e != nullptr ? json{{"message", e->what()}, {"path", null_or(e->path())}, {"hint", null_or(e->hint())}}
                              : json(nullptr);
  return doc;
}

int Output::finish(const Report& report) const {
  const Exit code = exit_code(report.findings, global_.strict);
  if (global_.json) {
    fmt::print(stdout, "{}\n", dump(envelope(&report, nullptr, static_cast<int>(code))));
    return static_cast<int>(code);
  }
  std::FILE* stream = report.data_on_stdout ? stderr : stdout;
  std::size_t counts[3] = {0, 0, 0};
  for (const auto& f : report.findings) {
    ++counts[static_cast<int>(f.level)];
    finding(f, stream);
  }
  if (!report.findings.empty() && !global_.quiet) {
    fmt::print(stream, "{}, {}, {}.\n", plural(counts[2], "error"), plural(counts[1], "warning"),
               plural(counts[0], "notice"));
  }
  std::fflush(stdout);
  return static_cast<int>(code);
}

int Output::fail(const Error& e, const Report* partial) const {
  error(e);
  if (global_.json) {
    fmt::print(stdout, "{}\n", dump(envelope(partial, &e, static_cast<int>(Exit::Failed))));
    std::fflush(stdout);
  }
  return static_cast<int>(Exit::Failed);
}

std::string Output::json_line_text(const Report* report, const Error* error, int code) const {
  // One line per document (JSON Lines); invalid UTF-8 from a server is replaced, as in dump().
  return envelope(report, error, code).dump(-1, ' ', false, json::error_handler_t::replace);
}

int Output::print_version(std::string_view version) const {
  if (!global_.json) {
    fmt::print(stdout, "mtlscert {}\n", version);
    return 0;
  }
  json doc;
  doc["schema"] = "mtlscert.version/1";
  doc["command"] = "version";
  doc["exit_code"] = 0;
  doc["verdict"] = "ok";
  doc["findings"] = json::array();
  doc["inputs"] = json::array();
  doc["outputs"] = json::array();
  doc["result"] = {{"version", std::string(version)}};
  doc["error"] = nullptr;
  fmt::print(stdout, "{}\n", dump(doc));
  return 0;
}

void Output::data(std::string_view bytes) const {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

std::optional<std::string> Output::ask(std::string_view explanation, std::string_view prompt) const {
  std::fflush(stdout);
  fmt::print(stderr, "\n{}\n{}: ", explanation, prompt);
  std::fflush(stderr);
  std::string line;
  if (!std::getline(std::cin, line)) {
    fmt::print(stderr, "\n");
    return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (::isatty(STDIN_FILENO) != 1) fmt::print(stderr, "{}\n", line);  // piped answers: keep the transcript readable
  return line;
}

}  // namespace mtlscert::cli
