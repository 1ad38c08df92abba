// mta_sts.h: MTA-STS (RFC 8461) policies: the policy file, the _mta-sts TXT record, and the
// MX patterns a sending MTA matches every MX host against.
//
// A policy is what https://mta-sts.DOMAIN/.well-known/mta-sts.txt serves: "key: value" lines,
// version first. A sender that enforces it delivers only to MX hosts matching an "mx:" pattern
// whose certificate verifies (PKIX) for that host name. The parser is strict where RFC 8461
// says MUST (version first, one mode, max_age a number of at most a year, mx required unless
// mode none) and lenient where it allows (unknown keys, LF or CRLF line ends).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace mtlscert {

/// The largest max_age RFC 8461 3.2 allows (31557600 s, one year).
inline constexpr std::int64_t kMtaStsMaxAge = 31557600;
/// The largest policy body a sender needs to read (RFC 8461 3.3: 64 KiB).
inline constexpr std::size_t kMtaStsMaxPolicyBytes = 64 * 1024;

struct MtaStsPolicy {
  std::string mode;             ///< "enforce", "testing" or "none"
  std::vector<std::string> mx;  ///< patterns: "mx.example.org", "*.example.net"
  std::int64_t max_age = 0;     ///< seconds
};

/// parse_mta_sts_policy reads a policy body. Throws Error naming the line and the rule broken
/// (what: "MTA-STS policy line N: …").
MtaStsPolicy parse_mta_sts_policy(std::string_view body);

/// mta_sts_policy_text: the policy file to publish, CRLF line ends (RFC 8461 3.2's ABNF).
/// Throws Error for a mode, pattern or max_age the parser would refuse.
std::string mta_sts_policy_text(const MtaStsPolicy& policy);

/// mx_pattern_matches: RFC 8461 4.1: a pattern matches the host equal to it, or, for
/// "*.example.org", a host of exactly one more label ("mx.example.org", not
/// "a.b.example.org" nor "example.org"). Case-insensitive; a trailing dot is ignored.
bool mx_pattern_matches(std::string_view pattern, std::string_view host);

/// check_mx_pattern throws Error unless pattern is a host name or "*." and a host name.
void check_mx_pattern(std::string_view pattern);

/// mta_sts_id: the id of the TXT record made from a time: "20261203T061500" (UTC, 15 of the
/// 32 characters RFC 8461 allows, and a new one each time the policy changes).
std::string mta_sts_id(std::time_t when);

/// mta_sts_txt_record: `_mta-sts.DOMAIN. IN TXT "v=STSv1; id=ID;"`; throws Error for an id
/// that is not 1 to 32 letters and digits.
std::string mta_sts_txt_record(std::string_view domain, std::string_view id);

/// parse_mta_sts_txt: the id of an _mta-sts TXT record ("v=STSv1; id=…"); throws Error when
/// the record is not STSv1 or has no valid id.
std::string parse_mta_sts_txt(std::string_view txt);

}  // namespace mtlscert
