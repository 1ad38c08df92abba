// names.h: host names as a mail certificate needs them, checked before any work,
// and the MX host read from a zone-file or `dig +short MX` line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtlscert {

/// HostName: a validated DNS host name.
struct HostName {
  std::string ascii;    ///< lower-case A-label form without trailing dot: what goes in CN and SAN
  std::string display;  ///< as the user wrote it, minus the trailing dot (U-labels kept)
};

/// Longest CN an X.509 certificate may carry (RFC 5280 ub-common-name).
inline constexpr std::size_t kMaxCommonName = 64;

/// validate_host_name checks `input` and returns its canonical form, or throws
/// Error whose message names the rule that failed, e.g.
///   "--host: 'smtp..toto.com' is not a valid host name: label 2 is empty (two dots in a row)".
/// Rules: not empty; no spaces, quotes, shell or m4 metacharacters; no wildcard; not an IP
/// literal; no underscore; international names converted to A-labels (IDNA 2008, libidn2);
/// at least two labels; labels of letters, digits and hyphens, 1-63 octets, not starting or
/// ending with a hyphen; at most 253 octets in all. A trailing dot is dropped and the name
/// lower-cased. `role` names the flag or field in messages ("--host", "--san", "CSR SAN").
HostName validate_host_name(std::string_view input, std::string_view role);

/// check_common_name throws Error if the name is too long to be a CN (64 octets).
void check_common_name(const HostName& name, std::string_view role);

/// MxRecord: one MX line.
struct MxRecord {
  int preference = 0;
  HostName host;
};

/// parse_mx_lines reads MX records from zone-file lines ("toto.com. IN MX 10 smtp.toto.com.",
/// with or without TTL) or `dig +short MX` output ("10 smtp.toto.com."), one per line;
/// comments (';') and blank lines are skipped. Throws Error naming the line that is not
/// an MX record, a null MX ("0 ."), or an invalid host.
std::vector<MxRecord> parse_mx_lines(std::string_view text);

/// primary_mx picks the record with the lowest preference (first on ties).
const MxRecord& primary_mx(const std::vector<MxRecord>& records);

}  // namespace mtlscert
