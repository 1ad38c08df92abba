#include "lifecycle/expiry.h"

#include <charconv>

#include <fmt/format.h>

#include "core/error.h"
#include "pki/objects.h"
#include "smtp/probe.h"

namespace mtlscert {
namespace {

// The leaf of a certificate file, described; nullopt when it cannot be read.
std::optional<CertInfo> first_certificate(const std::string& path, std::time_t now) {
  try {
    PkiFile f = load_objects_file(path, "certificate");
    for (auto& o : f.objects) {
      if (o.kind == ObjectKind::Certificate && o.cert) return describe_certificate(o.cert.get(), now);
    }
  } catch (const Error&) {
  }
  return std::nullopt;
}

std::string when(std::int64_t seconds) {
  if (seconds < 0) return fmt::format("ended {} day(s) ago", -seconds / 86400);
  if (seconds < 86400) return fmt::format("ends in {} hour(s)", seconds / 3600);
  return fmt::format("ends in {} day(s)", seconds / 86400);
}

}  // namespace

std::int64_t parse_duration(std::string_view text, std::string_view flag) {
  std::int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  std::int64_t unit = 0;
  if (ec == std::errc() && p + 1 == end && n >= 0) {
    switch (*p) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: break;
    }
  }
  if (unit == 0 || n > (std::int64_t{1} << 40)) {
    throw Error(fmt::format("{} {}: not a duration", flag, text), "",
                fmt::format("give a number and a unit: {} 30d (s, m, h, d or w)", flag));
  }
  return n * unit;
}

std::optional<Finding> expiry_finding(const CertInfo& info, const std::string& path, std::int64_t within,
                                      std::time_t now) {
  const std::int64_t left = info.not_after_epoch - now;
  if (left >= within) return std::nullopt;
  return make_finding(
      Level::Error, "cert-expires-within",
      fmt::format("{} (serial {}, {}) {} ({})", path, info.serial, info.common_name, when(left), info.not_after),
      "renew it now (certbot renew, or a new CSR to your CA), then: mtlscert install-cert", path);
}

std::vector<Finding> file_expiry_findings(const std::string& path, std::int64_t within, std::time_t now) {
  std::vector<Finding> out;
  if (auto info = first_certificate(path, now)) {
    if (auto f = expiry_finding(*info, path, within, now)) out.push_back(std::move(*f));
  }
  return out;
}

std::vector<Finding> served_findings(const std::string& path, const std::string& target, const std::string& servername,
                                     std::time_t now) {
  std::vector<Finding> out;
  const auto disk = first_certificate(path, now);
  if (!disk) return out;  // the pre-flight reports a missing or unreadable certificate
  ProbeOptions o;
  o.target = target;
  o.servername = servername;
  o.insecure_skip_verify = true;
  o.now = now;
  ProbeReport r = probe(o);
  if (r.failure || r.chain.empty()) {
    out.push_back(make_finding(Level::Error, "served-cert-unknown",
                               fmt::format("{}: could not see the served certificate: {}", target,
                                           r.failure ? r.failure->message : std::string("no certificate sent")),
                               r.failure && !r.failure->hint.empty()
                                   ? r.failure->hint
                                   : "check that the server runs: mtlscert probe " + target,
                               path));
    return out;
  }
  const CertInfo& served = r.chain.front();
  if (served.sha256 == disk->sha256) return out;
  out.push_back(make_finding(
      Level::Error, "served-cert-differs",
      fmt::format("{} serves serial {} (ends {}), not {}'s serial {} (ends {}): renewed but not reloaded?", target,
                  served.serial, served.not_after, path, disk->serial, disk->not_after),
      "reload the mail server so that it reads the file (e.g. systemctl reload sendmail), then run doctor --probe "
      "again",
      path));
  return out;
}

}  // namespace mtlscert
