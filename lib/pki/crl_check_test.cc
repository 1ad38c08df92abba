// check_crl_file: one CRL broken one way per case gives exactly that finding; the CRLs are
// made by make_crl with CAs from ca_init, the trusted CAs are an X509_STORE as sendmail's.
#include <doctest/doctest.h>

#include <string>

#include "core/ossl.h"
#include "pki/ca.h"
#include "pki/ca_dir.h"
#include "pki/ca_revoke.h"
#include "pki/crl_check.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

struct Fixture {
  test::TempDir tmp;
  LoadedCa ca = make_ca("ca", "CRL Check CA");
  LoadedCa twin = make_ca("twin", "CRL Check CA");  // the same name, another key
  LoadedCa stranger = make_ca("stranger", "Some Other CA");
  ossl::Ptr<X509_STORE> store{X509_STORE_new()};

  Fixture() { REQUIRE(X509_STORE_add_cert(store.get(), ca.cert.get()) == 1); }

  LoadedCa make_ca(const std::string& dir, const std::string& name) {
    CaInitRequest r;
    r.dir = tmp.file(dir);
    r.name = name;
    r.key = {KeyType::Ecdsa, 0, "P-256"};
    ca_init(r, kNow - 86400);
    std::vector<std::string> warnings;
    return load_ca(r.dir, warnings);
  }

  // A CRL signed by `by`, made at `made` for `days`, written to a file: the findings.
  std::vector<Finding> check(const LoadedCa& by, std::time_t made, int days) {
    auto crl = make_crl({.ca_cert = by.cert.get(), .ca_key = by.key.get(), .now = made, .days = days});
    const std::string path = tmp.write("test.crl", crl_pem(crl.get()));
    return check_crl_file({.path = path, .cas = store.get(), .ca_files = "CACertFile", .now = kNow});
  }
};

void expect_one(const std::vector<Finding>& findings, const std::string& code, Level level) {
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == code);
  CHECK(findings[0].level == level);
}

}  // namespace

TEST_CASE("crl check: a current CRL of a trusted CA is quiet") {
  Fixture f;
  CHECK(f.check(f.ca, kNow - 3600, 30).empty());
}

TEST_CASE("crl check: past nextUpdate is an error, every certificate of the CA fails") {
  Fixture f;
  auto findings = f.check(f.ca, kNow - 10 * 86400, 2);
  expect_one(findings, "crl-expired", Level::Error);
  CHECK(findings[0].message.find("expired on 2025-12-24T00:00:00Z (nextUpdate): sendmail fails every client "
                                 "certificate the CA issued (reason=CRL has expired)") != std::string::npos);
}

TEST_CASE("crl check: nextUpdate within a week is a warning") {
  Fixture f;
  expect_one(f.check(f.ca, kNow - 3600, 3), "crl-expires-soon", Level::Warn);
}

TEST_CASE("crl check: a CRL from the future is an error") {
  Fixture f;
  expect_one(f.check(f.ca, kNow + 86400, 30), "crl-not-yet-valid", Level::Error);
}

TEST_CASE("crl check: the trusted CA's name but another key is a signature failure") {
  Fixture f;
  expect_one(f.check(f.twin, kNow - 3600, 30), "crl-signature", Level::Error);
}

TEST_CASE("crl check: a CRL of an untrusted CA revokes nothing") {
  Fixture f;
  expect_one(f.check(f.stranger, kNow - 3600, 30), "crl-issuer-unknown", Level::Warn);
}

TEST_CASE("crl check: a file without a CRL carries the MTA's log line") {
  Fixture f;
  const std::string path = f.tmp.write("bad.crl", "garbage\n");
  auto findings = check_crl_file({.path = path, .cas = f.store.get(), .now = kNow}, "LOGGED");
  expect_one(findings, "crl-unreadable", Level::Warn);
  CHECK(findings[0].sendmail_log == "LOGGED");
}

TEST_CASE("crl check: for GnuTLS (Exim) an expired CRL is a warning, as measured") {
  Fixture f;
  auto crl = make_crl({.ca_cert = f.ca.cert.get(), .ca_key = f.ca.key.get(), .now = kNow - 10 * 86400, .days = 2});
  const std::string path = f.tmp.write("exim.crl", crl_pem(crl.get()));
  auto findings = check_crl_file({.path = path, .cas = f.store.get(), .mta = "Exim", .now = kNow, .openssl = false});
  expect_one(findings, "crl-expired", Level::Warn);
  CHECK(findings[0].logged_by == "exim");
  CHECK(findings[0].message.find("Exim (GnuTLS) does not refuse the CA's certificates") != std::string::npos);
}
