#include "smtp/received.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"
#include "core/text.h"
#include "sendmail/options.h"

namespace mtlscert {
namespace {

std::string collapse_space(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// The patterns below are matched by hand, not with std::regex: libstdc++'s matcher recurses
// once per character of a repeated class, so one 40 KB word in a header crashed it (stack
// overflow). Each pattern is tried at each start position in order (the leftmost match, as
// regex_search finds it); every step scans forward and nothing recurses. Headers are cut to
// kMaxReceivedHeader bytes before they get here, which bounds the work of a hostile one.

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_word_char(char c) { return is_alnum(c) || c == '_'; }  // for \b

// Cursor: a position in the header and the steps the patterns are made of. A failed step
// leaves the cursor where it was.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  // lit: the exact text next (case-insensitive when icase).
  bool lit(std::string_view w, bool icase = false) {
    if (s.size() - i < w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k) {
      char a = s[i + k], b = w[k];
      if (icase ? std::tolower(static_cast<unsigned char>(a)) != std::tolower(static_cast<unsigned char>(b)) : a != b) {
        return false;
      }
    }
    i += w.size();
    return true;
  }
  // spaces: \s+ (or \s* when none is allowed).
  bool spaces(bool at_least_one = true) {
    std::size_t k = i;
    while (k < s.size() && is_space(s[k])) ++k;
    if (at_least_one && k == i) return false;
    i = k;
    return true;
  }
  // run: the longest non-empty run of characters in the class (greedy, as in "[...]+"); every
  // class used is followed in its pattern by a character outside it, so greedy is the match.
  template <class Pred>
  bool run(Pred in_class, std::string* out = nullptr) {
    std::size_t k = i;
    while (k < s.size() && in_class(s[k])) ++k;
    if (k == i) return false;
    if (out != nullptr) out->assign(s.substr(i, k - i));
    i = k;
    return true;
  }
  bool at_end() const { return i == s.size(); }
  bool next_is(char c) const { return i < s.size() && s[i] == c; }
};

// first_word: "(?:^|[<before>])<keyword>\s+(<word>+)" case-insensitive: the word after the
// first such keyword, or empty.
// With `top` (h with its comments blanked, see outside_comments), a keyword inside a comment
// does not count; the word is still read from h.
template <class Pred>
std::string first_word(std::string_view h, std::string_view keyword, std::string_view before, Pred word,
                       std::string_view top = {}) {
  for (std::size_t at = 0; at + keyword.size() <= h.size(); ++at) {
    if (!top.empty() && top[at] != h[at]) continue;
    if (at > 0 && !(is_space(h[at - 1]) || before.find(h[at - 1]) != std::string_view::npos)) continue;
    Cursor c{h, at};
    std::string out;
    if (c.lit(keyword, true) && c.spaces() && c.run(word, &out)) return out;
  }
  return {};
}

// find_at: tries match(cursor) at each position holding `first`, leftmost first.
template <class Match>
bool find_at(std::string_view h, char first, Match match) {
  for (std::size_t at = h.find(first); at != std::string_view::npos; at = h.find(first, at + 1)) {
    Cursor c{h, at};
    if (match(c)) return true;
  }
  return false;
}

auto not_space_or(std::string_view stop) {
  return [stop](char c) { return !is_space(c) && stop.find(c) == std::string_view::npos; };
}

// TLS details as each MTA writes them; the fields are filled only on a match.
struct TlsFields {
  std::string version, cipher, bits, verify;
};

// sendmail: "(version=V cipher=C bits=B verify=X)".
bool match_sendmail(std::string_view h, TlsFields& f) {
  auto field = not_space_or(")");
  return find_at(h, '(', [&](Cursor& c) {
    TlsFields t;
    if (c.lit("(version=") && c.run(field, &t.version) && c.spaces() && c.lit("cipher=") && c.run(field, &t.cipher) &&
        c.spaces() && c.lit("bits=") && c.run(field, &t.bits) && c.spaces() && c.lit("verify=") &&
        c.run(field, &t.verify) && c.lit(")")) {
      f = std::move(t);
      return true;
    }
    return false;
  });
}

// Postfix: "(using V with cipher C (B/B bits)".
bool match_postfix(std::string_view h, TlsFields& f) {
  auto word = not_space_or("");
  return find_at(h, '(', [&](Cursor& c) {
    TlsFields t;
    std::string all_bits;
    if (c.lit("(using") && c.spaces() && c.run(word, &t.version) && c.spaces() && c.lit("with") && c.spaces() &&
        c.lit("cipher") && c.spaces() && c.run(word, &t.cipher) && c.spaces() && c.lit("(") &&
        c.run(is_digit, &t.bits) && c.lit("/") && c.run(is_digit, &all_bits) && c.spaces() && c.lit("bits)")) {
      f = std::move(t);
      return true;
    }
    return false;
  });
}

// Exim: " X=TLS1.3:cipher:256" (log style) or "(TLS1.2:cipher:256)" (before 4.95): version,
// cipher and bits, where the cipher may itself hold ':' (the bits are after the last one).
bool match_exim(std::string_view h, TlsFields& f) {
  for (std::size_t at = 0; at < h.size(); ++at) {
    Cursor c{h, at};
    Cursor log_style{h, at + 1};
    if (is_space(h[at]) && log_style.lit("X=")) {
      c = log_style;
    } else if (!c.lit("(")) {
      continue;
    }
    TlsFields t;
    if (!(c.lit("TLS") || c.lit("SSL"))) continue;
    std::size_t version_start = c.i - 3;
    c.run(not_space_or(":)"));
    t.version.assign(h.substr(version_start, c.i - version_start));
    if (!c.lit(":")) continue;
    // "cipher:bits" is one run of [^\s)] ending the match at ')', white space or the end.
    std::string rest;
    if (!c.run(not_space_or(")"), &rest)) continue;
    std::size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) continue;
    std::string_view bits = std::string_view(rest).substr(colon + 1);
    if (!std::all_of(bits.begin(), bits.end(), is_digit)) continue;
    t.cipher = rest.substr(0, colon);
    t.bits = std::string(bits);
    f = std::move(t);
    return true;
  }
  return false;
}

// Exim 4.95 and later: "(TLS1.3) tls CIPHER".
bool match_exim_new(std::string_view h, TlsFields& f) {
  return find_at(h, '(', [&](Cursor& c) {
    TlsFields t;
    std::size_t start = c.i + 1;
    if (!(c.lit("(TLS") || c.lit("(SSL"))) return false;
    c.run(not_space_or(")"));
    t.version.assign(h.substr(start, c.i - start));
    if (c.lit(")") && c.spaces() && c.lit("tls") && c.spaces() && c.run(not_space_or(";"), &t.cipher)) {
      f = std::move(t);
      return true;
    }
    return false;
  });
}

// Exim's certificate verification: "CV=yes", "CV=no" or "CV=dane" after white space or at the start.
std::string match_exim_cv(std::string_view h) {
  for (std::size_t at = h.find("CV="); at != std::string_view::npos; at = h.find("CV=", at + 1)) {
    if (at > 0 && !is_space(h[at - 1])) continue;
    Cursor c{h, at + 3};
    for (std::string_view word : {"yes", "no", "dane"}) {
      if (c.lit(word)) return std::string(word);
    }
  }
  return {};
}

// Microsoft: "(version=TLS1_2, cipher=C)".
bool match_microsoft(std::string_view h, TlsFields& f) {
  return find_at(h, '(', [&](Cursor& c) {
    TlsFields t;
    if (c.lit("(version=") && c.run(not_space_or(",)"), &t.version) && c.lit(",") && c.spaces(false) &&
        c.lit("cipher=") && c.run(not_space_or(")"), &t.cipher) && c.lit(")")) {
      f = std::move(t);
      return true;
    }
    return false;
  });
}

// qmail: "(CIPHER encrypted) SMTP" or "… ESMTP".
bool match_qmail(std::string_view h, TlsFields& f) {
  auto cipher = [](char c) { return is_alnum(c) || c == '_' || c == '+' || c == '-'; };
  return find_at(h, '(', [&](Cursor& c) {
    TlsFields t;
    if (c.lit("(") && c.run(cipher, &t.cipher) && c.spaces() && c.lit("encrypted)") && c.spaces(false) &&
        (c.lit("ESMTP") || c.lit("SMTP"))) {
      f = std::move(t);
      return true;
    }
    return false;
  });
}

// A loopback connection: "[127.x.y.z]", "[::1]", "[IPv6:::1]", "(localhost" or "from localhost"
// (localhost as a whole word), case-insensitive.
bool match_loopback(std::string_view h) {
  auto whole_word_end = [](const Cursor& c) { return c.at_end() || !is_word_char(c.s[c.i]); };
  auto is_ipv4_char = [](char c) { return is_digit(c) || c == '.'; };
  bool found = find_at(h, '[', [&](Cursor& c) {
    ++c.i;
    Cursor v4 = c;
    if (v4.lit("127.") && v4.run(is_ipv4_char) && v4.lit("]")) return true;
    return c.lit("::1]") || c.lit("IPv6:::1]", true);
  });
  found = found || find_at(h, '(', [&](Cursor& c) { return c.lit("(localhost", true) && whole_word_end(c); });
  if (found) return true;
  for (std::size_t at = 0; at + 4 <= h.size(); ++at) {
    Cursor c{h, at};
    if (c.lit("from", true) && c.spaces() && c.lit("localhost", true) && whole_word_end(c)) return true;
  }
  return false;
}

// Protocol words of RFC 3848 (and the common lower-case forms): with TLS or without.
bool protocol_has_tls(const std::string& p) {
  const std::string l = lower(p);
  return l == "esmtps" || l == "esmtpsa" || l == "lmtps" || l == "lmtpsa" || l == "utf8smtps" || l == "utf8smtpsa" ||
         l == "utf8lmtps" || l == "utf8lmtpsa";
}
bool protocol_is_clear(const std::string& p) {
  const std::string l = lower(p);
  return l == "smtp" || l == "esmtp" || l == "esmtpa" || l == "lmtp" || l == "lmtpa" || l == "utf8smtp" ||
         l == "utf8smtpa" || l == "utf8lmtp" || l == "utf8lmtpa";
}

}  // namespace

std::string_view hop_tls_name(HopTls tls) {
  switch (tls) {
    case HopTls::Tls: return "tls";
    case HopTls::Clear: return "clear";
    case HopTls::Local: return "local";
    case HopTls::Unknown: return "unknown";
  }
  return "unknown";
}

std::vector<std::string> unfold_headers(std::string_view message) {
  std::vector<std::string> headers;
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t end = message.find('\n', pos);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header section
    if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
      headers.back() += ' ';
      headers.back() += line;
    } else if (line.rfind("From ", 0) == 0 && headers.empty()) {
      continue;  // mbox separator line
    } else {
      headers.emplace_back(line);
    }
  }
  return headers;
}

// outside_comments: h with every parenthesised comment (RFC 5322 CFWS, nested) blanked to
// spaces, same length. The protocol's "with" is never in a comment, but Postfix writes
// "(using TLSv1.3 with cipher ...)" before it.
std::string outside_comments(std::string_view h) {
  std::string out(h);
  int depth = 0;
  for (char& ch : out) {
    if (ch == '(') ++depth;
    const bool inside = depth > 0;
    if (ch == ')' && depth > 0) --depth;
    if (inside) ch = ' ';
  }
  return out;
}

ReceivedHop parse_received_header(std::string_view value) {
  ReceivedHop hop;
  if (value.size() > kMaxReceivedHeader) {
    value = value.substr(0, kMaxReceivedHeader);
    hop.cut = true;
  }
  hop.header = collapse_space(value);
  const std::string_view h = hop.header;
  auto from_word = not_space_or(";()");
  hop.from = first_word(h, "from", ";", from_word);
  hop.by = first_word(h, "by", ";)", from_word);
  hop.protocol = first_word(h, "with", ")", is_alnum, outside_comments(h));
  hop.loopback = match_loopback(h);
  TlsFields f;
  // A TLS hop written by `mta`, with the fields its pattern filled.
  auto tls_hop = [&](const char* mta) {
    hop.mta = mta;
    hop.tls = HopTls::Tls;
    hop.version = std::move(f.version);
    hop.cipher = std::move(f.cipher);
    hop.bits = std::move(f.bits);
    hop.verify = std::move(f.verify);
  };
  if (match_sendmail(h, f)) {
    tls_hop("sendmail");
  } else if (match_postfix(h, f)) {
    tls_hop("postfix");
    if (h.find("(verified OK)") != std::string::npos) {
      hop.verify = "OK";
    } else if (h.find("(not verified)") != std::string::npos) {
      hop.verify = "FAIL";
    } else if (h.find("No client certificate requested") != std::string::npos) {
      hop.verify = "NOT";
    } else if (h.find("did not present a certificate") != std::string::npos) {
      hop.verify = "NO";
    }
  } else if (match_exim(h, f)) {
    tls_hop("exim");
    std::string cv = match_exim_cv(h);
    if (cv == "yes" || cv == "dane") hop.verify = "OK";
    if (cv == "no") hop.verify = "FAIL";
  } else if (match_exim_new(h, f)) {
    tls_hop("exim");
  } else if (match_microsoft(h, f)) {
    tls_hop("microsoft");
  } else if (match_qmail(h, f)) {
    tls_hop("qmail");
  } else if (lower(h).find("encrypted smtp") != std::string::npos) {
    tls_hop("qmail");
  } else if (protocol_has_tls(hop.protocol)) {
    hop.mta = "generic";
    hop.tls = HopTls::Tls;
  } else if (protocol_is_clear(hop.protocol)) {
    hop.tls = HopTls::Clear;
  } else if (lower(hop.from).rfind("userid", 0) == 0 || lower(hop.protocol) == "local" ||
             h.find("/Submit)") != std::string::npos || h.find("(qmail ") != std::string::npos ||
             lower(hop.protocol) == "http" || lower(hop.protocol) == "https") {
    hop.tls = HopTls::Local;
  }
  if (hop.tls == HopTls::Tls && hop.mta != "generic" && !hop.protocol.empty() && hop.mta.empty()) hop.mta = "generic";
  return hop;
}

std::size_t header_section_end(std::string_view text) {
  if (text.rfind("\n", 0) == 0) return 1;
  if (text.rfind("\r\n", 0) == 0) return 2;
  std::size_t lf_lf = text.find("\n\n");
  std::size_t lf_crlf = text.find("\n\r\n");
  std::size_t end = std::min(lf_lf == std::string_view::npos ? lf_lf : lf_lf + 2,
                             lf_crlf == std::string_view::npos ? lf_crlf : lf_crlf + 3);
  return end;
}

namespace {

// judge: the report on a header section (cut: it was longer than kMaxHeaderSection).
ReceivedReport judge(std::string_view section, bool cut) {
  ReceivedReport report;
  if (cut) {
    report.findings.push_back(
        Finding{.level = Level::Warn,
                .code = "received-headers-too-long",
                .message = fmt::format("the header section is longer than {} KiB: only its first {} KiB were read",
                                       kMaxHeaderSection >> 10, kMaxHeaderSection >> 10),
                .hint = "no mail server writes that much header; check that this is a mail message",
                .path = {},
                .cert = {},
                .sendmail_log = {}});
  }
  for (const auto& header : unfold_headers(section)) {
    if (header.size() < 9 || lower(std::string_view(header).substr(0, 9)) != "received:") continue;
    report.hops.push_back(parse_received_header(std::string_view(header).substr(9)));
  }
  std::reverse(report.hops.begin(), report.hops.end());
  for (std::size_t i = 0; i < report.hops.size(); ++i) {
    ReceivedHop& hop = report.hops[i];
    hop.number = static_cast<int>(i) + 1;
    // A hostile header's words can be kilobytes long: messages show their start.
    auto shown = [](const std::string& word) {
      return word.empty() ? std::string("?") : word.size() > 64 ? word.substr(0, 61) + "..." : word;
    };
    const std::string where = fmt::format("hop {} ({} -> {})", hop.number, shown(hop.from), shown(hop.by));
    if (hop.tls == HopTls::Clear) {
      const std::string server = hop.by.empty() ? "the receiving server" : hop.by;
      report.findings.push_back(Finding{
          .level = hop.loopback ? Level::Notice : Level::Error,
          .code = hop.loopback ? "received-clear-loopback" : "received-clear",
          .message = fmt::format("{}: in clear (with {}){}", where, hop.protocol,
                                 hop.loopback ? " over loopback: nothing left the machine" : ""),
          .hint = hop.loopback
                      ? std::string()
                      : fmt::format("{} offered no STARTTLS or the sender did not use it: run mtlscert probe {}",
                                    server, hop.by.empty() ? "HOST" : hop.by),
          .path = {},
          .cert = {},
          .sendmail_log = {}});
    } else if (hop.tls == HopTls::Unknown) {
      report.findings.push_back(Finding{.level = Level::Notice,
                                        .code = "received-unknown",
                                        .message = fmt::format("{}: the header says nothing about TLS", where),
                                        .hint = {},
                                        .path = {},
                                        .cert = {},
                                        .sendmail_log = {}});
    }
    if (hop.cut) {
      report.findings.push_back(Finding{
          .level = Level::Warn,
          .code = "received-header-too-long",
          .message = fmt::format("{}: the Received: header is longer than {} bytes: only its first {} were read", where,
                                 kMaxReceivedHeader, kMaxReceivedHeader),
          .hint = "no mail server writes such a header; the message may have been forged or mangled",
          .path = {},
          .cert = {},
          .sendmail_log = {}});
    }
    if (hop.verify == "FAIL") {
      report.findings.push_back(Finding{
          .level = Level::Error,
          .code = "received-verify-fail",
          .message = fmt::format("{}: verify=FAIL: the client certificate was presented but did not verify", where),
          .hint = fmt::format("the receiving server lacks the client's CA in its {}/{}, or the certificate has no "
                              "clientAuth EKU (mtlscert inspect CERT)",
                              sendmail_cf_name(SendmailOption::CaCert), sendmail_cf_name(SendmailOption::CaCertPath)),
          .path = {},
          .cert = {},
          .sendmail_log = {}});
    }
  }
  if (report.hops.empty()) {
    report.findings.push_back(Finding{.level = Level::Notice,
                                      .code = "received-none",
                                      .message = "no Received: header found",
                                      .hint = {},
                                      .path = {},
                                      .cert = {},
                                      .sendmail_log = {}});
  }
  return report;
}

}  // namespace

ReceivedReport check_received(std::string_view message) {
  std::string_view section = message.substr(0, header_section_end(message));
  const bool cut = section.size() > kMaxHeaderSection;
  return judge(section.substr(0, kMaxHeaderSection), cut);
}

namespace {

// looks_like_message: the first line is a header field ("Name: value", RFC 5322 3.6.8)
// or an mbox "From " line. Anything else (a binary, a PEM, an empty file) is not a
// message, and saying "no Received: header" about it would be a silent success.
bool looks_like_message(std::string_view text) {
  if (text.starts_with("From ")) return true;
  std::size_t colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos || text.find('\0') != std::string_view::npos) {
    return false;
  }
  for (char c : text.substr(0, colon)) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

ReceivedReport check_received_file(const std::string& path) {
  // Only the header section is read (plus what the last read brought): the body of a 60 MB
  // message never enters memory, nor more than kMaxHeaderSection of endless headers.
  const std::string text = io::read_file_head(path, "message", kMaxHeaderSection, [](std::string_view bytes) {
    return header_section_end(bytes) != std::string_view::npos;
  });
  if (!looks_like_message(text)) {
    throw Error(fmt::format("{}: not an e-mail message: it does not start with a header line",
                            path == "-" ? std::string("standard input") : "'" + path + "'"),
                path, "give the whole message as saved from the mail client (headers first), e.g. a .eml file");
  }
  std::string_view section = std::string_view(text).substr(0, header_section_end(text));
  const bool cut = section.size() > kMaxHeaderSection;
  return judge(section.substr(0, kMaxHeaderSection), cut);
}

std::string to_json(const ReceivedReport& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.received/1";
  j["hops"] = nlohmann::ordered_json::array();
  for (const auto& h : r.hops) {
    auto opt = [](const std::string& s) {
      return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
    };
    j["hops"].push_back({{"number", h.number},
                         {"from", opt(h.from)},
                         {"by", opt(h.by)},
                         {"protocol", opt(h.protocol)},
                         {"mta", opt(h.mta)},
                         {"tls", hop_tls_name(h.tls)},
                         {"loopback", h.loopback},
                         {"version", opt(h.version)},
                         {"cipher", opt(h.cipher)},
                         {"bits", opt(h.bits)},
                         {"verify", opt(h.verify)},
                         {"header", h.header}});
  }
  j["findings"] = r.findings;
  j["ok"] = !has_level(r.findings, Level::Error);
  // Header bytes are untrusted and need not be UTF-8 (or a cut may split a character):
  // replaced with U+FFFD instead of failing the whole document.
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace mtlscert
