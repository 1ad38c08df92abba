#include <doctest/doctest.h>

#include <algorithm>

#include "core/error.h"
#include "sendmail/cf_reader.h"
#include "tempdir.h"

using namespace mtlscert;
using mtlscert::test::TempDir;

namespace {
bool has_flag(const SendmailConfig& c, const std::string& f) {
  const auto& v = c.tls.dont_blame_sendmail;
  return std::find(v.begin(), v.end(), f) != v.end();
}
}  // namespace

TEST_CASE("sendmail config: a .cf gives the options as written") {
  TempDir d;
  auto path = d.write("sendmail.cf",
                      "# comment\n#O ServerCertFile=/commented.crt\nO ServerCertFile=/a.crt,/b.crt\n"
                      "O ServerKeyFile=/a.key,/b.key\nO CACertFile=/ca.pem\nO CACertPath=/etc/ssl/certs\n"
                      "O TLSSrvOptions=V\nO DontBlameSendmail=TrustStickyBit,GroupReadableKeyFile\n"
                      "O RunAsUser=root\nDjsmtp.example.org\n");
  SendmailConfig c = read_sendmail_config(path);
  CHECK(!c.is_mc);
  CHECK(c.tls.server_cert_file == "/a.crt,/b.crt");
  CHECK(c.tls.server_key_file == "/a.key,/b.key");
  CHECK(c.tls.ca_cert_path == "/etc/ssl/certs");
  CHECK(c.tls.tls_srv_options == "V");
  CHECK(has_flag(c, "GroupReadableKeyFile"));
  CHECK(c.host == "smtp.example.org");
  CHECK(c.any_tls_option);
}

TEST_CASE("sendmail config: a .mc, its include, quoting and DontBlameSendmail appends") {
  TempDir d;
  d.write("tls.m4",
          "define(`confSERVER_CERT', ``/etc/mail/tls/s.crt'')dnl\n"
          "define(`confSERVER_KEY', `/etc/mail/tls/s.key')dnl\n"
          "ifdef(`confDONT_BLAME_SENDMAIL', `define(`confDONT_BLAME_SENDMAIL', "
          "defn(`confDONT_BLAME_SENDMAIL')`,GroupReadableKeyFile')', `define(`confDONT_BLAME_SENDMAIL', "
          "`GroupReadableKeyFile')')dnl\n");
  auto path = d.write("sendmail.mc",
                      "divert(-1)dnl\ninclude(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nOSTYPE(`debian')dnl\n"
                      "DOMAIN(`debian-mta')dnl\ninclude(`tls.m4')dnl\n"
                      "define(`confCACERT', ``/etc/mail/tls/ca.pem'')dnl\nundefine(`confCRL')dnl\n");
  SendmailConfig c = read_sendmail_config(path);
  CHECK(c.is_mc);
  REQUIRE(c.files_read.size() == 2);
  CHECK(c.tls.server_cert_file == "/etc/mail/tls/s.crt");
  CHECK(c.tls.server_key_file == "/etc/mail/tls/s.key");
  CHECK(c.tls.ca_cert_file == "/etc/mail/tls/ca.pem");
  CHECK(has_flag(c, "TrustStickyBit"));  // Debian's, kept
  CHECK(has_flag(c, "GroupReadableKeyFile"));
  CHECK(c.findings.empty());
}

TEST_CASE("sendmail config: an unreadable file is an Error") {
  CHECK_THROWS_AS(read_sendmail_config("/nonexistent/sendmail.cf"), Error);
}
