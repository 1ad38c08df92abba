#include "smtp/mta_sts.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "core/error.h"
#include "core/text.h"
#include "smtp/reply.h"

namespace mtlscert {
namespace {

std::string_view without_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

bool is_host_name(std::string_view s) {
  s = without_dot(s);
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-') return false;
      label = 0;
      continue;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c) && c != '-') return false;
    ++label;
  }
  return true;
}

bool valid_mode(std::string_view m) { return m == "enforce" || m == "testing" || m == "none"; }

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 32 &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

void check_mx_pattern(std::string_view pattern) {
  std::string_view host = pattern.substr(0, 2) == "*." ? pattern.substr(2) : pattern;
  if (!is_host_name(host)) {
    throw Error(fmt::format("'{}' is not an MX pattern", printable(pattern)), {},
                "give a host name (mx.example.org) or a wildcard of one label (*.example.org)");
  }
}

bool mx_pattern_matches(std::string_view pattern, std::string_view host) {
  std::string p = lower(without_dot(trim(pattern)));
  std::string h = lower(without_dot(trim(host)));
  if (p.empty() || h.empty()) return false;
  if (p.rfind("*.", 0) == 0) {
    auto dot = h.find('.');
    return dot != std::string::npos && dot > 0 && h.substr(dot + 1) == p.substr(2);
  }
  return p == h;
}

MtaStsPolicy parse_mta_sts_policy(std::string_view body) {
  if (body.size() > kMtaStsMaxPolicyBytes) {
    throw Error(
        fmt::format("MTA-STS policy: {} bytes, more than the {} a sender reads", body.size(), kMtaStsMaxPolicyBytes));
  }
  MtaStsPolicy p;
  bool have_mode = false;
  bool have_age = false;
  std::size_t n = 0;
  auto fail = [&](const std::string& what, std::string hint = {}) {
    throw Error(fmt::format("MTA-STS policy line {}: {}", n, what), {}, std::move(hint));
  };
  while (!body.empty()) {
    auto eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++n;
    if (trim(line).empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) fail(fmt::format("'{}' is not 'key: value'", printable(line)));
    std::string key = trim(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    if (n == 1 && key != "version") fail("the first field must be 'version: STSv1'");
    if (key == "version") {
      if (n != 1) fail("'version' must be the first field");
      if (value != "STSv1") fail(fmt::format("version '{}', expected STSv1", printable(value)));
    } else if (key == "mode") {
      if (have_mode) fail("a second 'mode'");
      if (!valid_mode(value)) fail(fmt::format("mode '{}', expected enforce, testing or none", printable(value)));
      p.mode = std::string(value);
      have_mode = true;
    } else if (key == "max_age") {
      if (have_age) fail("a second 'max_age'");
      std::int64_t v = -1;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (value.empty() || value.size() > 10 || ec != std::errc() || end != value.data() + value.size() || v < 0 ||
          v > kMtaStsMaxAge) {
        fail(fmt::format("max_age '{}' is not a number of seconds from 0 to {}", printable(value), kMtaStsMaxAge));
      }
      p.max_age = v;
      have_age = true;
    } else if (key == "mx") {
      try {
        check_mx_pattern(value);
      } catch (const Error& e) {
        fail(e.what(), e.hint());
      }
      p.mx.emplace_back(value);
    }
    // Any other key is an extension: RFC 8461 3.2 says to ignore it.
  }
  n = 0;
  if (!have_mode) throw Error("MTA-STS policy: no 'mode' field", {}, "add 'mode: enforce', 'testing' or 'none'");
  if (!have_age) throw Error("MTA-STS policy: no 'max_age' field", {}, "add 'max_age: 604800' (a week)");
  if (p.mx.empty() && p.mode != "none") {
    throw Error(fmt::format("MTA-STS policy: mode {} without any 'mx' field", p.mode), {},
                "list every MX host (or a wildcard) in 'mx:' lines");
  }
  return p;
}

std::string mta_sts_policy_text(const MtaStsPolicy& policy) {
  if (!valid_mode(policy.mode)) {
    throw Error(fmt::format("--mode '{}': expected enforce, testing or none", printable(policy.mode)));
  }
  if (policy.max_age < 0 || policy.max_age > kMtaStsMaxAge) {
    throw Error(fmt::format("--max-age {}: not between 0 and {} seconds (a year)", policy.max_age, kMtaStsMaxAge));
  }
  if (policy.mx.empty() && policy.mode != "none") {
    throw Error(fmt::format("mode {} needs at least one --mx pattern", policy.mode), {},
                "give each MX host (or *.example.org) with --mx");
  }
  std::string out = "version: STSv1\r\n";
  out += fmt::format("mode: {}\r\n", policy.mode);
  for (const auto& mx : policy.mx) {
    check_mx_pattern(mx);
    out += fmt::format("mx: {}\r\n", lower(without_dot(mx)));
  }
  out += fmt::format("max_age: {}\r\n", policy.max_age);
  return out;
}

std::string mta_sts_id(std::time_t when) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string mta_sts_txt_record(std::string_view domain, std::string_view id) {
  if (!is_host_name(domain)) {
    throw Error(fmt::format("--domain '{}' is not a domain name", printable(domain)));
  }
  if (!valid_id(id)) {
    throw Error(fmt::format("--id '{}': 1 to 32 letters and digits expected", printable(id)));
  }
  return fmt::format("_mta-sts.{}. IN TXT \"v=STSv1; id={};\"", lower(without_dot(domain)), id);
}

std::string parse_mta_sts_txt(std::string_view txt) {
  std::string version;
  std::string id;
  bool first = true;
  while (!txt.empty()) {
    auto semi = txt.find(';');
    std::string field = trim(txt.substr(0, semi));
    txt = semi == std::string_view::npos ? std::string_view{} : txt.substr(semi + 1);
    if (field.empty()) continue;
    auto eq = field.find('=');
    std::string key = trim(field.substr(0, eq));
    std::string value = eq == std::string::npos ? std::string() : trim(field.substr(eq + 1));
    if (first && key != "v") break;
    first = false;
    if (key == "v") version = std::string(value);
    if (key == "id") id = std::string(value);
  }
  if (version != "STSv1") {
    throw Error("the _mta-sts TXT record does not start with 'v=STSv1'", {},
                "publish: v=STSv1; id=<1-32 letters and digits>;");
  }
  if (!valid_id(id)) {
    throw Error(fmt::format("the _mta-sts TXT record's id '{}' is not 1 to 32 letters and digits", printable(id)));
  }
  return id;
}

}  // namespace mtlscert
