// Fuzz target: the SMTP reply reader (bytes from an untrusted server) and the probe --json
// document that carries what it read. The first byte picks the read chunk size and the limits,
// so short reads, long lines and many-line replies are all reached.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "smtp/probe.h"
#include "smtp/reply.h"
#include "smtp/transport.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned selector = data[0];
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  mtlscert::ReplyLimits limits;
  limits.max_line = 8 + (selector & 0x3f) * 4;         // 8..260 bytes
  limits.max_lines = 1 + ((selector >> 6) & 0x3) * 3;  // 1..10 lines
  mtlscert::MemoryTransport transport(input, 1 + (selector % 7));
  mtlscert::LineReader reader(transport);
  auto deadline = mtlscert::Clock::now() + std::chrono::seconds(5);
  mtlscert::ProbeReport report;
  for (int n = 0; n < 64; ++n) {
    try {
      mtlscert::SmtpReply reply = mtlscert::read_reply(reader, deadline, limits);
      // What the reader promises: a code 200-599, at most max_lines lines, none longer than a line.
      if (reply.code < 200 || reply.code > 599) __builtin_trap();
      if (reply.lines.empty() || reply.lines.size() > limits.max_lines) __builtin_trap();
      for (const auto& l : reply.lines) {
        if (l.size() > limits.max_line) __builtin_trap();
        if (l.find('\n') != std::string::npos) __builtin_trap();
        (void)mtlscert::printable(l);
      }
      (void)reply.first_line();
      auto caps = mtlscert::ehlo_keywords(reply);
      (void)mtlscert::has_keyword(caps, "STARTTLS");
      if (!report.greeting) {
        report.greeting = reply;
      } else {
        report.post_tls_ehlo = reply;
        report.capabilities = caps;
      }
    } catch (const mtlscert::NetError& e) {
      if (e.code().empty()) __builtin_trap();
      break;
    }
  }
  // The --json document must be produced and must parse, whatever bytes the server sent.
  std::string doc = mtlscert::probe_json(report);
  if (!nlohmann::json::accept(doc)) __builtin_trap();
  return 0;
}
