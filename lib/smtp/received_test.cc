#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "smtp/received.h"

using namespace mtlscert;

namespace {
std::string fixture(const std::string& name) {
  std::ifstream in(std::string(MTLSCERT_SOURCE_DIR) + "/tests/data/received/" + name);
  std::stringstream s;
  s << in.rdbuf();
  REQUIRE(!s.str().empty());
  return s.str();
}
bool has_code(const ReceivedReport& r, const std::string& code) {
  for (const auto& f : r.findings) {
    if (f.code == code) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("received: the protocol is the top-level \"with\", never one inside a comment") {
  // Postfix writes "(using TLSv1.3 with cipher ...)" before "with ESMTPS": the protocol is ESMTPS.
  CHECK(parse_received_header("from m.example (m.example [192.0.2.10]) (using TLSv1.3 with cipher "
                              "TLS_AES_256_GCM_SHA384 (256/256 bits)) by mx.example (Postfix) with ESMTPS id 4A")
            .protocol == "ESMTPS");
  CHECK(parse_received_header("from a.example by b.example with ESMTP id X1; date").protocol == "ESMTP");
  CHECK(parse_received_header("from a (b (c with x) d) by e with SMTP id 1").protocol == "SMTP");
}

TEST_CASE("received: one header per MTA, as each writes it") {
  struct Row {
    const char* header;
    HopTls tls;
    const char* mta;
    const char* version;
    const char* cipher;
    const char* bits;
    const char* verify;
  };
  const Row rows[] = {
      {"from c.example (c.example [192.0.2.7]) by s.example (8.17.1.9/8.17.1.9) with ESMTPS id 5A "
       "(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=OK) for <r@s.example>; Sat, 28 Nov 2026",
       HopTls::Tls, "sendmail", "TLSv1.3", "TLS_AES_256_GCM_SHA384", "256", "OK"},
      {"from c.example by s.example with ESMTPS id 5A (version=TLSv1.2 cipher=ECDHE-RSA-AES128-GCM-SHA256 "
       "bits=128 verify=NO); date",
       HopTls::Tls, "sendmail", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "128", "NO"},
      {"from m.example (m.example [192.0.2.10]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) "
       "key-exchange X25519) (Client CN \"c.example\", Issuer \"Example CA\" (verified OK)) by mx.example "
       "(Postfix) with ESMTPS id 4A",
       HopTls::Tls, "postfix", "TLSv1.3", "TLS_AES_256_GCM_SHA384", "256", "OK"},
      {"from m.example (using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)) (Client CN \"c\", "
       "Issuer \"x\" (not verified)) by mx.example (Postfix) with ESMTPS id 4B",
       HopTls::Tls, "postfix", "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256", "FAIL"},
      {"from [192.0.2.20] (helo=m.example) by mx.example with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 "
       "(Exim 4.96) id 1t",
       HopTls::Tls, "exim", "TLS1.3", "TLS_AES_256_GCM_SHA384", "", ""},
      {"from [192.0.2.21] by mx.example with esmtps (TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256) (Exim 4.92) id 1t",
       HopTls::Tls, "exim", "TLS1.2", "ECDHE_RSA_AES_256_GCM_SHA384", "256", ""},
      {"from m.example by mx.example with esmtps X=TLS1.3:TLS_AES_128_GCM_SHA256:128 CV=yes id 1t", HopTls::Tls, "exim",
       "TLS1.3", "TLS_AES_128_GCM_SHA256", "128", "OK"},
      {"from unknown (HELO m.example) (192.0.2.30) by mx.example with (ECDHE-RSA-AES256-GCM-SHA384 encrypted) "
       "SMTP; 28 Nov 2026",
       HopTls::Tls, "qmail", "", "ECDHE-RSA-AES256-GCM-SHA384", "", ""},
      {"from a.example by b.example with ESMTPS id X1; date", HopTls::Tls, "generic", "", "", "", ""},
      {"from a.example by b.example with ESMTPSA id X1; date", HopTls::Tls, "generic", "", "", "", ""},
      {"from AM0P.outlook.com (2603:10a6::1) by AM0Q.outlook.com (2603:10a6::2) with Microsoft SMTP Server "
       "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.1; date",
       HopTls::Tls, "microsoft", "TLS1_2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "", ""},
      {"from old.example (old.example [192.0.2.6]) by a.example (8.15.2/8.15.2) with ESMTP id X0; date", HopTls::Clear,
       "", "", "", "", ""},
      {"from unknown (HELO x) (192.0.2.31) by mx.example with SMTP; 28 Nov 2026", HopTls::Clear, "", "", "", "", ""},
      {"(from root@localhost) by s.example (8.17.1.9/8.17.1.9/Submit) id 5A; date", HopTls::Local, "", "", "", "", ""},
      {"(qmail 12345 invoked by uid 1000); 28 Nov 2026", HopTls::Local, "", "", "", "", ""},
      {"by s.example id 5A; date", HopTls::Unknown, "", "", "", "", ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.header);
    ReceivedHop h = parse_received_header(row.header);
    CHECK(hop_tls_name(h.tls) == hop_tls_name(row.tls));
    CHECK(h.mta == row.mta);
    CHECK(h.version == row.version);
    CHECK(h.cipher == row.cipher);
    CHECK(h.bits == row.bits);
    CHECK(h.verify == row.verify);
  }
}

TEST_CASE("received: unfolding joins continuation lines and stops at the body") {
  auto h = unfold_headers("From x@y Sat Nov 28\nReceived: a\n\tb\n  c\nSubject: s\n\nReceived: not a header\n");
  REQUIRE(h.size() == 2);
  CHECK(h[0] == "Received: a \tb   c");
  CHECK(h[1] == "Subject: s");
}

TEST_CASE("received: the fixtures, hop by hop, first hop first") {
  ReceivedReport r = check_received(fixture("sendmail.eml"));
  REQUIRE(r.hops.size() == 2);
  CHECK(r.hops[0].tls == HopTls::Local);
  CHECK(r.hops[1].tls == HopTls::Tls);
  CHECK(r.hops[1].number == 2);
  CHECK(r.hops[1].from == "client.test.example");
  CHECK(r.hops[1].by == "smtp.test.example");
  CHECK(r.hops[1].verify == "OK");
  CHECK(!has_level(r.findings, Level::Error));

  r = check_received(fixture("sendmail-verify-fail.eml"));
  CHECK(has_code(r, "received-verify-fail"));

  r = check_received(fixture("postfix.eml"));
  REQUIRE(r.hops.size() == 1);
  CHECK(r.hops[0].verify == "NOT");
  CHECK(!has_level(r.findings, Level::Error));

  r = check_received(fixture("exim.eml"));
  REQUIRE(r.hops.size() == 2);
  CHECK(r.hops[0].version == "TLS1.2");
  CHECK(r.hops[1].version == "TLS1.3");

  r = check_received(fixture("qmail.eml"));
  REQUIRE(r.hops.size() == 2);
  CHECK(r.hops[0].tls == HopTls::Tls);
  CHECK(r.hops[1].tls == HopTls::Local);

  r = check_received(fixture("clear-hop.eml"));
  REQUIRE(r.hops.size() == 2);
  CHECK(r.hops[0].tls == HopTls::Clear);
  CHECK(has_code(r, "received-clear"));
}

TEST_CASE("received: a clear hop over loopback is only a notice") {
  ReceivedReport r = check_received(
      "Received: from localhost (localhost [127.0.0.1]) by s.example (8.17.1.9/8.17.1.9) with ESMTP id 1; date\n\n");
  REQUIRE(r.hops.size() == 1);
  CHECK(r.hops[0].loopback);
  CHECK(!has_level(r.findings, Level::Error));
  CHECK(has_code(r, "received-clear-loopback"));
}

TEST_CASE("regression: issue 13 row 5: a 40 KB word in a Received: header is read, cut, and told") {
  // std::regex recursed once per character of the word and overflowed the stack (SIGSEGV).
  const std::string word(40000, '0');
  ReceivedHop h = parse_received_header(" from " + word + " by mx");
  CHECK(h.cut);
  CHECK(h.from == std::string(kMaxReceivedHeader - 6, '0'));  // the value cut after " from " and 8186 digits
  CHECK(h.by.empty());                                        // beyond the part read
  CHECK(h.tls == HopTls::Unknown);

  ReceivedReport r = check_received("Received: from " + word + " by mx\r\n\r\n");
  REQUIRE(r.hops.size() == 1);
  CHECK(has_code(r, "received-header-too-long"));
  CHECK(!has_level(r.findings, Level::Error));

  // Every pattern fed a 40 KB run of the characters it repeats: no crash, no match.
  for (const char* prefix :
       {"(version=", "(using ", "(TLS", " X=TLS", "(version=TLS1_2, cipher=", "(", "[127.", "with ", "by ", "CV="}) {
    CAPTURE(prefix);
    for (char fill : {'a', '0', ':', '.', '(', ' '}) {
      ReceivedHop hop = parse_received_header(std::string(prefix) + std::string(40000, fill));
      CHECK(hop.cut);
      CHECK(hop.mta.empty());
    }
  }
}

TEST_CASE("regression: issue 13 row 5: the header section is bounded and the body never read") {
  std::string endless;
  while (endless.size() <= kMaxHeaderSection) endless += "X-Filler: " + std::string(990, 'x') + "\r\n";
  ReceivedReport r = check_received("Received: from a.example by b.example with ESMTPS id 1\r\n" + endless);
  CHECK(has_code(r, "received-headers-too-long"));
  CHECK(r.hops.size() == 1);

  r = check_received("Received: from a.example by b.example with ESMTPS id 1\r\n\r\n" + endless);
  CHECK(!has_code(r, "received-headers-too-long"));  // the filler is the body here
  CHECK(header_section_end("A: b\r\n\r\nbody") == 8);
  CHECK(header_section_end("A: b\n\nbody") == 6);
  CHECK(header_section_end("\r\nbody") == 2);
  CHECK(header_section_end("A: b\r\n") == std::string::npos);
}

TEST_CASE("received: the hand matcher takes what the MTA patterns took, edge by edge") {
  struct Row {
    const char* header;
    const char* mta;
    const char* version;
    const char* cipher;
    const char* bits;
    bool loopback;
  };
  const Row rows[] = {
      // Exim's cipher may hold ':' itself: the bits are after the last one.
      {"from a by b with esmtps X=TLS1.3:TLS_AES:x:256 id 1", "exim", "TLS1.3", "TLS_AES:x", "256", false},
      {"from a by b with esmtps X=TLS1.3:TLS_AES:x id 1", "generic", "", "", "", false},  // no bits: not Exim's form
      {"from a by b with esmtp X=TLS1.3:C:25x", "", "", "", "", false},
      {"from a by b (TLS1.2:C:128)", "exim", "TLS1.2", "C", "128", false},
      {"from a by b (version=TLSv1.3 cipher=X bits=256 verify=NOT)", "sendmail", "TLSv1.3", "X", "256", false},
      {"from a by b (version=TLSv1.3 cipher=X bits=256)", "", "", "", "", false},
      {"from a by b (version=TLS1_2,cipher=C)", "microsoft", "TLS1_2", "C", "", false},
      {"from a by b (C encrypted) ESMTP", "qmail", "", "C", "", false},
      {"from a by b (C encrypted)SMTP", "qmail", "", "C", "", false},
      {"from localhost (LOCALHOST [127.0.0.1]) by b with ESMTP", "", "", "", "", true},
      {"from x by b ([IPv6:::1]) with ESMTP", "", "", "", "", true},
      {"from x by b (localhostx) with ESMTP", "", "", "", "", false},
      {"from localhost.example by b with ESMTP", "", "", "", "", true},  // \b: '.' ends the word
      {"from x ([127.0.0.1x]) by b with ESMTP", "", "", "", "", false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.header);
    ReceivedHop h = parse_received_header(row.header);
    CHECK(h.mta == row.mta);
    CHECK(h.version == row.version);
    CHECK(h.cipher == row.cipher);
    CHECK(h.bits == row.bits);
    CHECK(h.loopback == row.loopback);
  }
  ReceivedHop h = parse_received_header("x;from a.example;by b.example)with ESMTPS");
  CHECK(h.from == "a.example");
  CHECK(h.by == "b.example");
  CHECK(h.protocol == "ESMTPS");
  h = parse_received_header("xfrom a byb c withd");
  CHECK(h.from.empty());
  CHECK(h.by.empty());
  CHECK(h.protocol.empty());
}

TEST_CASE("regression: fuzz_received crash-b005af3e: received --json survives header bytes that are not UTF-8") {
  ReceivedReport r = check_received(
      "Received: from a\xf6"
      "b by mx with ESMTP\r\n\r\n");
  REQUIRE(r.hops.size() == 1);
  const std::string json = to_json(r);
  CHECK(json.find("\"from\": \"a\xef\xbf\xbd"
                  "b\"") != std::string::npos);  // U+FFFD in its place
}
