// Template output against golden files (tests/data/golden/*.mc). To refresh after a
// deliberate template change: MTLSCERT_UPDATE_GOLDEN=1 ./unit_tests -tc='emit_mc*'
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "sendmail/emit_mc.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

void golden(const std::string& name, const std::string& actual) {
  std::string path = std::string(MTLSCERT_SOURCE_DIR) + "/tests/data/golden/" + name;
  if (std::getenv("MTLSCERT_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  CAPTURE(path);
  CHECK(test::slurp(path) == actual);
}

McRequest base() {
  McRequest r;
  r.server_cert = "/etc/mail/tls/smtp.crt";
  r.server_key = "/etc/mail/tls/smtp.key";
  r.cacert = "/etc/mail/tls/ca.crt";
  r.cacert_path = "/etc/ssl/certs";
  return r;
}

}  // namespace

TEST_CASE("emit_mc: golden outputs") {
  std::string tmpl = load_template("sendmail-tls.mc.in");
  golden("basic.mc", render_mc(base(), tmpl, "0.0.0-test").text);

  McRequest all = base();
  all.client_cert = "/etc/mail/tls/client.crt";
  all.client_key = "/etc/mail/tls/client.key";
  all.crl = "/etc/mail/tls/ca.crl";
  all.dh_params = "i";
  all.no_client_cert_request = true;
  all.group_readable_key = true;
  all.key_group = "smmsp";
  all.include_path = "/etc/mail/tls/starttls-mtlscert.m4";
  golden("full.mc", render_mc(all, tmpl, "0.0.0-test").text);

  McRequest pair = base();
  pair.server_cert = "/etc/mail/tls/rsa.crt,/etc/mail/tls/ec.crt";
  pair.server_key = "/etc/mail/tls/rsa.key,/etc/mail/tls/ec.key";
  golden("pair.mc", render_mc(pair, tmpl, "0.0.0-test").text);
}

TEST_CASE("emit_mc: refusals") {
  std::string tmpl = load_template("sendmail-tls.mc.in");
  McRequest r = base();
  r.server_key = "/etc/mail/tls/rsa.key,/etc/mail/tls/ec.key";
  CHECK_THROWS_WITH_AS(render_mc(r, tmpl, "x"),
                       doctest::Contains("--server-cert names 1 file(s) but --server-key names 2"), Error);
  r = base();
  r.cacert_path.clear();
  CHECK_THROWS_WITH_AS(render_mc(r, tmpl, "x"), doctest::Contains("--cacert-path is required"), Error);
  r = base();
  r.client_cert = "/etc/mail/tls/c.crt";
  CHECK_THROWS_WITH_AS(render_mc(r, tmpl, "x"), doctest::Contains("--client-cert and --client-key go together"), Error);
  r = base();
  r.cacert = "/etc/mail/tls/o'brien.crt";
  CHECK_THROWS_WITH_AS(render_mc(r, tmpl, "x"), doctest::Contains("apostrophe"), Error);
}

TEST_CASE("render_template: placeholders and conditional lines") {
  std::map<std::string, std::string> vars{{"A", "1"}, {"B", ""}};
  CHECK(render_template("x=@A@\n@?A@kept @A@\n@?B@dropped\nmail@host\n", vars, "t") == "x=1\nkept 1\nmail@host\n");
  CHECK_THROWS_AS(render_template("@NOPE@\n", vars, "t"), Error);
}

TEST_CASE("regression: fuzz_emit_mc crash-f7509ba5: a newline in the key group cannot add a line to the .mc") {
  // The group name was rendered unchecked into "dnl The key is readable by group @KEY_GROUP@",
  // so "x\ndefine(...)" started a line of its own that m4 would run.
  std::string tmpl = load_template("sendmail-tls.mc.in");
  McRequest r = base();
  r.group_readable_key = true;
  r.key_group = "smmsp\ndefine(`confCACERT', `/tmp/evil')";
  CHECK_THROWS_WITH_AS(render_mc(r, tmpl, "x"), doctest::Contains("--key-group"), Error);
  r.key_group = "smmsp";
  McText ok = render_mc(r, tmpl, "x");
  CHECK(ok.text.find("readable by group smmsp:") != std::string::npos);
}
