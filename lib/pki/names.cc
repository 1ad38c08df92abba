#include "pki/names.h"

#include <arpa/inet.h>
#include <idn2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/text.h"

namespace mtlscert {
namespace {

constexpr const char* kHostHint =
    "a host name is two or more labels of letters, digits and hyphens separated by dots, "
    "e.g. smtp.example.org (the right side of the MX record)";

[[noreturn]] void reject(std::string_view role, std::string_view input, const std::string& rule) {
  throw Error(fmt::format("{}: '{}' is not a valid host name: {}", role, input, rule), {}, kHostHint);
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x80; });
}

bool is_ip_literal(std::string_view s) {
  std::string text(s);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// A label with hyphens in its third and fourth places ("ab--cd") is reserved (R-LDH, RFC 5890
// 2.3.1): only a valid "xn--" A-label may have them, and CAs refuse any other under the Baseline
// Requirements 7.1.4.2.1. An A-label is valid when it decodes to a U-label that encodes back to
// the same A-label (the IDNA2008 round trip; "xn--zz-zz" does not survive it).
void check_reserved_ldh(std::string_view label, std::string_view role, std::string_view input) {
  if (label.size() < 4 || label.substr(2, 2) != "--") return;
  if (label.substr(0, 4) != "xn--") {
    reject(role, input,
           fmt::format("label '{}' has hyphens in its third and fourth places, which are reserved for IDNA "
                       "(xn--) labels; CAs refuse such names (Baseline Requirements 7.1.4.2.1)",
                       label));
  }
  const std::string a_label(label);
  char* unicode = nullptr;
  int rc = idn2_to_unicode_8z8z(a_label.c_str(), &unicode, 0);
  std::string back;
  if (rc == IDN2_OK) {
    char* ascii = nullptr;
    rc = idn2_to_ascii_8z(unicode, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc == IDN2_OK) {
      back = lower(ascii);
      idn2_free(ascii);
    }
  }
  idn2_free(unicode);
  if (rc != IDN2_OK) {
    reject(role, input, fmt::format("label '{}' is not a valid IDNA A-label: {}", label, idn2_strerror(rc)));
  }
  if (back != a_label) {
    reject(role, input,
           fmt::format("label '{}' is not a valid IDNA A-label: it does not encode back to itself (got '{}')", label,
                       back));
  }
}

}  // namespace

HostName validate_host_name(std::string_view input, std::string_view role) {
  if (input.empty()) reject(role, input, "it is empty");
  for (unsigned char c : input) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') reject(role, input, "it contains white space");
    if (c < 0x20 || c == 0x7f) reject(role, input, "it contains a control character");
    if (c == '*') reject(role, input, "wildcards are not allowed: a mail server certificate names its MX host");
    if (c == '_') reject(role, input, "underscores are not allowed in host names");
    if (std::string_view("'\"`$#;&|<>()\\!{}[],%?=+~^@/:").find(static_cast<char>(c)) != std::string_view::npos) {
      if (is_ip_literal(input)) break;
      reject(role, input,
             fmt::format("the character '{}' is not allowed (letters, digits, hyphens and dots only)",
                         static_cast<char>(c)));
    }
  }
  if (is_ip_literal(input)) {
    reject(role, input, "it is an IP address; the certificate must name the MX host (a DNS name)");
  }
  std::string_view name = input;
  if (name.back() == '.') name.remove_suffix(1);
  if (name.empty()) reject(role, input, "it is only a dot (the DNS root)");
  HostName out;
  out.display = std::string(name);

  std::string ascii;
  if (is_ascii(name)) {
    ascii = lower(name);
  } else {
    char* converted = nullptr;
    std::string utf8(name);
    int rc = idn2_to_ascii_8z(utf8.c_str(), &converted, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
      reject(role, input, fmt::format("it cannot be converted to an ASCII (IDNA) name: {}", idn2_strerror(rc)));
    }
    ascii = lower(converted);
    idn2_free(converted);
  }

  if (ascii.size() > 253)
    reject(role, input, fmt::format("it is {} octets long; at most 253 are allowed", ascii.size()));
  std::vector<std::string_view> labels;
  std::string_view rest = ascii;
  for (;;) {
    auto dot = rest.find('.');
    labels.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    std::string_view label = labels[i];
    if (label.empty())
      reject(role, input, fmt::format("label {} is empty (two dots in a row, or a leading dot)", i + 1));
    if (label.size() > 63) {
      reject(role, input, fmt::format("label '{}' is {} octets long; at most 63 are allowed", label, label.size()));
    }
    for (unsigned char c : label) {
      if (!std::isalnum(c) && c != '-') {
        reject(role, input,
               fmt::format("label '{}' has the character '{}' (letters, digits and hyphens only)", label,
                           static_cast<char>(c)));
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      reject(role, input, fmt::format("label '{}' starts or ends with a hyphen", label));
    }
    check_reserved_ldh(label, role, input);
  }
  if (labels.size() < 2) {
    reject(role, input, "it has a single label; use the fully qualified name (e.g. smtp.example.org)");
  }
  if (std::all_of(labels.back().begin(), labels.back().end(), [](unsigned char c) { return std::isdigit(c); })) {
    reject(role, input, "the top-level label is all digits");
  }
  out.ascii = std::move(ascii);
  return out;
}

void check_common_name(const HostName& name, std::string_view role) {
  if (name.ascii.size() > kMaxCommonName) {
    throw Error(fmt::format("{}: '{}' is {} octets long, more than the {} a certificate's CN may hold", role,
                            name.ascii, name.ascii.size(), kMaxCommonName),
                {}, "use a shorter MX host name, or put this name only in the SAN with --san");
  }
}

std::vector<MxRecord> parse_mx_lines(std::string_view text) {
  std::vector<MxRecord> records;
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (auto semi = line.find(';'); semi != std::string::npos) line.erase(semi);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string t; words >> t;) w.push_back(t);
    if (w.empty()) continue;
    std::size_t pref_at = std::string::npos;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (lower(w[i]) == "mx") pref_at = i + 1;
    }
    if (pref_at == std::string::npos && w.size() == 2) pref_at = 0;  // dig +short MX: "10 host."
    auto bad = [&](const std::string& why) -> Error {
      return Error(fmt::format("--mx: line {} ('{}') is not an MX record: {}", line_no, line, why), {},
                   "give a zone-file line like 'toto.com. IN MX 10 smtp.toto.com.' or dig +short output "
                   "like '10 smtp.toto.com.'");
    };
    if (pref_at == std::string::npos || pref_at + 2 != w.size()) throw bad("expected '... MX <preference> <host>'");
    int pref = -1;
    const std::string& p = w[pref_at];
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), pref);
    if (ec != std::errc() || end != p.data() + p.size() || pref < 0 || pref > 65535) {
      throw bad(fmt::format("the preference '{}' is not a number from 0 to 65535", p));
    }
    if (w[pref_at + 1] == ".") {
      throw Error(fmt::format("--mx: line {} is a null MX (RFC 7505): this domain accepts no mail", line_no), {},
                  "a certificate is only useful for a host that receives mail");
    }
    records.push_back({pref, validate_host_name(w[pref_at + 1], "--mx")});
  }
  if (records.empty()) {
    throw Error("--mx: no MX record found in the text given", {},
                "give a zone-file line like 'toto.com. IN MX 10 smtp.toto.com.'");
  }
  return records;
}

const MxRecord& primary_mx(const std::vector<MxRecord>& records) {
  return *std::min_element(records.begin(), records.end(),
                           [](const MxRecord& a, const MxRecord& b) { return a.preference < b.preference; });
}

}  // namespace mtlscert
