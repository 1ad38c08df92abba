#include "mtlscert/received.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mtlscert/text.h"

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

std::string match_word(const std::string& text, const std::regex& re) {
  std::smatch m;
  if (std::regex_search(text, m, re)) return m[1].str();
  return {};
}

// Protocol words of RFC 3848 (and the common lower-case forms): with TLS or without.
bool protocol_has_tls(const std::string& p) {
  const std::string l = lower(p);
  return l == "esmtps" || l == "esmtpsa" || l == "lmtps" || l == "lmtpsa" || l == "utf8smtps" ||
         l == "utf8smtpsa" || l == "utf8lmtps" || l == "utf8lmtpsa";
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

ReceivedHop parse_received_header(std::string_view value) {
  static const std::regex from_re(R"((?:^|[\s;])from\s+([^\s;()]+))", std::regex::icase);
  static const std::regex by_re(R"((?:^|[\s;)])by\s+([^\s;()]+))", std::regex::icase);
  static const std::regex with_re(R"((?:^|[\s)])with\s+([A-Za-z0-9]+))", std::regex::icase);
  static const std::regex sendmail_re(
      R"(\(version=([^\s)]+)\s+cipher=([^\s)]+)\s+bits=([^\s)]+)\s+verify=([^\s)]+)\))");
  static const std::regex postfix_re(R"(\(using\s+(\S+)\s+with\s+cipher\s+(\S+)\s+\((\d+)/(\d+)\s+bits\))");
  // Exim: "X=TLS1.3:cipher:256" (log style) or "with esmtps (TLS1.2:cipher:256)" (before 4.95),
  // and since 4.95 "with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384".
  static const std::regex exim_re(R"((?:\sX=|\()((?:TLS|SSL)[^:\s)]*):([^\s)]+):(\d+)(?:\)|\s|$))");
  static const std::regex exim_new_re(R"(\(((?:TLS|SSL)[^\s)]*)\)\s+tls\s+([^\s;]+))");
  static const std::regex exim_cv_re(R"((?:^|\s)CV=(yes|no|dane))");
  static const std::regex ms_re(R"(\(version=([^,\s)]+),\s*cipher=([^\s)]+)\))");
  static const std::regex qmail_re(R"(\(([A-Za-z0-9_+-]+)\s+encrypted\)\s*E?SMTP)");
  static const std::regex loopback_re(R"(\[(127\.[0-9.]+|::1|IPv6:::1)\]|\(localhost\b|from\s+localhost\b)",
                                      std::regex::icase);

  ReceivedHop hop;
  hop.header = collapse_space(value);
  const std::string& h = hop.header;
  hop.from = match_word(h, from_re);
  hop.by = match_word(h, by_re);
  hop.protocol = match_word(h, with_re);
  hop.loopback = std::regex_search(h, loopback_re);
  std::smatch m;
  // A TLS hop written by `mta`; `fields` take the regex groups 1, 2, … in that order.
  auto tls_hop = [&](const char* mta, std::initializer_list<std::string*> fields) {
    hop.mta = mta;
    hop.tls = HopTls::Tls;
    int group = 1;
    for (std::string* field : fields) *field = m[group++];
  };
  if (std::regex_search(h, m, sendmail_re)) {
    tls_hop("sendmail", {&hop.version, &hop.cipher, &hop.bits, &hop.verify});
  } else if (std::regex_search(h, m, postfix_re)) {
    tls_hop("postfix", {&hop.version, &hop.cipher, &hop.bits});
    if (h.find("(verified OK)") != std::string::npos) {
      hop.verify = "OK";
    } else if (h.find("(not verified)") != std::string::npos) {
      hop.verify = "FAIL";
    } else if (h.find("No client certificate requested") != std::string::npos) {
      hop.verify = "NOT";
    } else if (h.find("did not present a certificate") != std::string::npos) {
      hop.verify = "NO";
    }
  } else if (std::regex_search(h, m, exim_re)) {
    tls_hop("exim", {&hop.version, &hop.cipher, &hop.bits});
    std::string cv = lower(match_word(h, exim_cv_re));
    if (cv == "yes" || cv == "dane") hop.verify = "OK";
    if (cv == "no") hop.verify = "FAIL";
  } else if (std::regex_search(h, m, exim_new_re)) {
    tls_hop("exim", {&hop.version, &hop.cipher});
  } else if (std::regex_search(h, m, ms_re)) {
    tls_hop("microsoft", {&hop.version, &hop.cipher});
  } else if (std::regex_search(h, m, qmail_re)) {
    tls_hop("qmail", {&hop.cipher});
  } else if (lower(h).find("encrypted smtp") != std::string::npos) {
    tls_hop("qmail", {});
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

ReceivedReport check_received(std::string_view message) {
  ReceivedReport report;
  for (const auto& header : unfold_headers(message)) {
    if (header.size() < 9 || lower(std::string_view(header).substr(0, 9)) != "received:") continue;
    report.hops.push_back(parse_received_header(std::string_view(header).substr(9)));
  }
  std::reverse(report.hops.begin(), report.hops.end());
  for (std::size_t i = 0; i < report.hops.size(); ++i) {
    ReceivedHop& hop = report.hops[i];
    hop.number = static_cast<int>(i) + 1;
    const std::string where = fmt::format("hop {} ({} -> {})", hop.number, hop.from.empty() ? "?" : hop.from,
                                          hop.by.empty() ? "?" : hop.by);
    if (hop.tls == HopTls::Clear) {
      Finding f;
      f.level = hop.loopback ? Level::Notice : Level::Error;
      f.code = hop.loopback ? "received-clear-loopback" : "received-clear";
      f.message = fmt::format("{}: in clear (with {}){}", where, hop.protocol,
                              hop.loopback ? " over loopback: nothing left the machine" : "");
      if (!hop.loopback) {
        f.hint = fmt::format("{} offered no STARTTLS or the sender did not use it: run mtlscert probe {}",
                             hop.by.empty() ? "the receiving server" : hop.by,
                             hop.by.empty() ? "HOST" : hop.by);
      }
      report.findings.push_back(std::move(f));
    } else if (hop.tls == HopTls::Unknown) {
      report.findings.push_back({Level::Notice, "received-unknown",
                                 fmt::format("{}: the header says nothing about TLS", where), "", "", {}, ""});
    }
    if (hop.verify == "FAIL") {
      report.findings.push_back(
          {Level::Error, "received-verify-fail",
           fmt::format("{}: verify=FAIL: the client certificate was presented but did not verify", where),
           "the receiving server lacks the client's CA in its CACertFile/CACertPath, or the certificate has no "
           "clientAuth EKU (mtlscert inspect CERT)",
           "", {}, ""});
    }
  }
  if (report.hops.empty()) {
    report.findings.push_back({Level::Notice, "received-none", "no Received: header found", "", "", {}, ""});
  }
  return report;
}

std::string to_json(const ReceivedReport& r) {
  nlohmann::ordered_json j;
  j["schema"] = "mtlscert.received/1";
  j["hops"] = nlohmann::ordered_json::array();
  for (const auto& h : r.hops) {
    auto opt = [](const std::string& s) { return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s); };
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
  return j.dump(2);
}

}  // namespace mtlscert
