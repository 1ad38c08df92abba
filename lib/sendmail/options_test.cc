#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/text.h"
#include "sendmail/m4_value.h"
#include "sendmail/options.h"
#include "sendmail/preflight.h"

using namespace mtlscert;

TEST_CASE("sendmail options: one row per option, names unique, looked up by macro") {
  std::set<std::string_view> macros;
  std::set<std::string_view> names;
  for (const auto& row : sendmail_option_table()) {
    CHECK(&sendmail_option(row.id) == &row.option);
    CHECK(macros.insert(row.option.macro).second);
    CHECK(names.insert(row.option.name).second);
    CHECK(row.option.macro.starts_with("conf"));
    REQUIRE(find_sendmail_macro(row.option.macro) == &row);
    // Every file option has a file-safety class; no other option has one.
    const bool file = row.option.value == OptionValue::File || row.option.value == OptionValue::FilePair ||
                      row.option.value == OptionValue::FileOrKeyword;
    CHECK(file == row.option.safety.has_value());
  }
  CHECK(find_sendmail_macro("confNOT_AN_OPTION") == nullptr);
  CHECK(sendmail_macro(SendmailOption::CaCertPath) == "confCACERT_PATH");
  CHECK(sendmail_cf_name(SendmailOption::CaCertPath) == "CACertPath");
  CHECK(sendmail_option(SendmailOption::ServerKey).safety == TlsFileRole::Key);
  CHECK(sendmail_option(SendmailOption::ClientKey).safety == TlsFileRole::Key);
  CHECK(sendmail_option(SendmailOption::ServerCert).safety == TlsFileRole::Other);
}

TEST_CASE("sendmail options: the four STARTTLS needs, named as the messages name them") {
  CHECK(sendmail_names(sendmail_required(), true) == "confSERVER_CERT, confSERVER_KEY, confCACERT and confCACERT_PATH");
  CHECK(sendmail_names(sendmail_required(), false, ", ") == "ServerCertFile, ServerKeyFile, CACertFile, CACertPath");
}

TEST_CASE("sendmail options: log lines as sendmail 8.17 writes them") {
  const MtaOption& cert = sendmail_option(SendmailOption::ServerCert);
  CHECK(option_log(cert, cert.log_when_missing) == "STARTTLS: ServerCertFile missing");
  const MtaOption& key = sendmail_option(SendmailOption::ServerKey);
  CHECK(option_log(key, key.log_when_unusable, "/k.pem", "client") ==
        "STARTTLS=client, error: SSL_CTX_use_PrivateKey_file(/k.pem) failed");
  const MtaOption& ca = sendmail_option(SendmailOption::CaCert);
  CHECK(option_log(ca, ca.log_when_unusable, "/ca.pem", "server", "/etc/ssl/certs") ==
        "STARTTLS=server, error: load verify locs /etc/ssl/certs, /ca.pem failed: 0");
  CHECK(option_log(cert, cert.log_when_unusable).empty());
}

TEST_CASE("sendmail options: DH keywords are not files") {
  const MtaOption& dh = sendmail_option(SendmailOption::DhParameters);
  for (const char* word : {"5", "1", "2", "i", "none"}) CHECK(is_option_keyword(dh, word));
  CHECK_FALSE(is_option_keyword(dh, "/etc/mail/tls/dh.pem"));
  CHECK_FALSE(is_option_keyword(dh, ""));
  CHECK_FALSE(is_option_keyword(dh, "non"));
}

TEST_CASE("sendmail options: each row's field holds what the reader stores") {
  SendmailTls tls;
  tls.ca_cert_path = "/etc/ssl/certs";
  const auto& row = sendmail_option_table()[static_cast<std::size_t>(SendmailOption::CaCertPath)];
  REQUIRE(row.tls != nullptr);
  CHECK(tls.*row.tls == "/etc/ssl/certs");
}

TEST_CASE("m4 quoting: unquote, define and append are inverse forms") {
  CHECK(m4_unquote("  ``/etc/mail/tls/a.pem''  ") == "/etc/mail/tls/a.pem");
  CHECK(m4_unquote("`V'") == "V");
  CHECK(m4_define("confCACERT", "/x.pem") == "define(`confCACERT', ``/x.pem'')dnl");
  CHECK(m4_append_flag("confDONT_BLAME_SENDMAIL", "Flag") ==
        "define(`confDONT_BLAME_SENDMAIL', defn(`confDONT_BLAME_SENDMAIL')`,Flag')dnl");
  CHECK(sendmail_define("confCACERT", "/x.pem") == "define(`confCACERT', ``/x.pem'')dnl");
  CHECK_THROWS(sendmail_define("confCACERT", "/a,b.pem"));
  CHECK_THROWS(sendmail_define("confCACERT", "relative.pem"));
}

TEST_CASE("text helpers") {
  CHECK(trim(" \t a b \r\n") == "a b");
  CHECK(lower("AbC-1") == "abc-1");
  CHECK(iequals("GroupReadableKeyFile", "groupreadablekeyfile"));
  CHECK_FALSE(iequals("a", "ab"));
  CHECK(split_pair("/a,/b,/c") == std::vector<std::string>{"/a", "/b,/c"});
  CHECK(split_pair("/a") == std::vector<std::string>{"/a"});
  CHECK(join_list({"a"}) == "a");
  CHECK(join_list({"a", "b", "c"}) == "a, b and c");
  CHECK(join_list({"a", "b"}, " or ") == "a or b");
}
