#include <doctest/doctest.h>

#include <unistd.h>
#include <cstring>

#include "smtp/probe.h"
#include "smtp/reply.h"
#include "smtp/tls_alert.h"
#include "smtp/transport.h"

using namespace mtlscert;

namespace {
Deadline soon() { return Clock::now() + std::chrono::seconds(5); }
}  // namespace

TEST_CASE("read_reply: well-formed replies, in one piece or one byte at a time") {
  struct Row {
    const char* input;
    int code;
    std::vector<std::string> lines;
  };
  const Row rows[] = {
      {"220 mx.example.org ESMTP\r\n", 220, {"mx.example.org ESMTP"}},
      {"250-mx Hello\r\n250-PIPELINING\r\n250 STARTTLS\r\n", 250, {"mx Hello", "PIPELINING", "STARTTLS"}},
      {"250\r\n", 250, {""}},
      {"250-a\n250 b\n", 250, {"a", "b"}},  // bare LF accepted
      {"454 4.7.0 TLS not available\r\n", 454, {"4.7.0 TLS not available"}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.input);
    for (std::size_t chunk : {std::size_t{4096}, std::size_t{1}}) {
      MemoryTransport t(row.input, chunk);
      LineReader reader(t);
      SmtpReply r = read_reply(reader, soon());
      CHECK(r.code == row.code);
      CHECK(r.lines == row.lines);
    }
  }
}

TEST_CASE("read_reply: garbage, oversize, endless and truncated replies throw NetError with a code") {
  struct Row {
    std::string input;
    const char* code;
    const char* message;
  };
  std::string endless;
  for (int i = 0; i < 600; ++i) endless += "250-line\r\n";
  const Row rows[] = {
      {"HTTP/1.1 400 Bad Request\r\n", "garbage", "not an SMTP reply: 'HTTP/1.1 400 Bad Request'"},
      {"\x16\x03\x01\x02\x01\r\n", "garbage", "not an SMTP reply: '\\x16\\x03\\x01\\x02\\x01'"},  // a TLS record
      {"250-a\r\n251 b\r\n", "garbage", "changed the reply code from 250 to 251"},
      {"220x\r\n", "garbage", "not an SMTP reply"},
      {"099 low\r\n", "garbage", "not an SMTP reply"},
      {"250-" + std::string(100 * 1024, 'A') + "\r\n", "line-too-long", "longer than 4096 bytes"},
      {endless, "too-many-lines", "more than 512 lines in one 250 reply"},
      {"250-a\r\n", "closed", "the server closed the connection"},
      {"250-a\r\n250 half", "closed", "in the middle of a line: '250 half'"},
      {"", "closed", "the server closed the connection"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.message);
    MemoryTransport t(row.input);
    LineReader reader(t);
    try {
      read_reply(reader, soon());
      FAIL("no exception");
    } catch (const NetError& e) {
      CHECK(e.code() == row.code);
      CHECK(std::string(e.what()).find(row.message) != std::string::npos);
    }
  }
}

TEST_CASE("read_reply: limits are configurable and a line exactly at the limit passes") {
  std::string line = "250 " + std::string(10, 'x') + "\r\n";  // 16 bytes with CRLF
  {
    MemoryTransport t(line);
    LineReader reader(t);
    CHECK(read_reply(reader, soon(), {.max_line = 16, .max_lines = 2}).code == 250);
  }
  {
    MemoryTransport t(line);
    LineReader reader(t);
    CHECK_THROWS_WITH_AS(read_reply(reader, soon(), {.max_line = 15, .max_lines = 2}),
                         doctest::Contains("longer than 15 bytes"), NetError);
  }
  {
    MemoryTransport t("250-a\r\n250-b\r\n250 c\r\n");
    LineReader reader(t);
    CHECK_THROWS_WITH_AS(read_reply(reader, soon(), {.max_line = 100, .max_lines = 2}),
                         doctest::Contains("more than 2 lines"), NetError);
  }
}

TEST_CASE("LineReader::set_transport reports bytes a server sent ahead of TLS") {
  MemoryTransport plain("220 go ahead\r\n250 injected\r\n");
  LineReader reader(plain);
  CHECK(read_reply(reader, soon()).code == 220);
  MemoryTransport tls("250 ok\r\n");
  CHECK(reader.set_transport(tls) == 14);
  CHECK(read_reply(reader, soon()).lines == std::vector<std::string>{"ok"});
}

TEST_CASE("ehlo_keywords and has_keyword") {
  SmtpReply r{250, {"mx Hello", "PIPELINING", "starttls", "SIZE 1000"}};
  auto caps = ehlo_keywords(r);
  CHECK(caps == std::vector<std::string>{"PIPELINING", "starttls", "SIZE 1000"});
  CHECK(has_keyword(caps, "STARTTLS"));
  CHECK(has_keyword(caps, "SIZE"));
  CHECK(!has_keyword(caps, "STARTTLSX"));
  CHECK(!has_keyword(ehlo_keywords(SmtpReply{250, {"mx Hello STARTTLS"}}), "STARTTLS"));
}

TEST_CASE("parse_endpoint: names, IPv4, IPv6 in brackets and bare, default ports, bad input") {
  struct Row {
    const char* text;
    const char* host;
    int port;
    const char* display;
  };
  const Row rows[] = {
      {"mx.example.org", "mx.example.org", 25, "mx.example.org:25"},
      {"mx.example.org:587", "mx.example.org", 587, "mx.example.org:587"},
      {"127.0.0.1:2525", "127.0.0.1", 2525, "127.0.0.1:2525"},
      {"[::1]:2525", "::1", 2525, "[::1]:2525"},
      {"[::1]", "::1", 25, "[::1]:25"},
      {"2001:db8::25", "2001:db8::25", 25, "[2001:db8::25]:25"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    Endpoint e = parse_endpoint(row.text, 25);
    CHECK(e.host == row.host);
    CHECK(e.port == row.port);
    CHECK(e.display() == row.display);
  }
  CHECK(parse_endpoint("[::1]", 465).port == 465);
  const char* bad[] = {"", ":25", "mx:0", "mx:65536", "mx:2x", "[::1", "[::1]x", "[mx.example.org]:25", "1:2:zz"};
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_THROWS_AS(parse_endpoint(text, 25), Error);
  }
}

TEST_CASE("describe_alert names the alerts a mail server sends, with a likely cause") {
  struct Row {
    int number;
    const char* name;
    const char* cause;
  };
  const Row rows[] = {
      {40, "handshake_failure", "in common"},
      {42, "bad_certificate", "client certificate"},
      {46, "certificate_unknown", "could not verify"},
      {47, "illegal_parameter", "list of acceptable CA names is too long"},
      {48, "unknown_ca", "does not trust the CA"},
      {70, "protocol_version", "no TLS version in common"},
      {112, "unrecognized_name", "SNI"},
      {116, "certificate_required", "pass --cert and --key"},
      {250, "unknown", "IANA"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.number);
    TlsAlert a = describe_alert(row.number);
    CHECK(a.name == row.name);
    CHECK(std::string(a.likely_cause).find(row.cause) != std::string::npos);
  }
  CHECK(alert_text(48).rfind("alert 48 (unknown_ca): ", 0) == 0);
}

TEST_CASE("default_ehlo_name is the hostname when it has a dot, else localhost.localdomain") {
  char buf[256] = "";
  REQUIRE(::gethostname(buf, sizeof buf - 1) == 0);
  std::string host(buf);
  CHECK(default_ehlo_name() == (host.find('.') != std::string::npos ? host : "localhost.localdomain"));
}

TEST_CASE("regression: fuzz_smtp_reply crash-f7299d9f: probe --json survives bytes that are not UTF-8") {
  // A greeting with \xff made nlohmann's dump() throw type_error 316: no JSON document at all.
  MemoryTransport t("220 caf\xc3\xa9 \xff\xfe latin1\r\n250-\x1b[31m\r\n250 done\r\n");
  LineReader reader(t);
  ProbeReport report;
  report.greeting = read_reply(reader, soon());
  report.post_tls_ehlo = read_reply(reader, soon());
  report.capabilities = ehlo_keywords(*report.post_tls_ehlo);
  std::string doc;
  REQUIRE_NOTHROW(doc = probe_json(report));
  CHECK(doc.find("\"schema\": \"mtlscert.probe/1\"") != std::string::npos);
  CHECK(doc.find("caf\xc3\xa9 \xef\xbf\xbd") != std::string::npos);  // valid UTF-8 kept, \xff replaced by U+FFFD
}

namespace {
// EndlessTransport: a hostile server that sends 'A' forever and never a newline. It counts
// what the reader took; past `cap` bytes it throws, so a reader without a bound fails the
// test instead of eating the machine's memory.
class EndlessTransport final : public Transport {
 public:
  explicit EndlessTransport(std::size_t cap) : cap_(cap) {}
  std::size_t read_some(char* buf, std::size_t n, Deadline) override {
    if (delivered_ >= cap_) throw NetError("test-cap", "the reader kept reading past the cap: no bound");
    std::memset(buf, 'A', n);
    delivered_ += n;
    return n;
  }
  void write_all(std::string_view, Deadline) override {}
  std::size_t delivered() const noexcept { return delivered_; }

 private:
  std::size_t cap_;
  std::size_t delivered_ = 0;
};
}  // namespace

TEST_CASE("regression: issue 13 row 20: a line with no newline at all ends in line-too-long") {
  // "250-" + 100 KiB and no CRLF, then the end of the stream: only the buffer bound can say
  // line-too-long here (the on-newline check never sees a newline; without the bound the
  // reader reads to the end and reports "closed").
  MemoryTransport t("250-" + std::string(100 * 1024, 'A'));
  LineReader reader(t);
  try {
    read_reply(reader, soon());
    FAIL("no exception");
  } catch (const NetError& e) {
    CHECK(e.code() == "line-too-long");
    CHECK(std::string(e.what()).find("longer than 4096 bytes (starts with '250-AAAA") != std::string::npos);
  }
}

TEST_CASE("regression: issue 13 row 20: a never-ending line buffers at most the bound plus one read") {
  for (std::size_t max_line : {std::size_t{16}, std::size_t{512}, std::size_t{4096}, std::size_t{10000}}) {
    CAPTURE(max_line);
    EndlessTransport t(64 * 1024 * 1024);
    LineReader reader(t);
    try {
      reader.read_line(soon(), max_line);
      FAIL("no exception");
    } catch (const NetError& e) {
      CHECK(e.code() == "line-too-long");
    }
    constexpr std::size_t kOneRead = 4096;  // LineReader's read size
    CHECK(t.delivered() >= max_line);
    CHECK(t.delivered() <= max_line + kOneRead);
  }
}
