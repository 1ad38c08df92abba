#include "dns/dane.h"

#include <doctest/doctest.h>

#include "dns/tlsa.h"
#include "pki.h"

using namespace mtlscert;
using mtlscert::test::Issued;
using mtlscert::test::make_cert;

namespace {

struct Chain {
  Issued ca = make_cert({.cn = "DANE unit CA"});
  Issued leaf = make_cert({.cn = "mx.example.org", .ca = false, .dns = {"mx.example.org"}, .eku = "serverAuth"}, &ca);
  std::vector<std::string> der() const { return {leaf.cert_der(), ca.cert_der()}; }
};

DnsAnswer<TlsaRecord> secure(std::vector<TlsaRecord> records) {
  DnsAnswer<TlsaRecord> a;
  a.name = "_25._tcp.mx.example.org";
  a.outcome = DnsOutcome::Answer;
  a.security = DnsSecurity::Secure;
  a.records = std::move(records);
  return a;
}

TlsaRecord record(std::uint8_t usage, std::uint8_t selector, std::uint8_t matching, X509* cert) {
  return {usage, selector, matching, tlsa_data(cert, nullptr, selector, matching)};
}

bool has_code(const DaneCheck& d, const std::string& code) {
  for (const auto& f : d.findings())
    if (f.code == code) return true;
  return false;
}

}  // namespace

TEST_CASE("dane: DANE-EE matches the leaf by key or certificate, any matching type") {
  Chain c;
  for (std::uint8_t selector : {0, 1}) {
    for (std::uint8_t matching : {0, 1, 2}) {
      CAPTURE(int(selector));
      CAPTURE(int(matching));
      auto d = dane_check(secure({record(3, selector, matching, c.leaf.cert.get())}), c.der(), "mx.example.org");
      CHECK(d.status == DaneStatus::Matched);
      CHECK(d.matched_depth == 0);
      CHECK(d.findings().empty());
    }
  }
}

TEST_CASE("dane: DANE-EE ignores the name and the dates (RFC 7672 3.1.1)") {
  Issued self =
      make_cert({.cn = "other.example", .ca = false, .dns = {"other.example"}, .not_after = "20010101000000Z"});
  auto d = dane_check(secure({record(3, 1, 1, self.cert.get())}), {self.cert_der()}, "mx.example.org");
  CHECK(d.status == DaneStatus::Matched);
}

TEST_CASE("dane: DANE-TA matches the CA in the chain with the name checked") {
  Chain c;
  auto d = dane_check(secure({record(2, 1, 1, c.ca.cert.get())}), c.der(), "mx.example.org");
  CHECK(d.status == DaneStatus::Matched);
  CHECK(d.matched_depth == 1);
  d = dane_check(secure({record(2, 1, 1, c.ca.cert.get())}), c.der(), "wrong.example.org");
  CHECK(d.status == DaneStatus::Stale);
  CHECK(d.detail.find("hostname mismatch") != std::string::npos);
  CHECK(has_code(d, "dane-stale"));
}

TEST_CASE("dane: a record of another key is stale, PKIX usages are unusable") {
  Chain c;
  Issued other = make_cert({.cn = "other", .ca = false});
  auto d = dane_check(secure({record(3, 1, 1, other.cert.get())}), c.der(), "mx.example.org");
  CHECK(d.status == DaneStatus::Stale);
  CHECK(has_code(d, "dane-stale"));
  d = dane_check(secure({record(1, 1, 1, c.leaf.cert.get()), record(0, 1, 1, c.ca.cert.get())}), c.der(),
                 "mx.example.org");
  CHECK(d.status == DaneStatus::Unusable);
  CHECK(has_code(d, "dane-unusable"));
}

TEST_CASE("dane: bogus, insecure, absent and failed lookups") {
  Chain c;
  auto a = secure({record(3, 1, 1, c.leaf.cert.get())});
  a.security = DnsSecurity::Bogus;
  a.why_bogus = "signature expired";
  auto d = dane_check(a, c.der(), "mx.example.org");
  CHECK(d.status == DaneStatus::Bogus);
  REQUIRE(has_code(d, "dane-bogus"));
  CHECK(d.findings().front().message.find("signature expired") != std::string::npos);
  a.security = DnsSecurity::Insecure;
  CHECK(dane_check(a, c.der(), "mx.example.org").status == DaneStatus::Insecure);
  a.security = DnsSecurity::Secure;
  a.outcome = DnsOutcome::NxDomain;
  a.records.clear();
  CHECK(dane_check(a, c.der(), "mx.example.org").status == DaneStatus::NoTlsa);
  a.outcome = DnsOutcome::ServFail;
  d = dane_check(a, c.der(), "mx.example.org");
  CHECK(d.status == DaneStatus::LookupFailed);
  CHECK(has_code(d, "dane-lookup-failed"));
}
