// init, install-cert, doctor, access, received: end to end with the built binary.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;
namespace fs = std::filesystem;

namespace {
bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }
const std::string kHost = "smtp.example.org";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

// sendmail's xtext of `openssl x509 -nameopt compat` (= X509_NAME_oneline): the independent side.
std::string xtext(const std::string& raw) {
  std::string out;
  for (unsigned char c : raw) {
    if (c < 0x21 || c > 0x7e || std::string("+\\()<>\"").find(static_cast<char>(c)) != std::string::npos) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "+%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}
std::string openssl_name(const std::string& cert, const char* which) {
  auto r = openssl({"x509", "-in", cert, "-noout", which, "-nameopt", "compat"});
  REQUIRE(r.exit_code == 0);
  std::string s = r.out.substr(r.out.find('=') + 1);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

TEST_CASE("init --ca private: every file, a healthy doctor, and a rerun that changes nothing") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  auto r = run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private"});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(file_mode(dir) == 0755);
  CHECK(file_mode(dir + "/" + kHost + ".key") == 0600);
  CHECK(file_mode(dir + "/" + kHost + ".csr") == 0644);
  CHECK(file_mode(dir + "/" + kHost + ".crt") == 0644);
  CHECK(file_mode(dir + "/ca/ca.key") == 0600);
  CHECK(file_mode(dir + "/mtlscert-starttls.m4") == 0644);
  CHECK(has(r.out, "Pre-flight: sendmail will accept these files"));
  CHECK(has(r.out, "include(`" + dir + "/mtlscert-starttls.m4')dnl"));
  CHECK(has(r.out, "mtlscert probe localhost"));
  // An independent tool agrees: the certificate verifies for the host, as server and as client.
  CHECK(openssl({"verify", "-CAfile", dir + "/ca/ca.crt", "-purpose", "sslserver", "-verify_hostname", kHost,
                 dir + "/" + kHost + ".crt"})
            .exit_code == 0);
  CHECK(openssl({"verify", "-CAfile", dir + "/ca/ca.crt", "-purpose", "sslclient", dir + "/" + kHost + ".crt"})
            .exit_code == 0);
  CHECK(openssl({"verify", "-CAfile", dir + "/cacert.pem", dir + "/" + kHost + ".crt"}).exit_code == 0);
  // confCACERT holds only the private CA; confCACERT_PATH is hashed: openssl finds the CA through it.
  CHECK(openssl({"storeutl", "-noout", "-certs", dir + "/cacert.pem"}).out.find("Total found: 1") != std::string::npos);
  CHECK(openssl({"verify", "-no-CAfile", "-no-CAstore", "-CApath", dir + "/certs", dir + "/" + kHost + ".crt"})
            .exit_code == 0);
  const std::string m4 = slurp(dir + "/mtlscert-starttls.m4");
  CHECK(has(m4, "define(`confSERVER_CERT', ``" + dir + "/" + kHost + ".crt'')dnl"));
  CHECK(has(m4, "define(`confCACERT_PATH', ``" + dir + "/certs'')dnl"));

  auto d = run_mtlscert({"doctor", dir + "/mtlscert-starttls.m4"});
  INFO(d.out, d.err);
  CHECK(d.exit_code == 0);
  CHECK(has(d.out, "healthy"));

  const std::string key = slurp(dir + "/" + kHost + ".key");
  const std::string cert = slurp(dir + "/" + kHost + ".crt");
  auto again = run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private"});
  INFO(again.out, again.err);
  REQUIRE(again.exit_code == 0);
  int unchanged = 0;
  std::istringstream lines(again.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(dir, 0) == 0) {
      CHECK(has(line, "already present; unchanged"));
      ++unchanged;
    }
  }
  CHECK(unchanged >= 7);
  CHECK(slurp(dir + "/" + kHost + ".key") == key);
  CHECK(slurp(dir + "/" + kHost + ".crt") == cert);
}

TEST_CASE("init --dry-run: the plan file by file, exit 0, nothing written, and --json lists the planned files") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  auto r = run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private", "--dry-run"});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(!fs::exists(dir));
  CHECK(has(r.out, dir + "/" + kHost + ".key  0600  would create"));
  CHECK(has(r.out, dir + "/ca  0700  would create"));
  CHECK(has(r.out, dir + "/mtlscert-starttls.m4  0644  would write"));
  CHECK(has(r.out, "Dry run in " + dir + ": 5 to create, 0 to rewrite, 3 to write, 0 unchanged; nothing written."));

  auto j = run_mtlscert({"init", kHost, "--dir", dir, "-n", "--json"});
  INFO(j.out, j.err);
  REQUIRE(j.exit_code == 0);
  CHECK(!fs::exists(dir));
  CHECK(has(j.out, "\"dry_run\": true"));
  CHECK(has(j.out, "\"status\": \"would create\""));

  // After a real run, the plan keeps every file that is right.
  REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private"}).exit_code == 0);
  const std::string key = slurp(dir + "/" + kHost + ".key");
  auto again = run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private", "--dry-run"});
  INFO(again.out, again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(has(again.out, dir + "/" + kHost + ".key  0600  already present; unchanged"));
  CHECK(has(again.out, "Dry run in " + dir + ": 0 to create, 0 to rewrite, 3 to write, 5 unchanged; nothing written."));
  CHECK(slurp(dir + "/" + kHost + ".key") == key);
}

TEST_CASE("init never overwrites a key, and rewrites a CSR for another host") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--type", "ecdsa"}).exit_code == 0);
  const std::string key = slurp(dir + "/" + kHost + ".key");
  CHECK(has(openssl({"req", "-in", dir + "/" + kHost + ".csr", "-noout", "-subject"}).out, "CN = " + kHost));
  ::chmod((dir + "/" + kHost + ".csr").c_str(), 0644);
  REQUIRE(openssl({"req", "-new", "-key", dir + "/" + kHost + ".key", "-subj", "/CN=other.example.org", "-out",
                   dir + "/" + kHost + ".csr"})
              .exit_code == 0);
  auto r = run_mtlscert({"init", kHost, "--dir", dir});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "rewritten: its CN is other.example.org"));
  CHECK(has(r.out, "pending: mtlscert install-cert CERT"));
  CHECK(slurp(dir + "/" + kHost + ".key") == key);
}

TEST_CASE("install-cert checks the certificate, installs it, and the result is healthy") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--type", "ecdsa"}).exit_code == 0);
  REQUIRE(run_mtlscert({"ca", "init", "--dir", tmp.file("ca"), "--name", "Outside CA", "--type", "ecdsa"}).exit_code ==
          0);
  REQUIRE(run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), dir + "/" + kHost + ".csr", "-o", tmp.file("leaf.crt")})
              .exit_code == 0);
  // Leaf alone: the chain cannot be built.
  auto bad = run_mtlscert({"install-cert", tmp.file("leaf.crt"), "--dir", dir});
  CHECK(bad.exit_code == 2);
  CHECK(has(bad.err, "its chain does not verify"));
  // A certificate for another key.
  REQUIRE(openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                   tmp.file("o.key"), "-subj", "/CN=" + kHost, "-out", tmp.file("o.csr")})
              .exit_code == 0);
  REQUIRE(run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), tmp.file("o.csr"), "-o", tmp.file("o.crt")}).exit_code ==
          0);
  bad = run_mtlscert({"install-cert", tmp.file("o.crt"), "--dir", dir});
  CHECK(bad.exit_code == 2);
  CHECK(has(bad.err, "does not match the key"));
  CHECK(!fs::exists(dir + "/" + kHost + ".crt"));

  tmp.write("chain.pem", slurp(tmp.file("leaf.crt")) + slurp(tmp.file("ca/ca.crt")));
  auto r = run_mtlscert({"install-cert", tmp.file("chain.pem"), "--dir", dir});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(file_mode(dir + "/" + kHost + ".crt") == 0644);
  CHECK(has(r.out, "Pre-flight: sendmail will accept these files"));
  CHECK(openssl({"verify", "-CAfile", dir + "/cacert.pem", dir + "/" + kHost + ".crt"}).exit_code == 0);
  auto d = run_mtlscert({"doctor", dir + "/mtlscert-starttls.m4"});
  INFO(d.out, d.err);
  CHECK(d.exit_code == 0);
}

TEST_CASE("doctor: one broken configuration per rule, each with its finding code") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private", "--type", "ecdsa"}).exit_code == 0);
  const std::string key = slurp(dir + "/" + kHost + ".key");
  tmp.write("tls/group-readable.key", key, 0640);
  tmp.write("tls/world-readable.key", key, 0644);
  tmp.write("tls/group-writable.crt", slurp(dir + "/" + kHost + ".crt"), 0664);
  tmp.write("tls/empty.pem", "", 0644);
  REQUIRE(openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", dir + "/other.key"})
              .exit_code == 0);
  ::chmod((dir + "/other.key").c_str(), 0600);

  const std::string fixtures = std::string(MTLSCERT_SOURCE_DIR) + "/tests/data/doctor";
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(fixtures)) {
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    std::string text = replace_all(slurp(entry.path().string()), "@DIR@", dir);
    std::smatch m;
    std::regex expect_re("expect: ([^\n]+)");
    REQUIRE(std::regex_search(text, m, expect_re));
    const std::string path = tmp.write("fixture-" + name, text, 0644);
    // --strict: a warning-only configuration exits 1 too (the one exit policy).
    auto r = run_mtlscert({"doctor", "--strict", path});
    INFO(r.out, r.err);
    if (m[1].str() == "healthy") {
      CHECK(r.exit_code == 0);
    } else {
      CHECK(r.exit_code == 1);
      std::istringstream codes(m[1].str());
      for (std::string code; codes >> code;) CHECK(has(r.out, " " + code + ": "));
    }
    ++seen;
  }
  CHECK(seen >= 15);
  auto missing = run_mtlscert({"doctor", tmp.file("nope.cf")});
  CHECK(missing.exit_code == 2);
  auto writable = run_mtlscert(
      {"doctor", "--strict", tmp.write("w.cf", replace_all(slurp(fixtures + "/good.cf"), "@DIR@", dir), 0666)});
  CHECK(writable.exit_code == 1);
  CHECK(has(writable.out, " cf-writable: "));
}

TEST_CASE("access: keys equal sendmail's encoding of openssl's one-line names, and public CAs are flagged") {
  TempDir tmp;
  REQUIRE(run_mtlscert({"ca", "init", "--dir", tmp.file("ca"), "--name", "Example (Mail) CA+1", "--type", "ecdsa"})
              .exit_code == 0);
  const std::string ca = tmp.file("ca/ca.crt");
  auto r = run_mtlscert({"access", "--ca", ca, "--trust-store", tmp.file("none")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "CERTISSUER:" + xtext(openssl_name(ca, "-subject")) + "\tRELAY\n"));
  CHECK(has(r.out, "+28Mail+29+20CA+5C+2B1"));  // OpenSSL 3 escapes + as \+ (reference B.7)
  CHECK(!has(r.err, "access-public-ca"));

  REQUIRE(openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                   tmp.file("c.key"), "-subj", "/O=Client Org/CN=laptop.example.org", "-out", tmp.file("c.csr")})
              .exit_code == 0);
  REQUIRE(run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), "--profile", "client", tmp.file("c.csr"), "-o",
                        tmp.file("c.crt")})
              .exit_code == 0);
  r = run_mtlscert({"access", "--client", tmp.file("c.crt"), "--trust-store", tmp.file("none")});
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "CERTISSUER:" + xtext(openssl_name(tmp.file("c.crt"), "-issuer")) + "\tSUBJECT\n"));
  CHECK(has(r.out, "CERTSUBJECT:" + xtext(openssl_name(tmp.file("c.crt"), "-subject")) + "\tRELAY\n"));
  CHECK(has(r.out, "CERTSUBJECT:/O=Client+20Org/CN=laptop.example.org\tRELAY\n"));

  // A trust store that holds this CA (hashed as openssl rehash does): it is "public" now.
  fs::create_directories(tmp.file("store"));
  tmp.write("store/ca.pem", slurp(ca));
  REQUIRE(openssl({"rehash", tmp.file("store")}).exit_code == 0);
  r = run_mtlscert({"access", "--ca", ca, "--trust-store", tmp.file("store")});
  CHECK(r.exit_code == 1);                   // refused: CERTISSUER:<public CA> RELAY is an open relay
  CHECK(has(r.err, " access-public-ca: "));  // stdout would hold the lines: findings beside them on stderr
  r = run_mtlscert({"access", "--client", tmp.file("c.crt"), "--trust-store", tmp.file("store")});
  CHECK(has(r.err, " access-public-ca: "));  // stdout holds the lines: findings beside them on stderr

  r = run_mtlscert({"access", "--tls-srv", "smarthost.example.net", "--tls-clt", "laptop.example.org", "--policy",
                    "VERIFY:128", "--cn", "smarthost.example.net"});
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "TLS_Srv:smarthost.example.net\tVERIFY:128+CN:smarthost.example.net\n"));
  CHECK(has(r.out, "TLS_Clt:laptop.example.org\tVERIFY:128+CN:smarthost.example.net\n"));
  CHECK(run_mtlscert({"access", "--tls-srv", "x.example", "--policy", "RELAY"}).exit_code == 2);
  CHECK(run_mtlscert({"access", "--tls-clt", "bad name"}).exit_code == 2);
  CHECK(run_mtlscert({"access", "--ca", tmp.file("c.crt")}).exit_code == 2);
  CHECK(run_mtlscert({"access"}).exit_code == 2);
}

TEST_CASE("received: exit status per fixture") {
  const std::string d = std::string(MTLSCERT_SOURCE_DIR) + "/tests/data/received/";
  struct Row {
    const char* file;
    int exit;
    const char* needle;
  };
  const Row rows[] = {
      {"sendmail.eml", 0,
       "hop 2: client.test.example -> smtp.test.example: tls TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=OK "
       "[sendmail]"},
      {"postfix.eml", 0, "tls TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT [postfix]"},
      {"exim.eml", 0, "tls TLS1.2 cipher=ECDHE_RSA_AES_256_GCM_SHA384 bits=256 [exim]"},
      {"qmail.eml", 0, "cipher=ECDHE-RSA-AES256-GCM-SHA384 [qmail]"},
      {"clear-hop.eml", 1, "hop 1: old.example -> a.example: clear (with ESMTP)"},
      {"sendmail-verify-fail.eml", 1, "verify=FAIL"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.file);
    auto r = run_mtlscert({"received", d + row.file});
    INFO(r.out, r.err);
    CHECK(r.exit_code == row.exit);
    CHECK(has(r.out, row.needle));
  }
  auto j = run_mtlscert({"received", "--json", d + "clear-hop.eml"});
  CHECK(has(j.out, "\"schema\": \"mtlscert.received/3\""));
  CHECK(has(j.out, "\"code\": \"received-clear\""));
}
