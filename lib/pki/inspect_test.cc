#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "pki.h"
#include "pki/inspect.h"

using namespace mtlscert;
using mtlscert::test::CertSpec;
using mtlscert::test::make_cert;

namespace {
// 2050-01-01T00:00:00Z: inside the fixtures' 2000-2100 validity.
constexpr std::time_t kNow = 2524608000;
}  // namespace

TEST_CASE("inspect_bytes: what each kind of file is") {
  auto ca = make_cert({.cn = "Toto CA"});
  auto leaf =
      make_cert({.cn = "smtp.toto.com", .ca = false, .dns = {"smtp.toto.com"}, .eku = "serverAuth,clientAuth"}, &ca);
  struct Row {
    const char* why;
    std::string bytes;
    const char* want_what;
    const char* want_format;
  };
  const Row rows[] = {
      {"one PEM certificate", leaf.cert_pem(), "certificate", "PEM"},
      {"one DER certificate", leaf.cert_der(), "certificate", "DER"},
      {"a bundle", leaf.cert_pem() + ca.cert_pem(), "bundle of 2 certificates", "PEM"},
      {"a private key", leaf.key_pem(), "private key", "PEM"},
      {"certificate and key", leaf.cert_pem() + leaf.key_pem(), "2 objects: 1 certificate, 1 private key", "PEM"},
      {"an encrypted key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
       "encrypted private key", "PEM"},
  };
  for (const auto& row : rows) {
    std::string row_name = row.why;
    CAPTURE(row_name);
    InspectedFile f = inspect_bytes(row.bytes, "f.pem", kNow);
    CHECK(f.what() == row.want_what);
    CHECK(file_format_name(f.format) == row.want_format);
    CHECK_FALSE(f.broken());
  }
}

TEST_CASE("inspect_bytes: certificate fields, key summary, never key material") {
  auto ca = make_cert({.cn = "Toto CA", .pathlen = 0});
  auto leaf = make_cert({.cn = "smtp.toto.com",
                         .extra_rdns = {{"C", "FR"}, {"O", "TOTO"}},
                         .ca = false,
                         .dns = {"smtp.toto.com", "mail.toto.com"},
                         .eku = "serverAuth,clientAuth",
                         .serial = 4660},
                        &ca);
  InspectedFile f = inspect_bytes(leaf.cert_pem() + leaf.key_pem(), "both.pem", kNow);
  REQUIRE(f.objects.size() == 2);
  const CertInfo& c = *f.objects[0].certificate;
  CHECK(c.subject == "CN=smtp.toto.com,O=TOTO,C=FR");
  CHECK(c.issuer == "CN=Toto CA");
  CHECK(c.serial == "1234");
  REQUIRE(f.objects[1].key.has_value());
  CHECK(f.objects[1].key->label == "ECDSA P-256");

  std::string text = inspect_text(f);
  CHECK(text.find("both.pem: 2 objects: 1 certificate, 1 private key (PEM)") == 0);
  CHECK(text.find("SAN:         DNS:smtp.toto.com, DNS:mail.toto.com") != std::string::npos);
  CHECK(text.find("EKU:         serverAuth, clientAuth") != std::string::npos);
  CHECK(text.find("Basic:       CA:FALSE") != std::string::npos);
  CHECK(text.find("(18262 days left)") != std::string::npos);  // 2050-01-01 to 2100-01-01
  CHECK(text.find("ECDSA P-256 (key material not shown)") != std::string::npos);
  const std::string key_pem = leaf.key_pem();
  const std::string key_body = key_pem.substr(key_pem.find('\n') + 1, 40);  // some base64 of the key
  std::string json = to_json(std::vector<InspectedFile>{f});
  for (const std::string& out : {text, json}) {
    CHECK(out.find("-----BEGIN") == std::string::npos);
    CHECK(out.find(key_body) == std::string::npos);
  }

  InspectedFile cafile = inspect_bytes(ca.cert_pem(), "ca.pem", kNow);
  CHECK(inspect_text(cafile).find("Basic:       CA:TRUE, pathlen:0") != std::string::npos);
}

TEST_CASE("inspect_text: expired and not yet valid certificates say so") {
  auto old =
      make_cert({.cn = "old.toto.com", .ca = false, .not_before = "20000101000000Z", .not_after = "20100101000000Z"});
  CHECK(inspect_text(inspect_bytes(old.cert_pem(), "old.pem", kNow)).find("(EXPIRED 14610 days ago)") !=
        std::string::npos);
  auto future = make_cert({.cn = "new.toto.com", .ca = false, .not_before = "20600101000000Z"});
  CHECK(inspect_text(inspect_bytes(future.cert_pem(), "new.pem", kNow)).find("NOT YET VALID") != std::string::npos);
}

TEST_CASE("inspect_bytes: nothing to describe is an Error naming the file, broken blocks are flagged") {
  struct Row {
    const char* why;
    std::string bytes;
    const char* want_error;
  };
  const Row rows[] = {
      {"empty", "", "file 'in.pem' is empty"},
      {"blank lines", "\n \n", "file 'in.pem' is empty"},
      {"garbage", std::string("\x01\x02\x03garbage", 10),
       "file 'in.pem' is not a certificate, CSR, private key or bundle"},
      {"plain text", "hello world\n", "neither PEM blocks nor a DER object"},
  };
  for (const auto& row : rows) {
    std::string row_name = row.why;
    CAPTURE(row_name);
    CHECK_THROWS_WITH_AS(inspect_bytes(row.bytes, "in.pem", kNow), doctest::Contains(row.want_error), Error);
  }
  auto leaf = make_cert({.cn = "smtp.toto.com", .ca = false});
  std::string truncated = leaf.cert_pem();
  truncated.resize(truncated.size() / 2);
  InspectedFile f = inspect_bytes(leaf.cert_pem() + truncated, "t.pem", kNow);
  CHECK(f.broken());
  CHECK(inspect_text(f).find("Problem:     truncated") != std::string::npos);
}

TEST_CASE("to_json: schema, stable names, errors as entries") {
  auto leaf = make_cert({.cn = "smtp.toto.com", .ca = false, .dns = {"smtp.toto.com"}});
  InspectedFile ok = inspect_bytes(leaf.cert_pem(), "a.pem", kNow);
  InspectedFile bad;
  bad.path = "missing.pem";
  bad.error = "cannot open file 'missing.pem': No such file or directory";
  auto doc = nlohmann::json::parse(to_json({ok, bad}));
  CHECK(doc["schema"] == "mtlscert.inspect/1");
  REQUIRE(doc["files"].size() == 2);
  CHECK(doc["files"][0]["what"] == "certificate");
  CHECK(doc["files"][0]["objects"][0]["kind"] == "certificate");
  CHECK(doc["files"][0]["objects"][0]["certificate"]["dns_names"][0] == "smtp.toto.com");
  CHECK(doc["files"][0]["objects"][0]["certificate"]["days_left"] == 18262);
  CHECK(doc["files"][1]["error"] == bad.error);
  CHECK(doc["files"][1]["objects"].empty());
}

TEST_CASE("CertInfo::names_host: a DNS name in any case, the CN only without DNS names, and the EKU rules") {
  CertInfo c;
  c.common_name = "mx.example.org";
  CHECK(c.names_host("mx.example.org"));
  CHECK(c.names_host("MX.Example.ORG"));
  c.dns_names = {"smtp.example.org"};
  CHECK_FALSE(c.names_host("mx.example.org"));  // DNS names present: the CN no longer counts
  CHECK(c.names_host("SMTP.example.org"));
  CHECK_FALSE(c.names_host("example.org"));
  // No extendedKeyUsage: any purpose (RFC 5280 4.2.1.12), but nothing is listed.
  CHECK(c.allows_eku("clientAuth"));
  CHECK_FALSE(c.lists_eku("clientAuth"));
  c.extended_key_usage = {"serverAuth"};
  CHECK_FALSE(c.allows_eku("clientAuth"));
  CHECK(c.allows_eku("serverAuth"));
  CHECK(c.lists_eku("serverAuth"));
}
