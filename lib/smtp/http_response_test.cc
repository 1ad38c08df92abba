#include "smtp/http_response.h"

#include <doctest/doctest.h>

using namespace mtlscert;

namespace {

Deadline soon() { return Clock::now() + std::chrono::seconds(5); }

HttpResponse read(const std::string& raw, std::size_t chunk = 4096, HttpLimits limits = {}) {
  MemoryTransport t(raw, chunk);
  return read_http_response(t, soon(), limits);
}

FetchFailure failure_of(const std::string& raw, HttpLimits limits = {}) {
  try {
    read(raw, 4096, limits);
  } catch (const FetchError& e) {
    return e.failure();
  }
  FAIL("no FetchError");
  return FetchFailure::Malformed;
}

}  // namespace

TEST_CASE("http response: Content-Length, chunked and close framing give the same body") {
  const std::string body = "version: STSv1\r\nmode: enforce\r\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    CAPTURE(chunk);
    auto a = read("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 31\r\n\r\n" + body, chunk);
    CHECK(a.head.status == 200);
    CHECK(a.head.reason == "OK");
    CHECK(a.head.header("CONTENT-TYPE") == "text/plain");
    CHECK(a.body == body);
    auto b = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nversi\r\n1A\r\n" + body.substr(5) +
                      "\r\n0\r\nX-Trailer: 1\r\n\r\n",
                  chunk);
    CHECK(b.body == body);
    auto c = read("HTTP/1.0 200 OK\nContent-Type: text/plain\n\n" + body, chunk);
    CHECK(c.head.version == "HTTP/1.0");
    CHECK(c.body == body);
  }
}

TEST_CASE("http response: the head is refused before the body is read") {
  MemoryTransport t("HTTP/1.1 301 Moved\r\nLocation: https://x/\r\nContent-Length: 999999\r\n\r\n");
  int seen = 0;
  CHECK_THROWS_WITH_AS(read_http_response(t, soon(), {},
                                          [&](const HttpHead& h) {
                                            seen = h.status;
                                            throw FetchError(FetchFailure::Redirect, "no");
                                          }),
                       "no", FetchError);
  CHECK(seen == 301);
}

TEST_CASE("http response: a body over the limit is TooLarge, by length, by chunk and by close") {
  HttpLimits small{.max_head = 1024, .max_body = 10};
  CHECK(failure_of("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890", small) == FetchFailure::TooLarge);
  CHECK(failure_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n01234\r\n0\r\n\r\n",
                   small) == FetchFailure::TooLarge);
  CHECK(failure_of("HTTP/1.1 200 OK\r\n\r\n01234567890", small) == FetchFailure::TooLarge);
  CHECK(read("HTTP/1.1 200 OK\r\n\r\n0123456789", 3, small).body == "0123456789");  // exactly the limit
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n"), "the body is larger than 65536 bytes",
                       FetchError);
}

TEST_CASE("http response: what is not HTTP/1.x is Malformed, with the reason") {
  CHECK_THROWS_WITH_AS(read("SSH-2.0-OpenSSH\r\n\r\n"), "not an HTTP/1.x status line: 'SSH-2.0-OpenSSH'", FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 20 OK\r\n\r\n"), "not an HTTP/1.x status line: 'HTTP/1.1 20 OK'", FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n"), "Content-Length '12x' is not a number",
                       FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
                       "two different Content-Length headers", FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
                       "the server closed the connection after 3 of the 10 bytes of the body", FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
                       "Transfer-Encoding 'gzip', expected chunked", FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                       "the chunk size 'zz' is not a hex number", FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"),
                       "a chunk longer than its size", FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nBad header\r\n\r\n"),
                       "the header line 'Bad header' is not 'Name: value'", FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), "a folded header line (obsolete in HTTP/1.1)",
                       FetchError);
  CHECK_THROWS_WITH_AS(read("HTTP/1.1 200 OK\r\nX: " + std::string(20000, 'a') + "\r\n\r\n"),
                       "more than 16384 bytes in the response headers", FetchError);
  CHECK_THROWS_WITH_AS(read(""), "the server closed the connection in the status line", FetchError);
  CHECK(failure_of("HTTP/1.1 200 OK\r\n") == FetchFailure::Malformed);
}

TEST_CASE("http response: media_type drops parameters and case") {
  CHECK(media_type("Text/Plain; charset=utf-8") == "text/plain");
  CHECK(media_type(" text/plain ") == "text/plain");
  CHECK(media_type("text/html") == "text/html");
  CHECK(media_type("") == "");
  CHECK(fetch_failure_name(FetchFailure::ContentType) == "content-type");
}
