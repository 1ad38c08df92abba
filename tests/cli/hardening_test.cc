// Regression tests for the security audit (issue 13), one case per finding, named by its row:
// the built binary against files made by the independent openssl CLI.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// A P-256 key and a CSR for subj (an openssl -subj string) with a SAN, made by openssl.
void openssl_csr(const TempDir& tmp, const std::string& stem, const std::string& subj, const std::string& san) {
  REQUIRE(openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                   tmp.file(stem + ".key"), "-subj", subj, "-addext", "subjectAltName=" + san, "-out",
                   tmp.file(stem + ".csr")})
              .exit_code == 0);
}

// openssl signs stem.csr with the CA files ca.crt/ca.key, extensions from ext (an extfile body).
void openssl_sign(const TempDir& tmp, const std::string& stem, const std::string& ca, const std::string& ext) {
  tmp.write(stem + ".ext", ext);
  REQUIRE(openssl({"x509", "-req", "-in", tmp.file(stem + ".csr"), "-CA", tmp.file(ca + ".crt"), "-CAkey",
                   tmp.file(ca + ".key"), "-days", "30", "-extfile", tmp.file(stem + ".ext"), "-out",
                   tmp.file(stem + ".crt")})
              .exit_code == 0);
}

}  // namespace

TEST_CASE("issue 13 row 1: access --ca with a public root is refused unless --allow-public-ca") {
  const std::string isrg = "/etc/ssl/certs/ISRG_Root_X1.pem";
  if (!fs::exists(isrg)) {
    MESSAGE("skipped: no " << isrg << " (ca-certificates not installed)");
    return;
  }
  auto r = run_mtlscert({"access", "--ca", isrg});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());  // no line at all: nothing that could be appended to the access map
  CHECK(has(r.err, "error  access-public-ca: "));
  CHECK(has(r.err, "--allow-public-ca"));
  auto q = run_mtlscert({"access", "-q", "--ca", isrg});
  CHECK(q.exit_code == 1);
  CHECK(has(q.err, " access-public-ca: "));  // a refusal is not silenced by -q
  auto j = run_mtlscert({"access", "--json", "--ca", isrg});
  CHECK(j.exit_code == 1);
  CHECK(has(j.out, "\"lines\": []"));

  auto allowed = run_mtlscert({"access", "--ca", isrg, "--allow-public-ca"});
  CHECK(allowed.exit_code == 0);
  CHECK(has(allowed.out, "CERTISSUER:/C=US/O=Internet+20Security+20Research+20Group/CN=ISRG+20Root+20X1\tRELAY\n"));
  CHECK(has(allowed.err, "warn   access-public-ca: "));
  // --subject lines only defer to CERTSUBJECT: lines: no open relay, a warning is enough.
  auto subject = run_mtlscert({"access", "--ca", isrg, "--subject"});
  CHECK(subject.exit_code == 0);
  CHECK(has(subject.out, "\tSUBJECT\n"));
}

TEST_CASE("issue 13 row 1: a client certificate from a public CA warns also without its intermediate") {
  TempDir tmp;
  // root (in the trust store) -> intermediate (not given) -> client certificate.
  REQUIRE(openssl({"req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                   tmp.file("root.key"), "-subj", "/O=Public Test Trust/CN=Public Test Root", "-days", "30", "-out",
                   tmp.file("root.crt")})
              .exit_code == 0);
  fs::create_directories(tmp.file("store"));
  fs::copy_file(tmp.file("root.crt"), tmp.file("store/root.pem"));
  REQUIRE(openssl({"rehash", tmp.file("store")}).exit_code == 0);
  openssl_csr(tmp, "inter", "/O=Public Test Trust/CN=Public Test Issuing CA 7", "DNS:unused.example");
  openssl_sign(tmp, "inter", "root", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n");
  const std::string leaf_ext =
      "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:laptop.example.org\n";
  // Publicly-trusted: the CA/Browser Forum domain-validated policy, as every public CA sets it.
  openssl_csr(tmp, "public", "/CN=laptop.example.org", "DNS:laptop.example.org");
  openssl_sign(tmp, "public", "inter", leaf_ext + "certificatePolicies=2.23.140.1.2.1\n");
  // The same chain without the policy: nothing says public, so no warning.
  openssl_csr(tmp, "plain", "/CN=laptop.example.org", "DNS:laptop.example.org");
  openssl_sign(tmp, "plain", "inter", leaf_ext);

  auto r = run_mtlscert({"access", "--client", tmp.file("public.crt"), "--trust-store", tmp.file("store")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.err, " access-public-ca: "));
  CHECK(has(r.out, "CERTSUBJECT:/CN=laptop.example.org\tRELAY\n"));
  auto p = run_mtlscert({"access", "--client", tmp.file("plain.crt"), "--trust-store", tmp.file("store")});
  CHECK(p.exit_code == 0);
  CHECK(!has(p.err, " access-public-ca: "));
  // With the intermediate after the leaf the issuer's own issuer is found in the store.
  tmp.write("plain-chain.pem", slurp(tmp.file("plain.crt")) + slurp(tmp.file("inter.crt")));
  auto c = run_mtlscert({"access", "--client", tmp.file("plain-chain.pem"), "--trust-store", tmp.file("store")});
  CHECK(has(c.err, " access-public-ca: "));
  // An intermediate of a public root given with --ca is refused like the root.
  auto i = run_mtlscert({"access", "--ca", tmp.file("inter.crt"), "--trust-store", tmp.file("store")});
  CHECK(i.exit_code == 1);
  CHECK(i.out.empty());
}

TEST_CASE("issue 13 row 15: access --client refuses a certificate with an empty subject") {
  TempDir tmp;
  REQUIRE(openssl({"req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                   tmp.file("e.key"), "-subj", "/", "-addext", "subjectAltName=DNS:x.example.org", "-days", "30",
                   "-out", tmp.file("e.crt")})
              .exit_code == 0);
  auto r = run_mtlscert({"access", "--client", tmp.file("e.crt"), "--trust-store", tmp.file("none")});
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(has(r.err, tmp.file("e.crt")));
  CHECK(has(r.err, "subject is empty"));
  CHECK(has(r.err, "could never match"));
}

namespace {

// mtlscert under a given umask (the shell sets it, then execs the binary).
RunResult run_with_umask(const char* umask, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"sh", "-c", std::string("umask ") + umask + "; exec \"$0\" \"$@\"", MTLSCERT_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("issue 13 row 2: init makes every directory with its own mode whatever the umask") {
  TempDir tmp;
  const std::string dir = tmp.file("a/b/tls");
  auto r = run_with_umask("000", {"init", "mx.example.org", "--dir", dir, "--ca", "private", "--type", "ecdsa"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(file_mode(tmp.file("a")) == 0755);
  CHECK(file_mode(tmp.file("a/b")) == 0755);
  CHECK(file_mode(dir) == 0755);
  CHECK(file_mode(dir + "/certs") == 0755);
  CHECK(file_mode(dir + "/ca") == 0700);  // holds ca.key
  CHECK(file_mode(dir + "/mx.example.org.key") == 0600);
  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK(st.st_uid == ::geteuid());
}

TEST_CASE("issue 13 row 2: an existing group- or world-writable directory on the way is an error naming it") {
  TempDir tmp;
  ::mkdir(tmp.file("shared").c_str(), 0755);
  ::chmod(tmp.file("shared").c_str(), 0775);
  auto r = run_mtlscert({"init", "mx.example.org", "--dir", tmp.file("shared/tls"), "--type", "ecdsa"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "directory " + tmp.file("shared") + " is group-writable"));
  CHECK(has(r.err, "chmod go-w " + tmp.file("shared")));
  CHECK(!fs::exists(tmp.file("shared/tls")));
  ::chmod(tmp.file("shared").c_str(), 0777);
  r = run_mtlscert({"init", "mx.example.org", "--dir", tmp.file("shared/tls"), "--type", "ecdsa"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "is world-writable"));
  // A sticky world-writable directory (/tmp) cannot have its entries swapped: accepted, as by sendmail.
  ::chmod(tmp.file("shared").c_str(), 01777);
  r = run_mtlscert({"init", "mx.example.org", "--dir", tmp.file("shared/tls"), "--type", "ecdsa"});
  CHECK(r.exit_code == 0);
}

TEST_CASE("issue 13 row 3: init refuses to reuse a key owned by another user or readable by everyone") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  REQUIRE(run_mtlscert({"init", "mx.example.org", "--dir", dir, "--type", "ecdsa"}).exit_code == 0);
  const std::string key = dir + "/mx.example.org.key";
  const std::string crt = dir + "/mx.example.org.crt";
  ::chmod(key.c_str(), 0644);
  auto r = run_mtlscert({"init", "mx.example.org", "--dir", dir, "--ca", "private"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "private key " + key + " is world-readable (mode 0644)"));
  CHECK(has(r.err, "remove " + key + " and rerun init"));
  CHECK(!has(r.out, "already present; unchanged"));
  CHECK(!fs::exists(crt));  // nothing was signed for it
  ::chmod(key.c_str(), 0600);
  if (::geteuid() == 0) {
    REQUIRE(::chown(key.c_str(), 65534, static_cast<gid_t>(-1)) == 0);
    r = run_mtlscert({"init", "mx.example.org", "--dir", dir, "--ca", "private"});
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, "private key " + key + " is owned by another user (uid 65534)"));
    CHECK(!fs::exists(crt));
    REQUIRE(::chown(key.c_str(), 0, static_cast<gid_t>(-1)) == 0);
  }
  // Other reused files: not writable by others.
  ::chmod((dir + "/mx.example.org.csr").c_str(), 0666);
  r = run_mtlscert({"init", "mx.example.org", "--dir", dir, "--ca", "private"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "CSR " + dir + "/mx.example.org.csr is world-writable"));
  ::chmod((dir + "/mx.example.org.csr").c_str(), 0644);
  r = run_mtlscert({"init", "mx.example.org", "--dir", dir, "--ca", "private"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(crt));
}

TEST_CASE("issue 13 row 19: under umask 002 init warns once, not once per CA file, and certs is 0755") {
  TempDir tmp;
  const std::string dir = tmp.file("tls");
  auto r = run_with_umask("002", {"init", "mx.example.org", "--dir", dir, "--ca", "private", "--type", "ecdsa"});
  INFO(r.err.substr(0, 2000));
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.err, "group-writable") <= 1);
  CHECK(file_mode(dir) == 0755);
  CHECK(file_mode(dir + "/certs") == 0755);
  // A rerun changes nothing and says nothing about writable directories.
  auto again = run_with_umask("002", {"init", "mx.example.org", "--dir", dir, "--ca", "private"});
  CHECK(again.exit_code == 0);
  CHECK(count(again.err, "group-writable") == 0);
}

TEST_CASE("issue 13 row 7: ca sign refuses a subject with two CNs, inspect and emit-mc flag one") {
  TempDir tmp;
  REQUIRE(run_mtlscert({"ca", "init", "--dir", tmp.file("ca"), "--name", "Row 7 CA", "--type", "ecdsa"}).exit_code ==
          0);
  openssl_csr(tmp, "two", "/CN=evil.example.org/CN=mx.example.org", "DNS:mx.example.org");
  auto r = run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), tmp.file("two.csr"), "-o", tmp.file("two.crt")});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "more than one CN"));
  CHECK(has(r.err, tmp.file("two.csr")));
  CHECK(!fs::exists(tmp.file("two.crt")));
  openssl_csr(tmp, "twoo", "/O=A/O=B/CN=mx.example.org", "DNS:mx.example.org");
  r = run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), tmp.file("twoo.csr"), "-o", tmp.file("twoo.crt")});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "more than one O"));

  auto i = run_mtlscert({"inspect", tmp.file("two.csr")});
  CHECK(i.exit_code == 0);
  CHECK(has(i.out, "[subject-repeated-attribute]"));
  // A certificate with two CNs (signed by openssl, as another CA might): inspect and emit-mc flag it.
  tmp.write("ca.crt", slurp(tmp.file("ca/ca.crt")));
  tmp.write("ca.key", slurp(tmp.file("ca/ca.key")), 0600);
  openssl_sign(
      tmp, "two", "ca",
      "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:mx.example.org\n");
  i = run_mtlscert({"inspect", tmp.file("two.crt")});
  CHECK(has(i.out, "[subject-repeated-attribute]"));
  CHECK(has(i.out, "first CN"));
  fs::create_directories(tmp.file("certs"));
  auto e = run_mtlscert({"emit-mc", "--server-cert", tmp.file("two.crt"), "--server-key", tmp.file("two.key"),
                         "--cacert", tmp.file("ca.crt"), "--cacert-path", tmp.file("certs"), "--host", "mx.example.org",
                         "-o", tmp.file("out.mc")});
  INFO(e.err);
  CHECK(has(e.out + e.err, " subject-repeated-attribute: "));
  CHECK(has(e.out + e.err, "'evil.example.org'"));
}

TEST_CASE("issue 13 row 17: ca sign refuses a world-readable ca.key and warns on a group-readable one") {
  TempDir tmp;
  REQUIRE(run_mtlscert({"ca", "init", "--dir", tmp.file("ca"), "--name", "Row 17 CA", "--type", "ecdsa"}).exit_code ==
          0);
  openssl_csr(tmp, "mx", "/CN=mx.example.org", "DNS:mx.example.org");
  ::chmod(tmp.file("ca/ca.key").c_str(), 0644);
  auto r = run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), tmp.file("mx.csr"), "-o", tmp.file("a.crt")});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "CA key '" + tmp.file("ca/ca.key") + "' has mode 0644"));
  CHECK(has(r.err, "chmod 600"));
  CHECK(!fs::exists(tmp.file("a.crt")));
  ::chmod(tmp.file("ca/ca.key").c_str(), 0640);
  r = run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), tmp.file("mx.csr"), "-o", tmp.file("b.crt")});
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "its group"));
}

TEST_CASE("issue 13 row 17: outputs below another user's directory or a symbolic link are called out") {
  TempDir tmp;
  REQUIRE(run_mtlscert({"ca", "init", "--dir", tmp.file("ca"), "--name", "Row 17 CA", "--type", "ecdsa"}).exit_code ==
          0);
  openssl_csr(tmp, "mx", "/CN=mx.example.org", "DNS:mx.example.org");
  // A parent directory reached through a symbolic link: written, with a warning naming the real place.
  fs::create_directories(tmp.file("real"));
  fs::create_directory_symlink(tmp.file("real"), tmp.file("link"));
  auto r = run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), tmp.file("mx.csr"), "-o", tmp.file("link/a.crt")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "'" + tmp.file("link") + "' is a symbolic link to '" + tmp.file("real") + "'"));
  CHECK(fs::exists(tmp.file("real/a.crt")));
  if (::geteuid() != 0) return;
  // The same link owned by another (non-root) user, who could repoint it: refused.
  REQUIRE(::lchown(tmp.file("link").c_str(), 65534, 65534) == 0);
  r = run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), tmp.file("mx.csr"), "-o", tmp.file("link/b.crt")});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "owned by another user (uid 65534)"));
  CHECK(!fs::exists(tmp.file("real/b.crt")));
  // An output directory that belongs to another non-root user: written, with a warning.
  fs::create_directories(tmp.file("theirs"));
  REQUIRE(::chown(tmp.file("theirs").c_str(), 65534, 65534) == 0);
  r = run_mtlscert({"ca", "sign", "--dir", tmp.file("ca"), tmp.file("mx.csr"), "-o", tmp.file("theirs/c.crt")});
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "directory '" + tmp.file("theirs") + "' belongs to another user (uid 65534)"));
}
