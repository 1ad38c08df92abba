#include "output.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

namespace mtlscert::cli {
namespace {

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
  fmt::print(stdout, "{}\n", line);
}

void Output::result(std::string_view line) const {
  if (global_.json) return;
  fmt::print(stdout, "{}\n", line);
}

void Output::warn(std::string_view line) const {
  if (global_.quiet) return;
  fmt::print(stderr, "mtlscert: {} {}\n", paint("warning:", "33", stderr_color_), line);
}

void Output::warn_all(const std::vector<std::string>& lines) const {
  for (const auto& l : lines) warn(l);
}

void Output::json(std::string_view document) const {
  if (!global_.json) return;
  fmt::print(stdout, "{}\n", document);
}

void Output::error(const Error& e) const {
  std::fflush(stdout);
  fmt::print(stderr, "mtlscert: {} {}\n", paint("error:", "31", stderr_color_), e.what());
  if (!e.hint().empty()) fmt::print(stderr, "mtlscert: hint: {}\n", e.hint());
  if (!e.openssl_queue().empty()) {
    if (global_.verbose) {
      for (const auto& line : e.openssl_queue()) fmt::print(stderr, "mtlscert: openssl: {}\n", line);
    } else {
      fmt::print(stderr, "mtlscert: (re-run with -v or MTLSCERT_DEBUG=1 to see OpenSSL's own messages)\n");
    }
  }
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
