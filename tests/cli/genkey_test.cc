#include <doctest/doctest.h>
#include <sys/stat.h>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

TEST_CASE("genkey writes a 0600 PKCS#8 key that openssl accepts") {
  struct Row {
    std::vector<std::string> flags;
    const char* openssl_says;  // substring of `openssl pkey -text_pub`
    const char* label;
  };
  const Row rows[] = {
      {{}, "Public-Key: (2048 bit)", "RSA 2048"},
      {{"--type", "rsa", "--bits", "3072"}, "Public-Key: (3072 bit)", "RSA 3072"},
      {{"--type", "ecdsa"}, "NIST CURVE: P-256", "ECDSA P-256"},
      {{"--type", "ecdsa", "--curve", "P-384"}, "NIST CURVE: P-384", "ECDSA P-384"},
      {{"--type", "ed25519"}, "ED25519 Public-Key", "Ed25519"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.label);
    TempDir dir;
    std::vector<std::string> args{"genkey", "-o", dir.file("k.pem")};
    args.insert(args.end(), row.flags.begin(), row.flags.end());
    auto r = run_mtlscert(args);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(std::string("Wrote key ") + dir.file("k.pem") + " (" + row.label + ", mode 0600).") !=
          std::string::npos);
    CHECK(file_mode(dir.file("k.pem")) == 0600);
    CHECK(slurp(dir.file("k.pem")).rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    CHECK(openssl({"pkey", "-in", dir.file("k.pem"), "-noout", "-check"}).exit_code == 0);
    CHECK(openssl({"pkey", "-in", dir.file("k.pem"), "-noout", "-text_pub"}).out.find(row.openssl_says) !=
          std::string::npos);
  }
}

TEST_CASE("genkey is 0600 even under a permissive umask, and never replaces without --force") {
  TempDir dir;
  auto r = run(
      {"sh", "-c", std::string("umask 000; exec ") + MTLSCERT_BIN + " genkey --type ecdsa -o " + dir.file("k.pem")});
  REQUIRE(r.exit_code == 0);
  CHECK(file_mode(dir.file("k.pem")) == 0600);
  std::string before = slurp(dir.file("k.pem"));

  r = run_mtlscert({"genkey", "--type", "ecdsa", "-o", dir.file("k.pem")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("mtlscert: error: refusing to replace key file '" + dir.file("k.pem") +
                   "': a file already exists there") != std::string::npos);
  CHECK(r.err.find("use --force") != std::string::npos);
  CHECK(slurp(dir.file("k.pem")) == before);

  r = run_mtlscert({"genkey", "--type", "ecdsa", "--force", "-o", dir.file("k.pem")});
  CHECK(r.exit_code == 0);
  CHECK(slurp(dir.file("k.pem")) != before);
  CHECK(count_entries(dir.path()) == 1);
}

TEST_CASE("genkey --group makes the key 0640 with that group and warns about GroupReadableKeyFile") {
  TempDir dir;
  auto r = run_mtlscert({"genkey", "--type", "ecdsa", "--group", "0", "-o", dir.file("k.pem")});
  REQUIRE(r.exit_code == 0);
  CHECK(file_mode(dir.file("k.pem")) == 0640);
  CHECK(r.out.find("GroupReadableKeyFile") != std::string::npos);  // a finding: on stdout
  r = run_mtlscert({"genkey", "--group", "no-such-group-xyz", "-o", dir.file("g.pem")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no group named 'no-such-group-xyz'") != std::string::npos);
  CHECK(file_mode(dir.file("g.pem")) == -1);
}

TEST_CASE("genkey: bad flags and paths exit 2 with a clear message") {
  TempDir dir;
  struct Row {
    std::vector<std::string> args;
    const char* message;
  };
  const Row rows[] = {
      {{"genkey", "--bits", "1024", "-o", dir.file("a")}, "--bits: 1024 is not offered for RSA"},
      {{"genkey", "--type", "dsa", "-o", dir.file("a")}, "--type: unknown key type 'dsa'"},
      {{"genkey", "--type", "ecdsa", "--curve", "P-521", "-o", dir.file("a")}, "--curve: 'P-521' is not offered"},
      {{"genkey", "-o", dir.file("nodir/k.pem")}, "create the directory first"},
      {{"genkey"}, "--out is required"},
      {{"genky"}, "unknown command 'genky', did you mean 'genkey'?"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.message);
    auto r = run_mtlscert(row.args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(row.message) != std::string::npos);
  }
  CHECK(count_entries(dir.path()) == 0);
}

TEST_CASE("genkey -o - writes the key to stdout and --json describes the file") {
  auto r = run_mtlscert({"genkey", "--type", "ecdsa", "-o", "-"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  TempDir dir;
  r = run_mtlscert({"genkey", "--type", "ecdsa", "--json", "-o", dir.file("k.pem")});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"schema\": \"mtlscert.genkey/3\"") != std::string::npos);
  CHECK(r.out.find("\"mode\": \"0600\"") != std::string::npos);
  CHECK(r.out.find("BEGIN") == std::string::npos);
}

TEST_CASE("regression: issue 13 row 13: genkey --group refuses gids out of range and unknown gids") {
  TempDir dir;
  struct Row {
    const char* group;
    const char* message;
  };
  const Row rows[] = {
      {"4294967296", "--group: '4294967296' is not a group id (a gid is a number from 0 to 4294967294)"},
      {"99999999999999999999", "--group: '99999999999999999999' is not a group id"},
      {"4294967295", "--group: '4294967295' is not a group id"},  // (gid_t)-1: chown's "no change"
      {"4294967294", "--group: no group with gid 4294967294 on this machine"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.group);
    auto r = run_mtlscert({"genkey", "--type", "ecdsa", "--group", row.group, "-o", dir.file("k.pem")});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(row.message) != std::string::npos);
    CHECK(file_mode(dir.file("k.pem")) == -1);
  }
  auto r = run_mtlscert({"genkey", "--type", "ecdsa", "--group", "0", "-o", dir.file("root.pem")});
  CHECK(r.exit_code == 0);
  struct stat st {};
  REQUIRE(::stat(dir.file("root.pem").c_str(), &st) == 0);
  CHECK(st.st_gid == 0);
}

TEST_CASE("genkey -o - --json is refused: the key and the document cannot share stdout") {
  auto r = run_mtlscert({"genkey", "--type", "ecdsa", "-o", "-", "--json"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("BEGIN") == std::string::npos);
  CHECK(r.out.find("\"verdict\": \"error\"") != std::string::npos);
  CHECK(r.err.find("mtlscert: error: --json and -o - both want standard output") != std::string::npos);
}

TEST_CASE("genkey: the next step names the host the key file is named after") {
  TempDir dir;
  auto r = run_mtlscert({"genkey", "--type", "ecdsa", "-o", dir.file("smtp.toto.com.key")});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--host smtp.toto.com -o smtp.toto.com.csr") != std::string::npos);
  CHECK(r.out.find("example.org") == std::string::npos);
}
