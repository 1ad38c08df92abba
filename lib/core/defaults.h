// defaults.h: every default mtlscert chooses for the user, in one place, so that the
// library's request structs and the CLI's help text (which prints these constants)
// cannot drift apart. Each value says why it is what it is.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace mtlscert {

// ---- keys ------------------------------------------------------------------------------
/// RSA 2048: every SMTP peer in the wild accepts it, and a mail certificate rarely
/// outlives its security margin.
inline constexpr int kDefaultRsaBits = 2048;
/// A private CA outlives its leaves many times over: one step up.
inline constexpr int kDefaultCaRsaBits = 3072;
/// The smallest RSA key we make or sign: OpenSSL's security level 2.
inline constexpr int kMinRsaBits = 2048;
/// The RSA sizes we make: the default, the CA's default, and one above for those who want it.
inline constexpr std::array<int, 3> kRsaBitsOffered = {kDefaultRsaBits, kDefaultCaRsaBits, 4096};
/// ECDSA's default curve: what every TLS 1.2/1.3 stack supports.
inline constexpr std::string_view kDefaultCurve = "P-256";

// ---- certificate lifetimes --------------------------------------------------------------
/// 397 days is the CA/Browser Forum ceiling that mail peers following browser rules also
/// apply; a private root lives ten years.
inline constexpr int kDefaultLeafDays = 397;
inline constexpr int kDefaultCaDays = 3650;
/// The longest lifetime `--days` accepts (a hundred years).
inline constexpr int kMaxDays = 36500;
/// Warn (doctor, emit-mc) and renew (init) when the server certificate ends sooner.
inline constexpr int kExpiryWarnDays = 30;
/// bundle check: notice certificates that expire within this many days.
inline constexpr int kBundleExpiringDays = 30;

// ---- CA lists (the certificate_authorities a server sends) --------------------------------
/// Sizes in bytes of the list as sent: measured against the peers that break on it
/// (shared/reference, "CA list size").
inline constexpr std::size_t kCaListNoticeBytes = 4096;
inline constexpr std::size_t kCaListWarnBytes = 8000;
inline constexpr std::size_t kCaListErrorBytes = 16000;
inline constexpr std::size_t kCaListJavaBytes = 32000;
/// bundle check: a notice above this many certificates in a CA file.
inline constexpr std::size_t kManyCertificates = 10;
/// Above this many certificates a CA file is a system trust store (see is_system_trust_store).
inline constexpr std::size_t kSystemStoreCertificates = 100;

// ---- sendmail files ------------------------------------------------------------------------
/// Where init puts keys, certificates and the m4 fragment.
inline constexpr std::string_view kDefaultInitDir = "/etc/mail/tls";
/// Debian's trust bundle: init's default CA bundle.
inline constexpr std::string_view kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
/// The name of the m4 fragment init writes in its directory.
inline constexpr std::string_view kInitMcName = "mtlscert-starttls.m4";
/// The include path written into the emit-mc instructions when the caller gives none.
inline constexpr std::string_view kDefaultMcInclude = "/etc/mail/tls/mtlscert-starttls.m4";
/// The group sendmail reads a group-readable key as (Debian's smmsp).
inline constexpr std::string_view kDefaultKeyGroup = "smmsp";

// ---- MTA-STS -------------------------------------------------------------------------------
/// max_age of a policy `mta-sts` writes: a week, what RFC 8461's examples use while a policy
/// is new (raise it once the policy is known good).
inline constexpr long kDefaultMtaStsMaxAge = 604800;

}  // namespace mtlscert
