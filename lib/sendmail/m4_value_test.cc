#include <doctest/doctest.h>

#include "core/error.h"
#include "sendmail/m4_value.h"

using namespace mtlscert;

TEST_CASE("m4 values: refused with the reason") {
  struct Row {
    const char* value;
    M4ValueKind kind;
    const char* reason;
  };
  const Row rows[] = {
      {"", M4ValueKind::Path, "is empty"},
      {"/etc/mail/tls/o`brien.pem", M4ValueKind::Path, "contains a backquote"},
      {"/etc/mail/tls/o'brien.pem", M4ValueKind::Path, "contains an apostrophe"},
      {"/etc/mail/tls/crl#1.pem", M4ValueKind::Path, "sendmail.cf starts a comment"},
      {"/etc/mail/tls/$j.pem", M4ValueKind::Path, "expands as a macro"},
      {"/etc/mail/tls/my cert.pem", M4ValueKind::Path, "contains white space"},
      {"/etc/mail/tls/a\tb.pem", M4ValueKind::Path, "contains white space"},
      {"/etc/mail/tls/a\nb.pem", M4ValueKind::Path, "contains a newline"},
      {"etc/mail/tls/a.pem", M4ValueKind::Path, "is not an absolute path"},
      {"/a.pem,/b.pem", M4ValueKind::Path, "only the certificate and key options take two files"},
      {"/a.pem,/b.pem,/c.pem", M4ValueKind::PathPair, "more than two files"},
      {"/a.pem,", M4ValueKind::PathPair, "empty file name"},
      {"/a.pem,b.pem", M4ValueKind::PathPair, "is not an absolute path ('b.pem')"},
      {"V,x", M4ValueKind::Word, "contains a comma"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.value);
    try {
      check_m4_value("confX", row.value, row.kind, "--flag");
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find(row.reason) != std::string::npos);
      CHECK(std::string(e.what()).rfind("--flag (confX): ", 0) == 0);
    }
  }
  std::string with_nul("/etc/a\0b", 8);
  CHECK_THROWS_AS(check_m4_value("confX", with_nul, M4ValueKind::Path), Error);
}

TEST_CASE("m4 values: accepted, with the pair split and the expanding words reported") {
  struct Row {
    const char* value;
    M4ValueKind kind;
    std::size_t parts;
    std::vector<std::string> words;
  };
  const Row rows[] = {
      {"/etc/mail/tls/smtp.crt", M4ValueKind::Path, 1, {}},
      {"/etc/mail/tls/rsa.crt,/etc/mail/tls/ec.crt", M4ValueKind::PathPair, 2, {}},
      {"/etc/mail/dnl/c.pem", M4ValueKind::Path, 1, {"dnl"}},
      {"/etc/mail/tls/divert.pem", M4ValueKind::Path, 1, {"divert"}},
      {"/etc/mail/tls/__unix__.key", M4ValueKind::Path, 1, {"__unix__"}},
      {"/etc/mail/MAILER/FEATURE.pem", M4ValueKind::Path, 1, {"MAILER", "FEATURE"}},
      {"/etc/mail/confX/LOCAL_CONFIG/_X_.pem", M4ValueKind::Path, 1, {"confX", "LOCAL_CONFIG", "_X_"}},
      {"/etc/mail/dnlx/define/len.pem", M4ValueKind::Path, 1, {}},  // not a word m4 expands bare
      {"/etc/ssl/certs", M4ValueKind::Path, 1, {}},
      {"V", M4ValueKind::Word, 1, {}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.value);
    M4Value v = check_m4_value("confX", row.value, row.kind);
    CHECK(v.parts.size() == row.parts);
    CHECK(m4_expanding_words(row.value) == row.words);
    CHECK(v.warnings.size() == row.words.size());
  }
}

TEST_CASE("m4_define double-quotes the value") {
  CHECK(m4_define("confSERVER_CERT", "/etc/mail/tls/smtp.crt") ==
        "define(`confSERVER_CERT', ``/etc/mail/tls/smtp.crt'')dnl");
}
