// install-cert as a deploy hook (a certbot-shaped lineage, --dry-run, rollback on a failed
// reload) and the expiry checks (inspect/doctor --expires-within), with the built binary and
// certificates made here with fixed short validity (openssl -days, ca sign --days).
#include <doctest/doctest.h>

#include <filesystem>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }
const std::string kHost = "smtp.example.org";

// A directory init made with a private CA, and a lineage (cert.pem, chain.pem, privkey.pem)
// of a certificate that CA signed for a NEW key: what certbot leaves after a renewal.
struct Lineage {
  TempDir tmp;
  std::string dir = tmp.file("tls");
  std::string lineage = tmp.file("live");
  Lineage() {
    REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private", "--type", "ecdsa"}).exit_code == 0);
    fs::create_directories(lineage);
    REQUIRE(run_mtlscert({"genkey", "--type", "ecdsa", "-o", lineage + "/privkey.pem"}).exit_code == 0);
    REQUIRE(run_mtlscert({"csr", "--key", lineage + "/privkey.pem", "--host", kHost, "-o", tmp.file("new.csr")})
                .exit_code == 0);
    REQUIRE(run_mtlscert({"ca", "sign", "--dir", dir + "/ca", tmp.file("new.csr"), "-o", lineage + "/cert.pem"})
                .exit_code == 0);
    tmp.write("live/chain.pem", slurp(dir + "/ca/ca.crt"));
  }
  std::string crt() const { return dir + "/" + kHost + ".crt"; }
  std::string key() const { return dir + "/" + kHost + ".key"; }
};

}  // namespace

TEST_CASE("install-cert --from-certbot: the lineage's key too, the old files kept as .prev") {
  Lineage l;
  const std::string old_crt = slurp(l.crt()), old_key = slurp(l.key());
  auto dry = run_mtlscert({"install-cert", "--from-certbot", l.lineage, "--dir", l.dir, "--dry-run"});
  INFO(dry.out, dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK(has(dry.out, "nothing written"));
  CHECK(slurp(l.crt()) == old_crt);
  CHECK(!fs::exists(l.crt() + ".prev"));

  auto r = run_mtlscert({"install-cert", "--from-certbot", l.lineage, "--dir", l.dir});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "Pre-flight: sendmail will accept these files"));
  CHECK(slurp(l.key()) == slurp(l.lineage + "/privkey.pem"));
  CHECK(file_mode(l.key()) == 0600);
  CHECK(slurp(l.crt() + ".prev") == old_crt);
  CHECK(slurp(l.key() + ".prev") == old_key);
  CHECK(file_mode(l.key() + ".prev") == 0600);
  // The independent check: the installed certificate and key belong together.
  auto a = openssl({"x509", "-in", l.crt(), "-noout", "-pubkey"});
  auto b = openssl({"pkey", "-in", l.key(), "-pubout"});
  CHECK(a.out == b.out);
}

TEST_CASE("install-cert: a failed reload puts the previous files back, exit 1") {
  Lineage l;
  const std::string old_crt = slurp(l.crt()), old_key = slurp(l.key());
  auto r = run_mtlscert({"install-cert", "--from-certbot", l.lineage, "--dir", l.dir, "--reload", "exit 3"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "install-rolled-back"));
  CHECK(has(r.out, "the reload command exited 3"));
  CHECK(slurp(l.crt()) == old_crt);
  CHECK(slurp(l.key()) == old_key);
}

TEST_CASE("install-cert: refusals name the file, the problem and the next step, exit 2") {
  Lineage l;
  auto r = run_mtlscert({"install-cert", "--from-certbot", l.tmp.file("nowhere"), "--dir", l.dir});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "is not a certbot lineage"));
  CHECK(has(r.err, "RENEWED_LINEAGE"));
  // The lineage's certificate with init's key: the old failure, now with the way out.
  r = run_mtlscert({"install-cert", l.lineage + "/cert.pem", "--dir", l.dir});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "does not match the key " + l.key()));
  CHECK(has(r.err, "--from-certbot"));
  r = run_mtlscert({"install-cert", "--from-certbot", l.lineage, "--cert", l.crt(), "--dir", l.dir});
  CHECK(r.exit_code == 2);
  CHECK(!fs::exists(l.crt() + ".prev"));
}

TEST_CASE("inspect --expires-within: exit 1 for a certificate ending sooner") {
  TempDir tmp;
  REQUIRE(openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                   tmp.file("k.pem"), "-subj", "/CN=" + kHost, "-days", "10", "-out", tmp.file("c.pem")})
              .exit_code == 0);
  auto r = run_mtlscert({"inspect", "--expires-within", "30d", tmp.file("c.pem")});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "cert-expires-within"));
  CHECK(has(r.out, "ends in"));
  CHECK(run_mtlscert({"inspect", "--expires-within", "5d", tmp.file("c.pem")}).exit_code == 0);
  CHECK(run_mtlscert({"inspect", "--expires-within", "2w", tmp.file("c.pem")}).exit_code == 1);
  r = run_mtlscert({"inspect", "--expires-within", "30", tmp.file("c.pem")});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "--expires-within 30: not a duration"));
}

TEST_CASE("doctor --expires-within: exit 1 when the server certificate ends sooner") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  REQUIRE(run_mtlscert({"init", kHost, "--dir", dir, "--ca", "private", "--type", "ecdsa"}).exit_code == 0);
  REQUIRE(run_mtlscert({"ca", "sign", "--dir", dir + "/ca", "--days", "10", "--force", dir + "/" + kHost + ".csr", "-o",
                        dir + "/" + kHost + ".crt"})
              .exit_code == 0);
  const std::string mc = dir + "/mtlscert-starttls.m4";
  auto r = run_mtlscert({"doctor", mc, "--expires-within", "30d"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "cert-expires-within"));
  CHECK(run_mtlscert({"doctor", mc, "--expires-within", "5d"}).exit_code == 0);
}
