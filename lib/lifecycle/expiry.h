// expiry.h: is a certificate about to expire, and is the one on disk the one being served?
// inspect --expires-within, doctor --expires-within and doctor --probe.
//
// Finding codes (error level, so the command exits 1):
//   cert-expires-within   the certificate ends within the given duration (or has ended)
//   served-cert-differs   the server serves another certificate than the file: renewed but
//                         not reloaded (or the wrong file configured)
//   served-cert-unknown   the probe could not see the served certificate
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "pki/cert_info.h"

namespace mtlscert {

/// parse_duration: "30d", "12h", "2w", "90m", "45s" (a number and one unit) in seconds.
/// Throws Error naming the flag for anything else.
std::int64_t parse_duration(std::string_view text, std::string_view flag);

/// expiry_finding: cert-expires-within when `info` ends before now + within.
std::optional<Finding> expiry_finding(const CertInfo& info, const std::string& path, std::int64_t within,
                                      std::time_t now);

/// file_expiry_findings: expiry_finding for the first certificate of path (the server's own;
/// a missing or unreadable file gives nothing: the pre-flight reports it).
std::vector<Finding> file_expiry_findings(const std::string& path, std::int64_t within, std::time_t now);

/// served_findings: probe target (HOST[:PORT], STARTTLS, SNI servername, no verification:
/// only the comparison matters) and compare the served leaf with the first certificate of
/// path. Nothing when they are the same certificate.
std::vector<Finding> served_findings(const std::string& path, const std::string& target, const std::string& servername,
                                     std::time_t now);

}  // namespace mtlscert
