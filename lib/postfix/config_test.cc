#include <doctest/doctest.h>

#include "postfix/config.h"

using namespace mtlscert;

TEST_CASE("postfix main.cf: continuation lines, comments, the last definition wins") {
  MainCf cf = parse_main_cf(
      "# comment\n"
      "smtpd_tls_cert_file = /a.crt\n"
      "smtpd_relay_restrictions = permit_mynetworks,\n"
      "    permit_tls_clientcerts,\n"
      "\treject_unauth_destination\n"
      "  # an indented comment is a comment\n"
      "smtpd_tls_cert_file=/b.crt\n");
  CHECK(cf["smtpd_tls_cert_file"] == "/b.crt");
  CHECK(cf["smtpd_relay_restrictions"] == "permit_mynetworks, permit_tls_clientcerts, reject_unauth_destination");
}

TEST_CASE("postfix main.cf: $name, ${name}, $(name) and the defaults that name other parameters") {
  MainCf cf = parse_main_cf(
      "tls_dir = /etc/mail/tls\n"
      "smtpd_tls_cert_file = ${tls_dir}/smtp.crt\n"
      "smtpd_tls_CAfile = $(tls_dir)/cacert.pem\n"
      "smtpd_tls_CApath = $tls_dir/certs\n"
      "x = ${tls_dir?yes}${unset:no}$$\n");
  CHECK(expand_postfix(cf, "$x") == "yesno$");
  PostfixTls tls = postfix_tls_from(cf, nullptr);
  CHECK(tls.cert_file == "/etc/mail/tls/smtp.crt");
  CHECK(tls.key_file == "/etc/mail/tls/smtp.crt");  // default: $smtpd_tls_cert_file
  CHECK(tls.ca_file == "/etc/mail/tls/cacert.pem");
  CHECK(tls.ca_path == "/etc/mail/tls/certs");
  CHECK(tls.ask_ccert == "no");
}

TEST_CASE("postfix master.cf: -o overrides of the smtp service apply, others do not") {
  auto services = parse_master_cf(
      "smtp      inet  n       -       y       -       -       smtpd\n"
      "  -o smtpd_tls_security_level=encrypt\n"
      "submission inet n       -       y       -       -       smtpd -o smtpd_tls_ask_ccert=yes\n"
      "cleanup   unix  n       -       y       -       0       cleanup\n");
  REQUIRE(services.size() == 3);
  const MasterService* s = pick_smtpd_service(services);
  REQUIRE(s != nullptr);
  CHECK(s->name == "smtp");
  PostfixTls tls = postfix_tls_from(parse_main_cf("smtpd_tls_security_level = may\n"), s);
  CHECK(tls.security_level == "encrypt");
  CHECK(tls.ask_ccert == "no");
}

TEST_CASE("postfix pre-flight: TLS off, no certificate, a missing CA file") {
  PostfixTls tls;
  tls.ca_file = "/nonexistent/mtlscert/ca.pem";
  PreflightContext ctx;
  auto findings = preflight_postfix_tls(tls, ctx);
  auto has = [&](const char* code) {
    for (const auto& f : findings)
      if (f.code == code) return true;
    return false;
  };
  CHECK(has("tls-off"));
  CHECK(has("option-missing"));
  CHECK(has("file-missing"));
  for (const auto& f : findings) {
    if (f.code == "file-missing")
      CHECK(f.sendmail_log ==
            "cannot load Certification Authority data, CAfile=\"/nonexistent/mtlscert/ca.pem\": disabling TLS support");
    if (f.code == "option-missing") CHECK(f.sendmail_log == "warning: No server certs available. TLS won't be enabled");
  }
}
