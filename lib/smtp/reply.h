// reply.h: a bounded reader of SMTP replies (RFC 5321 §4.2).
//
// A reply is one or more lines "CCC-text" ending with "CCC text" (or a bare
// "CCC"). The reader never holds more than max_line bytes of one line nor more
// than max_lines lines of one reply, whatever the server sends, and the whole
// reply must arrive before its deadline.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "smtp/transport.h"

namespace mtlscert {

struct SmtpReply {
  int code = 0;                    ///< e.g. 250
  std::vector<std::string> lines;  ///< text after "CCC-" / "CCC ", one per line, CRLF stripped
  bool positive() const noexcept { return code >= 200 && code < 400; }
  std::string first_line() const;  ///< "250 mx.example.org Hello" (code + first text)
};

struct ReplyLimits {
  std::size_t max_line = 4096;  ///< bytes per line including CRLF (RFC 5321 asks for 512)
  std::size_t max_lines = 512;  ///< lines per reply
};

/// LineReader: buffered CRLF line reader over a Transport.
class LineReader {
 public:
  explicit LineReader(Transport& transport) : transport_(&transport) {}
  /// read_line returns one line without its CRLF (a bare LF is accepted).
  /// Throws NetError "closed" at end of stream, "line-too-long" beyond max_line
  /// bytes, "timeout" at the deadline.
  std::string read_line(Deadline deadline, std::size_t max_line);
  /// set_transport switches to another stream (after STARTTLS); buffered bytes are
  /// dropped and reported: a server must not send anything between its 220 and TLS.
  std::size_t set_transport(Transport& transport);

 private:
  Transport* transport_;
  std::string buffer_;
};

/// read_reply reads one complete reply. Throws NetError "garbage" for a line that
/// does not start with three digits and a separator or whose code differs from
/// the first line's, "too-many-lines" beyond max_lines, and read_line's errors.
SmtpReply read_reply(LineReader& reader, Deadline deadline, const ReplyLimits& limits = {});

/// ehlo_keywords: the capability lines of an EHLO reply (all lines but the first).
std::vector<std::string> ehlo_keywords(const SmtpReply& reply);

/// has_keyword: true when a capability line's first word equals keyword (case-insensitive).
bool has_keyword(const std::vector<std::string>& capabilities, std::string_view keyword);

/// printable: the line with control and non-ASCII bytes as \xHH, cut to max bytes (for messages).
std::string printable(std::string_view line, std::size_t max = 120);

void to_json(nlohmann::ordered_json& j, const SmtpReply& reply);

}  // namespace mtlscert
