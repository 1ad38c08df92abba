#include <doctest/doctest.h>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

namespace {

// The SPKI SHA-256 as the openssl CLI computes it: the data of a 3 1 1 record.
std::string openssl_spki_sha256(const std::string& cert) {
  auto r = run(
      {"sh", "-c", "openssl x509 -in '" + cert + "' -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum"});
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, 64);
}

void make_server_cert(const TempDir& dir) {
  REQUIRE(run_mtlscert({"ca", "init", "--dir", dir.file("ca"), "--name", "TLSA CA", "--type", "ecdsa"}).exit_code == 0);
  REQUIRE(run_mtlscert({"genkey", "--type", "ecdsa", "-o", dir.file("s.key")}).exit_code == 0);
  REQUIRE(run_mtlscert({"csr", "--key", dir.file("s.key"), "--host", "mx.example.org", "-o", dir.file("s.csr")})
              .exit_code == 0);
  REQUIRE(run_mtlscert({"ca", "sign", "--dir", dir.file("ca"), dir.file("s.csr"), "-o", dir.file("s.crt")}).exit_code ==
          0);
}

}  // namespace

TEST_CASE("tlsa prints 3 1 1 with the SHA-256 of the SPKI, the same from the certificate and its key") {
  TempDir dir;
  make_server_cert(dir);
  std::string hash = openssl_spki_sha256(dir.file("s.crt"));
  std::string want = "_25._tcp.mx.example.org. IN TLSA 3 1 1 " + hash + "\n";
  auto r = run_mtlscert({"tlsa", dir.file("s.crt"), "--host", "mx.example.org"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == want);
  r = run_mtlscert({"tlsa", dir.file("s.key"), "--host", "MX.example.org."});
  CHECK(r.exit_code == 0);
  CHECK(r.out == want);
  r = run_mtlscert({"tlsa", dir.file("s.crt"), "--host", "mx.example.org", "--port", "465"});
  CHECK(r.out == "_465._tcp.mx.example.org. IN TLSA 3 1 1 " + hash + "\n");
  // inspect shows the same hash.
  r = run_mtlscert({"inspect", dir.file("s.crt")});
  CHECK(r.out.find("Key SHA-256: " + hash) != std::string::npos);
}

TEST_CASE("tlsa gives 2 1 1 for the private CA's certificate") {
  TempDir dir;
  make_server_cert(dir);
  std::string hash = openssl_spki_sha256(dir.file("ca/ca.crt"));
  auto r = run_mtlscert({"tlsa", dir.file("ca/ca.crt"), "--host", "mx.example.org"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "_25._tcp.mx.example.org. IN TLSA 2 1 1 " + hash + "\n");
  r = run_mtlscert({"tlsa", dir.file("ca/ca.crt"), "--host", "mx.example.org", "--usage", "dane-ee", "--strict"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("is a CA certificate") != std::string::npos);
}

TEST_CASE("tlsa --next makes the next key 0600 and prints both records") {
  TempDir dir;
  make_server_cert(dir);
  auto r = run_mtlscert({"tlsa", dir.file("s.crt"), "--host", "mx.example.org", "--next", dir.file("next.key")});
  REQUIRE(r.exit_code == 0);
  CHECK(file_mode(dir.file("next.key")) == 0600);
  auto pub = run({"sh", "-c", "openssl pkey -in '" + dir.file("next.key") + "' -pubout -outform DER | sha256sum"});
  std::string next_hash = pub.out.substr(0, 64);
  CHECK(r.out.find("_25._tcp.mx.example.org. IN TLSA 3 1 1 " + openssl_spki_sha256(dir.file("s.crt")) +
                   "\n_25._tcp.mx.example.org. IN TLSA 3 1 1 " + next_hash + "\n") == 0);
  CHECK(r.out.find("Publish both records now") != std::string::npos);
  // Never over an existing key without --force.
  r = run_mtlscert({"tlsa", dir.file("s.crt"), "--host", "mx.example.org", "--next", dir.file("next.key")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("refusing to replace key file") != std::string::npos);
}

TEST_CASE("tlsa refuses a bad host and a file without certificate or key") {
  TempDir dir;
  make_server_cert(dir);
  auto r = run_mtlscert({"tlsa", dir.file("s.crt"), "--host", "bad_host"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--host: 'bad_host' is not a valid host name") != std::string::npos);
  r = run_mtlscert({"tlsa", dir.file("s.csr"), "--host", "mx.example.org"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("holds no certificate and no private key") != std::string::npos);
}
