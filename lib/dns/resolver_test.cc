#include "dns/resolver.h"

#include <doctest/doctest.h>

#include "core/error.h"

using namespace mtlscert;

TEST_CASE("resolver: server addresses become libunbound's ADDR@PORT") {
  CHECK(unbound_forwarder("127.0.0.1") == "127.0.0.1");
  CHECK(unbound_forwarder("127.0.0.1@5353") == "127.0.0.1@5353");
  CHECK(unbound_forwarder("127.0.0.1:5353") == "127.0.0.1@5353");
  CHECK(unbound_forwarder("::1") == "::1");
  CHECK(unbound_forwarder("[::1]:53") == "::1@53");
  CHECK(unbound_forwarder("[::1]") == "::1");
  CHECK(unbound_forwarder("::1@53") == "::1@53");
}

TEST_CASE("resolver: a name, a bad port or an unclosed bracket is refused") {
  CHECK_THROWS_AS(unbound_forwarder("dns.example.org"), Error);
  CHECK_THROWS_AS(unbound_forwarder("127.0.0.1@0"), Error);
  CHECK_THROWS_AS(unbound_forwarder("127.0.0.1:65536"), Error);
  CHECK_THROWS_AS(unbound_forwarder("[::1:53"), Error);
  CHECK_THROWS_AS(unbound_forwarder(""), Error);
}

TEST_CASE("resolver: TLSA owner names and record text") {
  CHECK(tlsa_name("mx.example.org", 25) == "_25._tcp.mx.example.org");
  CHECK(tlsa_name("mx.example.org.", 465) == "_465._tcp.mx.example.org");
  TlsaRecord r{.usage = 3, .selector = 1, .matching = 1, .data = {0x00, 0xab, 0x0f}};
  CHECK(r.data_hex() == "00ab0f");
  CHECK(r.display() == "3 1 1 00ab0f");
}

TEST_CASE("resolver: a missing trust anchor file is refused naming it") {
  ResolverOptions options{.server = "127.0.0.1@1", .trust_anchor = "/nonexistent/anchor.key"};
  try {
    Resolver resolver(options);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("/nonexistent/anchor.key") != std::string::npos);
  }
}

TEST_CASE("resolver: a closed server port ends in an outcome, not an exception") {
  // Port 1 on loopback: nothing listens, so libunbound gives up (SERVFAIL) or the deadline hits.
  ResolverOptions options{.server = "127.0.0.1@1", .trust_anchor = {}, .timeout = std::chrono::milliseconds(3000)};
  Resolver resolver(options);
  auto answer = resolver.a("nothing.invalid");
  CHECK(answer.records.empty());
  CHECK(answer.outcome != DnsOutcome::Answer);
}
