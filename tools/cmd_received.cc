#include "cmd_received.h"

#include <fmt/format.h>

#include "smtp/received.h"

namespace mtlscert::cli {

const char* const kReceivedSummary =
    "Read a message's Received: headers and tell, hop by hop, whether it travelled over TLS";
const char* const kReceivedExamples = R"(  $ mtlscert received bounced-message.eml
      one line per hop, first hop first: TLS version, cipher, bits, verify; exit 1 if a hop was in clear
  $ mtlscert received < /var/mail/root
      the first message of a mailbox, read from standard input
  $ mtlscert received --json message.eml | jq '.hops[] | {by, tls, verify}'
      the same as one JSON document (schema mtlscert.received/1))";

int run_received(const ReceivedOptions& o, const Output& out) {
  ReceivedReport r = check_received_file(o.file);
  Report report;
  report.set_result(to_json(r));
  report.inputs = {o.file};
  report.findings = r.findings;
  for (const auto& h : r.hops) {
    std::string line = fmt::format("hop {}: {} -> {}: {}", h.number, h.from.empty() ? "?" : h.from,
                                   h.by.empty() ? "?" : h.by, hop_tls_name(h.tls));
    if (h.tls == HopTls::Tls) {
      if (!h.version.empty()) line += " " + h.version;
      if (!h.cipher.empty()) line += " cipher=" + h.cipher;
      if (!h.bits.empty()) line += " bits=" + h.bits;
      if (!h.verify.empty()) line += " verify=" + h.verify;
      if (h.version.empty() && !h.protocol.empty()) line += " (with " + h.protocol + ")";
    } else if (!h.protocol.empty()) {
      line += " (with " + h.protocol + ")";
    }
    if (!h.mta.empty()) line += " [" + h.mta + "]";
    out.result(line);
  }
  if (!has_level(r.findings, Level::Error)) {
    out.result(r.hops.empty() ? "No Received: header; nothing to judge."
                              : fmt::format("Every hop of {} used TLS (or stayed on this machine).",
                                            o.file == "-" ? "the message" : o.file));
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
