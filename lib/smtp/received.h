// received.h: did a message travel over TLS? Reads a message's Received: headers and
// tells, hop by hop, what each MTA wrote about the connection: sendmail
// "(version=TLSv1.3 cipher=... bits=256 verify=OK)", Postfix "(using TLSv1.3 with cipher X
// (256/256 bits))", Exim "X=TLS1.3:cipher:256" / "with esmtps", Microsoft
// "(version=TLS1_2, cipher=...)", qmail's "(CIPHER encrypted) SMTP", and RFC 3848's ESMTPS.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"

namespace mtlscert {

/// HopTls: what a Received: header says about the connection it records.
enum class HopTls {
  Tls,      ///< TLS was used (the header says so)
  Clear,    ///< an SMTP/LMTP protocol word without any sign of TLS
  Local,    ///< no network protocol: local submission (sendmail's "from userid", "with local")
  Unknown,  ///< nothing recognisable
};
std::string_view hop_tls_name(HopTls tls);  ///< "tls", "clear", "local", "unknown"

struct ReceivedHop {
  int number = 0;        ///< 1 = the first hop of the journey (the lowest Received: header)
  std::string header;    ///< the header value, unfolded, white space collapsed
  std::string from;      ///< the word after "from" (may be empty)
  std::string by;        ///< the word after "by"
  std::string protocol;  ///< the word after "with" (ESMTPS, esmtps, SMTP, …)
  std::string mta;       ///< sendmail, postfix, exim, microsoft, qmail, generic, or empty
  HopTls tls = HopTls::Unknown;
  bool loopback = false;  ///< the connection came from 127.0.0.1, ::1 or localhost
  std::string version;    ///< TLSv1.3, TLS1.3, TLS1_2, … as the MTA wrote it
  std::string cipher;
  std::string bits;
  std::string verify;  ///< OK, FAIL, NO, NOT, … (sendmail's words; mapped for others)
  bool cut = false;    ///< the header was longer than kMaxReceivedHeader: only its start was read
};

struct ReceivedReport {
  std::vector<ReceivedHop> hops;  ///< journey order: first hop first
  std::vector<Finding> findings;  ///< received-clear (error), received-verify-fail (error), …
};

/// The header section read at most (a normal one is a few KiB): a message with more is cut
/// there, with the finding received-headers-too-long.
inline constexpr std::size_t kMaxHeaderSection = 1u << 20;
/// The bytes of one Received: value parsed at most (real ones are under 1 KiB): a longer one
/// is cut there, with the finding received-header-too-long.
inline constexpr std::size_t kMaxReceivedHeader = 8u << 10;

/// header_section_end: the offset just past the empty line that ends the header section of
/// text, or npos when text holds no such line (yet).
std::size_t header_section_end(std::string_view text);

/// unfold_headers returns the header section (up to the first empty line) as one string
/// per header, continuation lines joined with a single space.
std::vector<std::string> unfold_headers(std::string_view message);

/// parse_received_header reads one Received: value (without the "Received:" name), at most
/// its first kMaxReceivedHeader bytes; time and stack do not grow with hostile input.
ReceivedHop parse_received_header(std::string_view value);

/// check_received reads every Received: header of message and judges each hop: a hop in
/// clear from another machine and a verify=FAIL are errors; a loopback hop in clear and a
/// header nothing can be read from are notices. Never throws.
ReceivedReport check_received(std::string_view message);

/// check_received_file: check_received on the file at path ("-": standard input), reading
/// only its header section (never the body). Throws Error when the file cannot be read.
ReceivedReport check_received_file(const std::string& path);

/// to_json: the received --json document ("mtlscert.received/1").
std::string to_json(const ReceivedReport& report);

}  // namespace mtlscert
