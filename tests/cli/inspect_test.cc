#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "pki.h"
#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;
using nlohmann::json;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// What `openssl x509 -noout -subject -issuer -ext subjectAltName -enddate -serial -fingerprint
// -sha256 -nameopt RFC2253` says, by field.
struct OpensslView {
  std::string subject, issuer, serial, sha256, not_after;
  std::vector<std::string> dns;
};

std::string openssl_date_to_iso(const std::string& text) {  // "Jan  1 00:00:00 2100 GMT"
  struct tm tm {};
  REQUIRE(strptime(text.c_str(), "%b %d %H:%M:%S %Y GMT", &tm) != nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

OpensslView openssl_view(const std::string& path, const std::string& form) {
  auto r = openssl({"x509", "-in", path, "-inform", form, "-noout", "-subject", "-issuer", "-ext", "subjectAltName",
                    "-enddate", "-serial", "-fingerprint", "-sha256", "-nameopt", "RFC2253"});
  REQUIRE(r.exit_code == 0);
  OpensslView v;
  std::istringstream lines(r.out);
  bool san_next = false;
  for (std::string line; std::getline(lines, line);) {
    auto take = [&](const std::string& prefix, std::string& into) {
      if (line.rfind(prefix, 0) == 0) into = line.substr(prefix.size());
    };
    if (san_next) {
      std::istringstream names(line);
      for (std::string item; std::getline(names, item, ',');) {
        auto at = item.find("DNS:");
        if (at != std::string::npos) v.dns.push_back(item.substr(at + 4));
      }
      san_next = false;
    }
    if (line.rfind("X509v3 Subject Alternative Name:", 0) == 0) san_next = true;
    take("subject=", v.subject);
    take("issuer=", v.issuer);
    take("serial=", v.serial);
    take("sha256 Fingerprint=", v.sha256);
    if (line.rfind("notAfter=", 0) == 0) v.not_after = openssl_date_to_iso(line.substr(9));
  }
  return v;
}

}  // namespace

TEST_CASE("inspect --json matches openssl x509 on the same files (PEM and DER)") {
  TempDir dir;
  auto ca = make_cert({.cn = "Toto CA", .extra_rdns = {{"O", "TOTO"}, {"C", "FR"}}, .serial = 15});
  auto leaf = make_cert({.cn = "smtp.toto.com",
                         .extra_rdns = {{"C", "FR"}, {"O", "TOTO, SA"}, {"OU", "service technique"}},
                         .ca = false,
                         .dns = {"smtp.toto.com", "mail.toto.com"},
                         .eku = "serverAuth,clientAuth",
                         .not_after = "20991231235959Z"},
                        &ca);
  struct Row {
    std::string path;
    const char* form;
  };
  const Row rows[] = {
      {dir.write("leaf.pem", leaf.cert_pem()), "PEM"},
      {dir.write("leaf.der", leaf.cert_der()), "DER"},
      {dir.write("ca.pem", ca.cert_pem()), "PEM"},
  };
  std::vector<std::string> args{"inspect", "--json"};
  for (const auto& row : rows) args.push_back(row.path);
  auto r = run_mtlscert(args);
  REQUIRE(r.exit_code == 0);
  json envelope = json::parse(r.out);  // throws (fails the test) if not valid JSON
  CHECK(envelope["schema"] == "mtlscert.inspect/3");
  json doc = envelope["result"];
  REQUIRE(doc["files"].size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(rows[i].path);
    const json& file = doc["files"][i];
    CHECK(file["path"] == rows[i].path);
    CHECK(file["format"] == rows[i].form);
    const json& cert = file["objects"][0]["certificate"];
    OpensslView want = openssl_view(rows[i].path, rows[i].form);
    CHECK(cert["subject"] == want.subject);
    CHECK(cert["issuer"] == want.issuer);
    CHECK(cert["dns_names"] == want.dns);
    CHECK(cert["not_after"] == want.not_after);
    CHECK(cert["serial"] == want.serial);
    CHECK(cert["sha256"] == want.sha256);

    auto text = openssl({"x509", "-in", rows[i].path, "-inform", rows[i].form, "-noout", "-text"});
    CHECK(contains(text.out, "Public-Key: (" + std::to_string(cert["key"]["bits"].get<int>()) + " bit)"));
    bool is_ca = cert["basic_constraints"]["ca"].get<bool>();
    CHECK(contains(text.out, is_ca ? "CA:TRUE" : "CA:FALSE"));
    bool server = std::find(cert["extended_key_usage"].begin(), cert["extended_key_usage"].end(), "serverAuth") !=
                  cert["extended_key_usage"].end();
    CHECK(contains(text.out, "TLS Web Server Authentication") == server);
  }
  CHECK(doc["files"][0]["objects"][0]["certificate"]["subject"] ==
        "CN=smtp.toto.com,OU=service technique,O=TOTO\\, SA,C=FR");
  CHECK(doc["files"][2]["objects"][0]["certificate"]["serial"] == "0F");
}

TEST_CASE("inspect: bad input exits 2 naming the file, the others are still shown, --json stays valid") {
  TempDir dir;
  auto leaf = make_cert({.cn = "smtp.toto.com", .ca = false, .dns = {"smtp.toto.com"}});
  std::string good = dir.write("good.pem", leaf.cert_pem());
  struct Row {
    std::string path;
    const char* message;
  };
  const Row rows[] = {
      {dir.write("empty.pem", ""), "is empty; expected a certificate, CSR, private key or bundle"},
      {dir.write("garbage.bin", std::string("\x30\x03\x02\x01\x05junkjunk", 13)),
       "it holds neither PEM blocks nor a DER object"},
      {dir.path(), "is a directory, not a file"},
      {dir.file("missing.pem"), "No such file or directory"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.path);
    auto r = run_mtlscert({"inspect", good, row.path});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "mtlscert: error: "));
    CHECK(contains(r.err, "'" + row.path + "'"));
    CHECK(contains(r.err, row.message));
    CHECK(contains(r.out, good + ": certificate (PEM)"));

    r = run_mtlscert({"inspect", "--json", good, row.path});
    CHECK(r.exit_code == 2);
    json doc = json::parse(r.out)["result"];
    CHECK(doc["files"][0]["error"].is_null());
    CHECK(contains(doc["files"][1]["error"].get<std::string>(), row.message));
  }
}

TEST_CASE("inspect: CSR signature, keys without their material, encrypted keys") {
  TempDir dir;
  REQUIRE(run_mtlscert({"genkey", "--type", "ecdsa", "-o", dir.file("k.pem")}).exit_code == 0);
  REQUIRE(
      run_mtlscert({"csr", "--key", dir.file("k.pem"), "--host", "smtp.toto.com", "-o", dir.file("s.csr")}).exit_code ==
      0);
  REQUIRE(openssl({"req", "-in", dir.file("s.csr"), "-outform", "DER", "-out", dir.file("s.der")}).exit_code == 0);
  REQUIRE(openssl({"pkey", "-in", dir.file("k.pem"), "-outform", "DER", "-out", dir.file("k.der")}).exit_code == 0);
  REQUIRE(openssl({"pkcs8", "-topk8", "-in", dir.file("k.pem"), "-passout", "pass:secret", "-out", dir.file("enc.pem")})
              .exit_code == 0);
  // A forged request: the CN changed after signing.
  std::string der = slurp(dir.file("s.der"));
  auto at = der.find("smtp.toto.com");
  REQUIRE(at != std::string::npos);
  der[at] = 'x';
  std::string forged = dir.write("forged.der", der);

  auto r = run_mtlscert({"inspect", dir.file("s.csr"), dir.file("s.der"), forged, dir.file("k.pem"), dir.file("k.der"),
                         dir.file("enc.pem")});
  CHECK(r.exit_code == 0);
  CHECK(contains(
      r.out, dir.file("s.csr") + ": CSR (PEM)\n  Subject:     CN=smtp.toto.com\n  SAN:         DNS:smtp.toto.com\n"));
  CHECK(contains(r.out, dir.file("s.der") + ": CSR (DER)"));
  CHECK(contains(r.out, "ecdsa-with-SHA256, verifies (signed by the key it carries)"));
  CHECK(contains(r.out, forged + ": CSR (DER)\n  Subject:     CN=xmtp.toto.com"));
  CHECK(contains(r.out, "DOES NOT VERIFY"));
  CHECK(
      contains(r.out, dir.file("k.pem") + ": private key (PEM)\n  Key:         ECDSA P-256 (key material not shown)"));
  CHECK(
      contains(r.out, dir.file("k.der") + ": private key (DER)\n  Key:         ECDSA P-256 (key material not shown)"));
  CHECK(contains(r.out, dir.file("enc.pem") + ": encrypted private key (PEM)"));
  CHECK(contains(r.out, "its type and size need the passphrase"));
  std::string key_pem = slurp(dir.file("k.pem"));
  std::string key_line = key_pem.substr(key_pem.find('\n') + 1, 64);
  CHECK_FALSE(contains(r.out + r.err, key_line));
  CHECK_FALSE(contains(r.out + r.err, "-----BEGIN"));

  r = run_mtlscert({"inspect", "--json", forged});
  json doc = json::parse(r.out)["result"];
  CHECK(doc["files"][0]["objects"][0]["csr"]["signature_valid"] == false);
}
