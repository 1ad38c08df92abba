#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string make_key(const TempDir& dir, const std::string& type = "ecdsa", const std::string& name = "k.pem") {
  auto r = run_mtlscert({"genkey", "--type", type, "-o", dir.file(name)});
  REQUIRE(r.exit_code == 0);
  return dir.file(name);
}

// The CSR's public key (openssl req -pubkey) equals the key's (openssl pkey -pubout).
void check_public_key_match(const std::string& csr, const std::string& key) {
  auto from_csr = openssl({"req", "-in", csr, "-noout", "-pubkey"});
  auto from_key = openssl({"pkey", "-in", key, "-pubout"});
  REQUIRE(from_csr.exit_code == 0);
  REQUIRE(from_key.exit_code == 0);
  CHECK(from_csr.out.find("-----BEGIN PUBLIC KEY-----") == 0);
  CHECK(from_csr.out == from_key.out);
}

}  // namespace

TEST_CASE("csr --mx: CN and SAN are the MX host, EKU serverAuth+clientAuth, openssl req -verify succeeds") {
  TempDir dir;
  std::string key = make_key(dir);
  auto r = run_mtlscert({"csr", "--key", key, "--mx", "toto.com. IN MX 10 SMTP.Toto.com.", "-o", dir.file("s.csr")});
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "Wrote CSR " + dir.file("s.csr") +
                            " for smtp.toto.com (SAN: smtp.toto.com; ECDSA P-256 key, mode 0644)."));
  CHECK(contains(r.out, "Next: submit it to your CA, or sign it with your own: mtlscert ca sign"));
  CHECK(file_mode(dir.file("s.csr")) == 0644);

  auto text = openssl({"req", "-in", dir.file("s.csr"), "-noout", "-text", "-verify"});
  CHECK(text.exit_code == 0);
  CHECK(contains(text.out + text.err, "verify OK"));
  CHECK(contains(text.out, "Subject: CN = smtp.toto.com\n"));
  CHECK(contains(text.out, "X509v3 Subject Alternative Name: \n                    DNS:smtp.toto.com\n"));
  CHECK(contains(text.out, "TLS Web Server Authentication, TLS Web Client Authentication"));
  CHECK(contains(text.out, "X509v3 Key Usage: critical\n                    Digital Signature\n"));
  CHECK(contains(text.out, "Signature Algorithm: ecdsa-with-SHA256"));
  check_public_key_match(dir.file("s.csr"), key);
}

TEST_CASE("csr: key usage and signature follow the key type") {
  struct Row {
    const char* type;
    const char* key_usage;  // openssl's words
    const char* signature;
    const char* warning;  // substring of stderr, or ""
  };
  const Row rows[] = {
      {"rsa", "Digital Signature, Key Encipherment\n", "sha256WithRSAEncryption", ""},
      {"ecdsa", "Digital Signature\n", "ecdsa-with-SHA256", ""},
      {"ed25519", "Digital Signature\n", "ED25519", "most SMTP peers cannot use an Ed25519 certificate"},
  };
  for (const auto& row : rows) {
    std::string row_name = row.type;
    CAPTURE(row_name);
    TempDir dir;
    std::string key = make_key(dir, row.type);
    auto r = run_mtlscert(
        {"csr", "--key", key, "--host", "smtp.toto.com", "--san", "mail.toto.com", "-o", dir.file("s.csr")});
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, row.warning));  // a finding: on stdout
    auto text = openssl({"req", "-in", dir.file("s.csr"), "-noout", "-text", "-verify"});
    CHECK(text.exit_code == 0);
    CHECK(contains(text.out, std::string("X509v3 Key Usage: critical\n                    ") + row.key_usage));
    CHECK(contains(text.out, std::string("Signature Algorithm: ") + row.signature));
    CHECK(contains(text.out, "DNS:smtp.toto.com, DNS:mail.toto.com"));
    check_public_key_match(dir.file("s.csr"), key);
  }
}

TEST_CASE("csr: subject fields from flags, in the usual order") {
  TempDir dir;
  std::string key = make_key(dir);
  auto r = run_mtlscert({"csr", "--key", key, "--host", "smtp.toto.com", "--country", "fr", "--state", "Hauts-de-Seine",
                         "--locality", "Nanterre", "--org", "TOTO", "--ou", "service technique", "--email",
                         "postmaster@toto.com", "-o", dir.file("s.csr")});
  REQUIRE(r.exit_code == 0);
  auto subject = openssl({"req", "-in", dir.file("s.csr"), "-noout", "-subject", "-nameopt", "RFC2253"});
  CHECK(subject.out ==
        "subject=emailAddress=postmaster@toto.com,CN=smtp.toto.com,OU=service technique,O=TOTO,L=Nanterre,"
        "ST=Hauts-de-Seine,C=FR\n");
}

TEST_CASE("csr: bad names and fields exit 2 with the rule that failed, and write nothing") {
  TempDir dir;
  std::string key = make_key(dir);
  struct Row {
    std::vector<std::string> flags;
    const char* message;
  };
  const Row rows[] = {
      {{"--host", "smtp..toto.com"}, "--host: 'smtp..toto.com' is not a valid host name: label 2 is empty"},
      {{"--host", "*.toto.com"}, "wildcards are not allowed"},
      {{"--host", "localhost"}, "it has a single label"},
      {{"--host", "192.0.2.1"}, "it is an IP address"},
      {{"--host", "smtp_1.toto.com"}, "underscores are not allowed"},
      {{"--host", "smtp.toto.com;rm"}, "the character ';' is not allowed"},
      {{"--host", "smtp.toto.com", "--san", "mail toto.com"},
       "--san: 'mail toto.com' is not a valid host name: it contains white space"},
      {{"--mx", "toto.com. IN MX 0 ."}, "null MX"},
      {{"--mx", "toto.com. IN A 192.0.2.1"}, "is not an MX record"},
      {{"--host", "smtp.toto.com", "--country", "UK"}, "--country: 'UK' is not a valid country"},
      {{"--host", "smtp.toto.com", "--country", "France"}, "two-letter ISO 3166 code"},
      {{"--host", "smtp.toto.com", "--email", "postmaster"},
       "--email: 'postmaster' is not a valid email address: it has no '@'"},
      {{"--host", "a.toto.com", "--mx", "10 b.toto.com."}, "--host excludes --mx"},
      {{}, "no host name: --host or --mx is required"},
  };
  for (const auto& row : rows) {
    std::string row_name = row.message;
    CAPTURE(row_name);
    std::vector<std::string> args{"csr", "--key", key, "-o", dir.file("s.csr")};
    args.insert(args.end(), row.flags.begin(), row.flags.end());
    auto r = run_mtlscert(args);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, row.message));
    CHECK(file_mode(dir.file("s.csr")) == -1);
  }
}

TEST_CASE("csr: files: --force, never over the key, unreadable key") {
  TempDir dir;
  std::string key = make_key(dir);
  auto r = run_mtlscert({"csr", "--key", key, "--host", "smtp.toto.com", "-o", dir.file("s.csr")});
  REQUIRE(r.exit_code == 0);
  std::string before = slurp(dir.file("s.csr"));

  r = run_mtlscert({"csr", "--key", key, "--host", "mail.toto.com", "-o", dir.file("s.csr")});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "refusing to replace CSR '" + dir.file("s.csr") + "'"));
  CHECK(slurp(dir.file("s.csr")) == before);

  r = run_mtlscert({"csr", "--key", key, "--host", "mail.toto.com", "--force", "-o", dir.file("s.csr")});
  CHECK(r.exit_code == 0);
  CHECK(contains(openssl({"req", "-in", dir.file("s.csr"), "-noout", "-subject"}).out, "CN = mail.toto.com"));

  std::string key_before = slurp(key);
  r = run_mtlscert({"csr", "--key", key, "--host", "smtp.toto.com", "--force", "-o", key});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "refusing to write the CSR over the key file"));
  CHECK(slurp(key) == key_before);

  r = run_mtlscert({"csr", "--key", dir.file("s.csr"), "--host", "smtp.toto.com", "-o", dir.file("t.csr")});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "expected a PEM private key, got a CERTIFICATE REQUEST"));
  r = run_mtlscert({"csr", "--key", dir.file("nope.pem"), "--host", "smtp.toto.com", "-o", dir.file("t.csr")});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "nope.pem"));
  CHECK(count_entries(dir.path()) == 2);  // the key and s.csr: nothing left behind
}

TEST_CASE("csr --interactive asks for each missing field, explains it, and re-asks after a bad answer") {
  TempDir dir;
  std::string key = make_key(dir);
  RunOptions answers;
  answers.input = "UK\nfr\nHauts-de-Seine\nNanterre\nTOTO\n\n\n";  // bad country, then FR; OU and email left out
  auto r =
      run_mtlscert({"csr", "--key", key, "--host", "smtp.toto.com", "--interactive", "-o", dir.file("s.csr")}, answers);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.err, "Country: the two-letter ISO 3166 code"));
  CHECK(contains(r.err, "Organization: the legal name of your company"));
  CHECK(contains(r.err, "--country: 'UK' is not a valid country"));
  auto subject = openssl({"req", "-in", dir.file("s.csr"), "-noout", "-subject", "-nameopt", "RFC2253"});
  CHECK(subject.out == "subject=CN=smtp.toto.com,O=TOTO,L=Nanterre,ST=Hauts-de-Seine,C=FR\n");

  // Flags already given are not asked; the host is asked when missing.
  answers.input = "smtp.toto.com\n";
  r = run_mtlscert({"csr", "--key", key, "--country", "DE", "--state", "Berlin", "--locality", "Berlin", "--org", "X",
                    "--ou", "Y", "--email", "a@b.de", "--interactive", "-o", dir.file("t.csr")},
                   answers);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.err, "Host name: the mail server's official name"));
  CHECK_FALSE(contains(r.err, "Country:"));
  CHECK(contains(openssl({"req", "-in", dir.file("t.csr"), "-noout", "-subject"}).out, "CN = smtp.toto.com"));
}

TEST_CASE("csr -o - and --mx -: standard output and standard input, --json") {
  TempDir dir;
  std::string key = make_key(dir, "rsa");
  RunOptions in;
  in.input = "10 smtp.toto.com.\n20 backup.toto.com.\n";
  auto r = run_mtlscert({"csr", "--key", key, "--mx", "-", "-o", "-"}, in);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("-----BEGIN CERTIFICATE REQUEST-----", 0) == 0);
  CHECK(contains(r.err, "Not in this CSR: backup.toto.com"));
  RunOptions pipe;
  pipe.input = r.out;
  auto verify = openssl({"req", "-noout", "-subject", "-verify"}, pipe);
  CHECK(verify.exit_code == 0);
  CHECK(contains(verify.out, "CN = smtp.toto.com"));

  r = run_mtlscert(
      {"csr", "--json", "--key", key, "--host", "smtp.toto.com", "--san", "mail.toto.com", "-o", dir.file("s.csr")});
  REQUIRE(r.exit_code == 0);
  auto envelope = nlohmann::json::parse(r.out);
  CHECK(envelope["schema"] == "mtlscert.csr/3");
  CHECK(envelope["outputs"][0]["path"] == dir.file("s.csr"));
  CHECK(envelope["outputs"][0]["mode"] == "0644");
  auto doc = envelope["result"];
  CHECK(doc["dns_names"] == nlohmann::json::array({"smtp.toto.com", "mail.toto.com"}));
  CHECK(doc["csr"]["signature_valid"] == true);
  CHECK(doc["csr"]["key_usage"] == nlohmann::json::array({"digitalSignature", "keyEncipherment"}));
  CHECK(doc["pem"] == slurp(dir.file("s.csr")));
}

TEST_CASE("regression: issue 13 row 16: csr --host refuses bad punycode and reserved LDH labels") {
  TempDir dir;
  const std::string key = make_key(dir);
  for (const char* host : {"xn--zz-zz.example.org", "ab--cd.example.com"}) {
    CAPTURE(host);
    auto r = run_mtlscert({"csr", "--key", key, "--host", host, "-o", dir.file("s.csr")});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, std::string("--host: '") + host + "' is not a valid host name: label '"));
    CHECK(file_mode(dir.file("s.csr")) == -1);
  }
}
