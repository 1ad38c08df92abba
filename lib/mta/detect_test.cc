#include "mta/detect.h"

#include <doctest/doctest.h>

using namespace mtlscert;

TEST_CASE("detect_mta_from_text: file names first") {
  CHECK(detect_mta_from_text("sendmail.cf", "") == Mta::Sendmail);
  CHECK(detect_mta_from_text("sendmail.mc", "") == Mta::Sendmail);
  CHECK(detect_mta_from_text("local.mc", "") == Mta::Sendmail);
  CHECK(detect_mta_from_text("main.cf", "") == Mta::Postfix);
  CHECK(detect_mta_from_text("master.cf", "") == Mta::Postfix);
  CHECK(detect_mta_from_text("exim4.conf.template", "") == Mta::Exim);
  CHECK(detect_mta_from_text("update-exim4.conf.conf", "") == Mta::Exim);
}

TEST_CASE("detect_mta_from_text: lines only one MTA writes") {
  CHECK(detect_mta_from_text("cf", "# comment\nO ServerCertFile=/x\n") == Mta::Sendmail);
  CHECK(detect_mta_from_text("x", "divert(-1)\nDOMAIN(`debian-mta')dnl\n") == Mta::Sendmail);
  CHECK(detect_mta_from_text("x", "# smtpd_tls_cert_file\nsmtpd_tls_cert_file = /x\n") == Mta::Postfix);
  CHECK(detect_mta_from_text("x", "smtp      inet  n       -       y       -       -       smtpd\n") == Mta::Postfix);
  CHECK(detect_mta_from_text("configure", "tls_advertise_hosts = *\nbegin acl\n") == Mta::Exim);
  CHECK(detect_mta_from_text("00_local", "MAIN_TLS_ENABLE = yes\n") == Mta::Exim);
  CHECK_FALSE(detect_mta_from_text("notes.txt", "hello\n").has_value());
}
