#include <doctest/doctest.h>

#include "pki/pem.h"

using namespace mtlscert;

TEST_CASE("pem::scan finds blocks with their lines, tolerating junk, CRLF and a BOM") {
  std::string text =
      "\xEF\xBB\xBFsubject=CN foo\r\n"
      "-----BEGIN CERTIFICATE-----\r\nQUJD\r\n-----END CERTIFICATE-----\r\n"
      "junk between\n"
      "-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----\n"
      "-----BEGIN CERTIFICATE-----\nQUJD\n";
  auto blocks = pem::scan(text);
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].label == "CERTIFICATE");
  CHECK(blocks[0].line == 2);
  CHECK(blocks[0].terminated);
  CHECK(blocks[1].label == "PRIVATE KEY");
  CHECK(blocks[1].line == 6);
  CHECK(blocks[2].line == 9);
  CHECK_FALSE(blocks[2].terminated);
  CHECK(blocks[2].end == text.size());
}

TEST_CASE("pem::scan: a BEGIN inside an open block ends the truncated block") {
  auto blocks =
      pem::scan("-----BEGIN CERTIFICATE-----\nQUJD\n-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n");
  REQUIRE(blocks.size() == 2);
  CHECK_FALSE(blocks[0].terminated);
  CHECK(blocks[1].terminated);
  CHECK(blocks[1].line == 3);
}

TEST_CASE("pem labels are described for messages") {
  CHECK(pem::describe_label("CERTIFICATE REQUEST") == "a CERTIFICATE REQUEST (CSR)");
  CHECK(pem::describe_label("EC PRIVATE KEY") == "a private key (EC PRIVATE KEY)");
  CHECK(pem::is_private_key_label("ENCRYPTED PRIVATE KEY"));
  CHECK_FALSE(pem::is_private_key_label("CERTIFICATE"));
}
