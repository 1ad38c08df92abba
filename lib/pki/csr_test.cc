#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "pki/cert_info.h"
#include "pki/csr.h"
#include "pki/key.h"
#include "pki/subject.h"

using namespace mtlscert;

TEST_CASE("plan_csr: the host comes from --host or the lowest-preference MX, SANs checked and deduplicated") {
  struct Row {
    const char* why;
    CsrRequest request;
    const char* want_host;                // nullptr: refused
    std::vector<std::string> want_names;  // dNSNames in order
    const char* want_error;               // substring when refused
  };
  const Row rows[] = {
      {"host as given", {"smtp.toto.com", "", {}, {}}, "smtp.toto.com", {"smtp.toto.com"}, nullptr},
      {"host canonical", {"SMTP.Toto.COM.", "", {}, {}}, "smtp.toto.com", {"smtp.toto.com"}, nullptr},
      {"zone-file MX", {"", "toto.com. IN MX 10 SMTP.Toto.com.", {}, {}}, "smtp.toto.com", {"smtp.toto.com"}, nullptr},
      {"dig MX, lowest wins", {"", "20 b.toto.com.\n10 a.toto.com.", {}, {}}, "a.toto.com", {"a.toto.com"}, nullptr},
      {"extra SANs after the host, duplicates dropped",
       {"smtp.toto.com", "", {"mail.toto.com", "SMTP.toto.com", "mail.toto.com."}, {}},
       "smtp.toto.com",
       {"smtp.toto.com", "mail.toto.com"},
       nullptr},
      {"IDN SAN to A-label",
       {"smtp.toto.com", "", {"bücher.example"}, {}},
       "smtp.toto.com",
       {"smtp.toto.com", "xn--bcher-kva.example"},
       nullptr},
      {"neither", {"", "", {}, {}}, nullptr, {}, "--host or --mx is required"},
      {"both", {"a.toto.com", "10 b.toto.com.", {}, {}}, nullptr, {}, "--host and --mx both given"},
      {"bad host",
       {"smtp..toto.com", "", {}, {}},
       nullptr,
       {},
       "--host: 'smtp..toto.com' is not a valid host name: label 2 is empty"},
      {"wildcard SAN",
       {"smtp.toto.com", "", {"*.toto.com"}, {}},
       nullptr,
       {},
       "--san: '*.toto.com' is not a valid host name: wildcards"},
      {"IP SAN", {"smtp.toto.com", "", {"192.0.2.7"}, {}}, nullptr, {}, "it is an IP address"},
      {"bad MX line", {"", "toto.com. IN A 192.0.2.1", {}, {}}, nullptr, {}, "is not an MX record"},
      {"CN too long",
       {"a-very-long-label-for-testing-purposes.another-long-label.example.org", "", {}, {}},
       nullptr,
       {},
       "more than the 64"},
      {"bad country", {"smtp.toto.com", "", {}, {"UK", "", "", "", "", ""}}, nullptr, {}, "--country: 'UK'"},
  };
  for (const auto& row : rows) {
    std::string row_name = row.why;
    CAPTURE(row_name);
    if (row.want_host != nullptr) {
      CsrPlan plan = plan_csr(row.request);
      CHECK(plan.host.ascii == row.want_host);
      CHECK(plan.dns_names == row.want_names);
    } else {
      CHECK_THROWS_WITH_AS(plan_csr(row.request), doctest::Contains(row.want_error), Error);
    }
  }
}

TEST_CASE("plan_csr notes the MX hosts it leaves out") {
  CsrPlan plan = plan_csr({"", "toto.com. IN MX 20 backup.toto.com.\ntoto.com. IN MX 10 smtp.toto.com.", {}, {}});
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0].find("Not in this CSR: backup.toto.com") != std::string::npos);
  CHECK(plan_csr({"", "10 smtp.toto.com.\n20 backup.toto.com.", {"backup.toto.com"}, {}}).notes.empty());
}

TEST_CASE("check_subject_field: one row per rule") {
  struct Row {
    SubjectField field;
    const char* input;
    const char* want;        // canonical value; nullptr: refused
    const char* want_error;  // substring of message or hint when refused
  };
  const std::string org64(64, 'o'), org65(65, 'o');
  const Row rows[] = {
      {SubjectField::Country, "FR", "FR", nullptr},
      {SubjectField::Country, " fr ", "FR", nullptr},
      {SubjectField::Country, "GB", "GB", nullptr},
      {SubjectField::Country, "", "", nullptr},
      {SubjectField::Country, "UK", nullptr, "the United Kingdom is GB"},
      {SubjectField::Country, "XX", nullptr, "no country has this ISO 3166 code"},
      {SubjectField::Country, "EU", nullptr, "no country has this ISO 3166 code"},
      {SubjectField::Country, "FRA", nullptr, "two-letter ISO 3166 code"},
      {SubjectField::Country, "F1", nullptr, "two-letter ISO 3166 code"},
      {SubjectField::Email, "postmaster@toto.com", "postmaster@toto.com", nullptr},
      {SubjectField::Email, "postmaster", nullptr, "it has no '@'"},
      {SubjectField::Email, "a@b@c.com", nullptr, "more than one '@'"},
      {SubjectField::Email, "@toto.com", nullptr, "text on both sides"},
      {SubjectField::Email, "post master@toto.com", nullptr, "white space"},
      {SubjectField::Email, "\"x\"@toto.com", nullptr, "the character '\"' is not allowed"},
      {SubjectField::Email, "x@toto..com", nullptr, "empty label"},
      {SubjectField::Organization, "Société Générale", "Société Générale", nullptr},
      {SubjectField::Organization, org64.c_str(), org64.c_str(), nullptr},
      {SubjectField::Organization, org65.c_str(), nullptr, "65 characters long; at most 64"},
      {SubjectField::Organization, "TOTO\x01", nullptr, "control character"},
      {SubjectField::Locality, "Nanterre\xC3", nullptr, "not valid UTF-8"},
      {SubjectField::State, "  Hauts-de-Seine ", "Hauts-de-Seine", nullptr},
  };
  for (const auto& row : rows) {
    std::string row_name = row.input;
    CAPTURE(row_name);
    if (row.want != nullptr) {
      CHECK(check_subject_field(row.field, row.input) == row.want);
    } else {
      try {
        check_subject_field(row.field, row.input);
        FAIL("accepted");
      } catch (const Error& e) {
        std::string all = std::string(e.what()) + " | " + e.hint();
        CHECK_MESSAGE(all.find(row.want_error) != std::string::npos, all);
        CHECK(std::string(e.what()).rfind(subject_field_info(row.field).flag, 0) == 0);
      }
    }
  }
}

TEST_CASE("is_iso3166_alpha2 knows exactly the 249 assigned codes") {
  int count = 0;
  std::string code = "AA";
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      code[0] = a;
      code[1] = b;
      count += is_iso3166_alpha2(code) ? 1 : 0;
    }
  }
  CHECK(count == 249);
  CHECK(is_iso3166_alpha2("FR"));
  CHECK(is_iso3166_alpha2("ZW"));
  CHECK_FALSE(is_iso3166_alpha2("fr"));
  CHECK_FALSE(is_iso3166_alpha2("UK"));
  CHECK_FALSE(is_iso3166_alpha2("F"));
}

TEST_CASE("build_csr: CN, SAN, usages and signature per key type") {
  struct Row {
    KeySpec spec;
    std::vector<std::string> want_key_usage;
    const char* want_signature;
  };
  const Row rows[] = {
      {{KeyType::Rsa, 2048, ""}, {"digitalSignature", "keyEncipherment"}, "sha256WithRSAEncryption"},
      {{KeyType::Ecdsa, 0, "P-256"}, {"digitalSignature"}, "ecdsa-with-SHA256"},
      {{KeyType::Ecdsa, 0, "P-384"}, {"digitalSignature"}, "ecdsa-with-SHA256"},
      {{KeyType::Ed25519, 0, ""}, {"digitalSignature"}, "ED25519"},
  };
  CsrPlan plan = plan_csr({"",
                           "toto.com. IN MX 10 SMTP.Toto.com.",
                           {"mail.toto.com"},
                           {"fr", "Hauts-de-Seine", "Nanterre", "TOTO", "IT", "postmaster@toto.com"}});
  for (const auto& row : rows) {
    std::string row_name = row.want_signature;
    CAPTURE(row_name);
    auto key = generate_key(row.spec);
    auto csr = build_csr(key.get(), plan);
    CsrInfo info = describe_csr(csr.get());
    CHECK(info.common_name == "smtp.toto.com");
    CHECK(info.subject ==
          "emailAddress=postmaster@toto.com,CN=smtp.toto.com,OU=IT,O=TOTO,L=Nanterre,ST=Hauts-de-Seine,C=FR");
    CHECK(info.dns_names == std::vector<std::string>{"smtp.toto.com", "mail.toto.com"});
    CHECK(info.extended_key_usage == std::vector<std::string>{"serverAuth", "clientAuth"});
    CHECK(info.key_usage == row.want_key_usage);
    CHECK_FALSE(info.requests_ca);
    CHECK(info.signature_algorithm == row.want_signature);
    CHECK(info.signature_valid);
    CHECK(same_public_key(X509_REQ_get0_pubkey(csr.get()), key.get()));
    CHECK(csr_pem(csr.get()).rfind("-----BEGIN CERTIFICATE REQUEST-----", 0) == 0);
  }
}

TEST_CASE("build_csr refuses keys that cannot serve a mail certificate") {
  CsrPlan plan = plan_csr({"smtp.toto.com", "", {}, {}});
  ossl::Ptr<EVP_PKEY> small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
  REQUIRE(small);
  CHECK_THROWS_WITH_AS(build_csr(small.get(), plan), doctest::Contains("RSA 1024"), Error);
  ossl::Ptr<EVP_PKEY> x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  REQUIRE(x25519);
  CHECK_THROWS_WITH_AS(build_csr(x25519.get(), plan), doctest::Contains("cannot sign a mail server's CSR"), Error);
}
