#include <doctest/doctest.h>

#include <ctime>

#include "pki.h"
#include "pki/cert_info.h"
#include "pki/objects.h"

using namespace mtlscert;

TEST_CASE("load_objects recognises every kind in a mixed PEM file, with lines") {
  auto ca = test::make_cert({.cn = "Root"});
  auto leaf = test::make_cert({.cn = "smtp.example.org", .ca = false, .dns = {"smtp.example.org"}}, &ca);
  std::string text = "# comment\n" + ca.cert_pem() + "text\n" + ca.key_pem() +
                     "-----BEGIN CERTIFICATE-----\n!!notbase64!!\n-----END CERTIFICATE-----\n" + leaf.cert_pem() +
                     "-----BEGIN CERTIFICATE-----\nQUJD\n";
  PkiFile f = load_objects(text, "mixed.pem");
  CHECK(f.format == FileFormat::Pem);
  REQUIRE(f.objects.size() == 5);
  CHECK(f.objects[0].kind == ObjectKind::Certificate);
  CHECK(f.objects[0].line == 2);
  CHECK(f.objects[1].kind == ObjectKind::PrivateKey);
  CHECK(f.objects[2].kind == ObjectKind::Broken);
  CHECK(f.objects[2].problem == "invalid base64 inside the PEM block");
  CHECK(f.objects[3].kind == ObjectKind::Certificate);
  CHECK(f.objects[4].kind == ObjectKind::Broken);
  CHECK(f.objects[4].problem == "truncated: no matching END line");
  CHECK(f.count(ObjectKind::Certificate) == 2);
}

TEST_CASE("load_objects reads DER certificates and reports unknown binary") {
  auto ca = test::make_cert({.cn = "Root"});
  PkiFile f = load_objects(ca.cert_der(), "ca.der");
  CHECK(f.format == FileFormat::Der);
  REQUIRE(f.objects.size() == 1);
  CHECK(f.objects[0].kind == ObjectKind::Certificate);
  CHECK(load_objects(std::string("\x00\x01\x02garbage", 10), "g").format == FileFormat::Unknown);
  CHECK(load_objects("  \n", "e").format == FileFormat::Empty);
}

TEST_CASE("describe_certificate reads names, dates, EKU and constraints") {
  auto ca = test::make_cert({.cn = "Root", .extra_rdns = {{"O", "Example"}}, .pathlen = 0});
  auto leaf = test::make_cert({.cn = "smtp.example.org",
                               .ca = false,
                               .dns = {"smtp.example.org", "mx2.example.org"},
                               .eku = "serverAuth,clientAuth",
                               .not_before = "20200101000000Z",
                               .not_after = "20300101000000Z"},
                              &ca);
  CertInfo info = describe_certificate(leaf.cert.get(), parse_date("2029-12-31"));
  CHECK(info.subject == "CN=smtp.example.org");
  CHECK(info.issuer == "CN=Root,O=Example");
  CHECK(info.dns_names == std::vector<std::string>{"smtp.example.org", "mx2.example.org"});
  CHECK(info.extended_key_usage == std::vector<std::string>{"serverAuth", "clientAuth"});
  CHECK(info.not_after == "2030-01-01T00:00:00Z");
  CHECK(info.days_left == 1);
  CHECK_FALSE(info.is_ca);
  CHECK(info.key.label == "ECDSA P-256");
  CHECK(info.subject_der_length == test::subject_der_length(leaf.cert.get()));
  CertInfo root = describe_certificate(ca.cert.get(), parse_date("2029-12-31"));
  CHECK(root.is_ca);
  CHECK(root.path_length == 0);
  CHECK(root.self_signed);
  CHECK(root.sha256.size() == 95);
}
