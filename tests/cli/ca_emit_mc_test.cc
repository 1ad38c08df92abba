#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

namespace {
bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

std::string make_csr(const TempDir& dir, const std::string& name, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"req",
                                "-new",
                                "-newkey",
                                "ec",
                                "-pkeyopt",
                                "ec_paramgen_curve:P-256",
                                "-nodes",
                                "-keyout",
                                dir.file(name + ".key"),
                                "-out",
                                dir.file(name + ".csr")};
  args.insert(args.end(), extra.begin(), extra.end());
  REQUIRE(openssl(args).exit_code == 0);
  ::chmod(dir.file(name + ".key").c_str(), 0600);
  return dir.file(name + ".csr");
}
}  // namespace

TEST_CASE("ca init makes a CA openssl agrees with, and refuses to make it twice") {
  TempDir dir;
  std::string ca = dir.file("ca");
  auto r = run_mtlscert({"ca", "init", "--dir", ca, "--name", "Test Mail CA", "--type", "ecdsa"});
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "Made CA 'Test Mail CA' in " + ca));
  CHECK(file_mode(ca + "/ca.key") == 0600);
  CHECK(file_mode(ca + "/ca.crt") == 0644);
  auto text = openssl({"x509", "-in", ca + "/ca.crt", "-noout", "-text"}).out;
  CHECK(has(text, "CA:TRUE, pathlen:0"));
  CHECK(has(text, "Certificate Sign, CRL Sign"));
  CHECK(has(text, "Subject Key Identifier"));
  CHECK(openssl({"verify", "-CAfile", ca + "/ca.crt", ca + "/ca.crt"}).exit_code == 0);
  std::string before = slurp(ca + "/ca.key");
  r = run_mtlscert({"ca", "init", "--dir", ca, "--name", "Again"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "already exists"));
  CHECK(slurp(ca + "/ca.key") == before);
}

TEST_CASE("ca sign: profiles set the EKU, openssl verifies the purpose") {
  TempDir dir;
  std::string ca = dir.file("ca");
  REQUIRE(run_mtlscert({"ca", "init", "--dir", ca, "--name", "CA", "--type", "ecdsa"}).exit_code == 0);
  std::string csr = make_csr(
      dir, "s",
      {"-subj", "/CN=smtp.test.example", "-addext", "subjectAltName=DNS:smtp.test.example,DNS:mx2.test.example"});
  struct Row {
    const char* profile;
    bool server;
    bool client;
  };
  for (Row row : {Row{"server", true, false}, Row{"client", false, true}, Row{"server+client", true, true}}) {
    CAPTURE(row.profile);
    std::string out = dir.file(std::string(row.profile) + ".crt");
    auto r = run_mtlscert({"ca", "sign", "--dir", ca, "--profile", row.profile, csr, "-o", out});
    REQUIRE(r.exit_code == 0);
    CHECK(has(r.out, "Wrote certificate " + out + " for smtp.test.example, mx2.test.example (profile " + row.profile));
    CHECK(file_mode(out) == 0644);
    CHECK((openssl({"verify", "-CAfile", ca + "/ca.crt", "-purpose", "sslserver", out}).exit_code == 0) == row.server);
    CHECK((openssl({"verify", "-CAfile", ca + "/ca.crt", "-purpose", "sslclient", out}).exit_code == 0) == row.client);
    auto text = openssl({"x509", "-in", out, "-noout", "-text"}).out;
    CHECK(has(text, "DNS:smtp.test.example, DNS:mx2.test.example"));
    CHECK(has(text, "CA:FALSE"));
    CHECK(has(text, "Authority Key Identifier"));
  }
  auto serials = slurp(ca + "/serials");
  CHECK(std::count(serials.begin(), serials.end(), '\n') == 4);  // header + 3
}

TEST_CASE("ca sign refuses bad CSRs, with the reason") {
  TempDir dir;
  std::string ca = dir.file("ca");
  REQUIRE(run_mtlscert({"ca", "init", "--dir", ca, "--name", "CA", "--type", "ecdsa"}).exit_code == 0);
  struct Row {
    std::vector<std::string> req;
    const char* message;
  };
  const Row rows[] = {
      {{"-subj", "/CN=smtp.test.example", "-addext", "basicConstraints=critical,CA:TRUE"}, "asks for a CA certificate"},
      {{"-subj", "/CN=smtp..test.example"}, "is not a valid host name"},
      {{"-subj", "/O=No Name"}, "names no host"},
      {{"-subj", "/CN=x.test.example", "-addext", "subjectAltName=DNS:*.test.example"}, "wildcard"},
  };
  int i = 0;
  for (const auto& row : rows) {
    CAPTURE(row.message);
    std::string csr = make_csr(dir, "bad" + std::to_string(i++), row.req);
    auto r = run_mtlscert({"ca", "sign", "--dir", ca, csr, "-o", dir.file("out.crt")});
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, row.message));
    CHECK(file_mode(dir.file("out.crt")) == -1);
  }
  // A tampered CSR: flip a byte in the signature.
  std::string good = make_csr(dir, "good", {"-subj", "/CN=smtp.test.example", "-outform", "DER"});
  std::string der = slurp(good);
  der[der.size() - 3] ^= 0x01;
  std::string bad = dir.write("tampered.csr", der);
  auto r = run_mtlscert({"ca", "sign", "--dir", ca, bad, "-o", dir.file("out.crt")});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "signature does not verify"));
  r = run_mtlscert({"ca", "sign", "--dir", dir.file("nope"), good, "-o", dir.file("out.crt")});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "holds no CA"));
}

TEST_CASE("emit-mc: prints the lines, exits 1 with the predicted log line, writes -o only when clean") {
  TempDir dir;
  std::string ca = dir.file("ca");
  REQUIRE(run_mtlscert({"ca", "init", "--dir", ca, "--name", "CA", "--type", "ecdsa"}).exit_code == 0);
  std::string csr = make_csr(dir, "s", {"-subj", "/CN=smtp.test.example"});
  REQUIRE(run_mtlscert({"ca", "sign", "--dir", ca, csr, "-o", dir.file("s.crt")}).exit_code == 0);
  ::mkdir(dir.file("capath").c_str(), 0755);
  std::vector<std::string> args{"emit-mc",          "--server-cert", dir.file("s.crt"),  "--server-key",
                                dir.file("s.key"),  "--cacert",      ca + "/ca.crt",     "--cacert-path",
                                dir.file("capath"), "--host",        "smtp.test.example"};
  auto r = run_mtlscert(args);
  CAPTURE(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "define(`confSERVER_KEY', ``" + dir.file("s.key") + "'')dnl"));
  CHECK(has(r.out, "define(`confCLIENT_CERT', ``" + dir.file("s.crt") + "'')dnl"));

  ::chmod(dir.file("s.key").c_str(), 0604);
  auto with_out = args;
  with_out.insert(with_out.end(), {"-o", dir.file("tls.m4")});
  r = run_mtlscert(with_out);
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, " key-world-readable: "));
  CHECK(has(r.out, "sendmail logs: STARTTLS=server: file " + dir.file("s.key") + " unsafe: World readable file"));
  CHECK(has(r.out, "Not written: " + dir.file("tls.m4")));
  CHECK(file_mode(dir.file("tls.m4")) == -1);

  ::chmod(dir.file("s.key").c_str(), 0600);
  r = run_mtlscert(with_out);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "Wrote " + dir.file("tls.m4") + " (mode 0644)."));
  CHECK(file_mode(dir.file("tls.m4")) == 0644);
  r = run_mtlscert(with_out);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "already up to date; unchanged"));

  auto json_args = args;
  json_args.push_back("--json");
  r = run_mtlscert(json_args);
  CHECK(has(r.out, "\"schema\": \"mtlscert.emit-mc/3\""));

  auto bad = args;
  bad[2] = "relative/s.crt";
  r = run_mtlscert(bad);
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "is not an absolute path"));
}
