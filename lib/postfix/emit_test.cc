#include <doctest/doctest.h>

#include "core/error.h"
#include "postfix/emit.h"

using namespace mtlscert;

namespace {
std::string value_of(const std::vector<std::pair<std::string, std::string>>& s, const std::string& name) {
  for (const auto& [n, v] : s)
    if (n == name) return v;
  return "(unset)";
}
}  // namespace

TEST_CASE("postfix emit: one pair is cert_file/key_file, two are chain_files, key before certificate") {
  PostfixEmitRequest r{
      .server_cert = "/t/s.crt", .server_key = "/t/s.key", .cacert = "/t/ca.pem", .cacert_path = "/t/certs"};
  auto s = postfix_settings(r);
  CHECK(value_of(s, "smtpd_tls_cert_file") == "/t/s.crt");
  CHECK(value_of(s, "smtpd_tls_key_file") == "/t/s.key");
  CHECK(value_of(s, "smtpd_tls_chain_files") == "(unset)");
  CHECK(value_of(s, "smtpd_tls_ask_ccert") == "yes");
  CHECK(value_of(s, "smtpd_tls_received_header") == "yes");
  CHECK(value_of(s, "smtpd_tls_security_level") == "may");
  CHECK(value_of(s, "smtp_tls_cert_file") == "/t/s.crt");
  r.server_cert = "/t/rsa.crt,/t/ec.crt";
  r.server_key = "/t/rsa.key,/t/ec.key";
  r.no_client_cert_request = true;
  s = postfix_settings(r);
  CHECK(value_of(s, "smtpd_tls_chain_files") == "/t/rsa.key, /t/rsa.crt, /t/ec.key, /t/ec.crt");
  CHECK(value_of(s, "smtpd_tls_ask_ccert") == "no");
}

TEST_CASE("postfix emit: values main.cf cannot hold are refused") {
  PostfixEmitRequest r{
      .server_cert = "/t/s.crt", .server_key = "/t/s.key", .cacert = "/t/ca.pem", .cacert_path = "/t/certs"};
  for (const char* bad : {"relative.crt", "/t/a b.crt", "/t/$x.crt", "/t/a'b.crt", "/t/a,b,c.crt"}) {
    CAPTURE(bad);
    r.server_cert = bad;
    CHECK_THROWS_AS(postfix_settings(r), Error);
  }
}
