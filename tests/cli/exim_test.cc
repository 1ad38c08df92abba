// --mta exim: init, emit, access and doctor against the built binary, checked with the
// openssl CLI and the file system (the real daemon: tests/scripts/init_exim.sh).
#include <doctest/doctest.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

namespace {
bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }
const std::string kHost = "smtp.example.org";

// init --mta exim in a directory Debian-exim can enter (a 0700 temp dir would hide the key).
std::string exim_init(const TempDir& tmp) {
  ::chmod(tmp.path().c_str(), 0755);
  const std::string dir = tmp.file("tls");
  auto r = run_mtlscert({"init", kHost, "--mta", "exim", "--dir", dir, "--ca", "private", "--type", "ecdsa"});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "Pre-flight: Exim will accept these files"));
  return dir;
}
}  // namespace

TEST_CASE("init --mta exim: a root:Debian-exim 0640 key and the MAIN_TLS_ macro fragment") {
  if (::getgrnam("Debian-exim") == nullptr) return;  // scripts/install-deps.sh creates it
  TempDir tmp;
  const std::string dir = exim_init(tmp);
  struct stat st {};
  REQUIRE(::stat((dir + "/" + kHost + ".key").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(st.st_gid == ::getgrnam("Debian-exim")->gr_gid);
  const std::string frag = slurp(dir + "/mtlscert-exim.conf");
  CHECK(has(frag, "MAIN_TLS_ENABLE = yes\n"));
  CHECK(has(frag, "MAIN_TLS_PRIVATEKEY = " + dir + "/" + kHost + ".key\n"));
  CHECK(has(frag, "MAIN_TLS_VERIFY_CERTIFICATES = " + dir + "/cacert.pem\n"));
}

TEST_CASE("emit --mta exim: the macros, or exit 1 with the line Exim would log") {
  if (::getgrnam("Debian-exim") == nullptr) return;
  TempDir tmp;
  const std::string dir = exim_init(tmp);
  const std::string cert = dir + "/" + kHost + ".crt", key = dir + "/" + kHost + ".key";
  // emit's --cacert-path is required by the shared flags; Exim has no hashed CA directory and ignores it.
  auto r = run_mtlscert({"emit", "--mta", "exim", "--server-cert", cert, "--server-key", key, "--cacert",
                         dir + "/cacert.pem", "--cacert-path", dir + "/certs", "--host", kHost});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "MAIN_TLS_CERTIFICATE = " + cert + "\n"));
  CHECK(has(r.out, "#   tls_certificate = " + cert + "\n"));
  ::chmod(key.c_str(), 0600);
  REQUIRE(::chown(key.c_str(), 0, 0) == 0);
  auto bad = run_mtlscert({"emit", "--mta", "exim", "--server-cert", cert, "--server-key", key, "--cacert",
                           dir + "/cacert.pem", "--cacert-path", dir + "/certs"});
  CHECK(bad.exit_code == 1);
  CHECK(has(bad.out + bad.err, "key-unreadable-by-exim"));
  CHECK(has(bad.out + bad.err, "Error while reading file."));
}

TEST_CASE("access --mta exim pins the SHA-256 the openssl CLI computes") {
  if (::getgrnam("Debian-exim") == nullptr) return;
  TempDir tmp;
  const std::string dir = exim_init(tmp);
  auto fp = openssl({"x509", "-in", dir + "/" + kHost + ".crt", "-noout", "-fingerprint", "-sha256"});
  std::string hex;
  for (char c : fp.out.substr(fp.out.find('=') + 1))
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
  auto r = run_mtlscert({"access", "--mta", "exim", "--client", dir + "/" + kHost + ".crt"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "${if inlist{${sha256:$tls_in_peercert}}{" + hex + "}}"));
}

TEST_CASE("doctor recognises a Debian split Exim configuration and names Exim") {
  if (::getgrnam("Debian-exim") == nullptr) return;
  TempDir tmp;
  const std::string dir = exim_init(tmp);
  const std::string etc = tmp.file("exim4");
  ::mkdir(etc.c_str(), 0755);
  ::mkdir((etc + "/conf.d").c_str(), 0755);
  ::mkdir((etc + "/conf.d/main").c_str(), 0755);
  tmp.write("exim4/conf.d/main/00_mtlscert_tls", slurp(dir + "/mtlscert-exim.conf"));
  tmp.write("exim4/conf.d/main/03_exim4-config_tlsoptions",
            ".ifdef MAIN_TLS_ENABLE\ntls_certificate = MAIN_TLS_CERTIFICATE\ntls_privatekey = MAIN_TLS_PRIVATEKEY\n"
            "tls_verify_certificates = MAIN_TLS_VERIFY_CERTIFICATES\ntls_try_verify_hosts = MAIN_TLS_TRY_VERIFY_HOSTS\n"
            ".endif\n");
  auto r = run_mtlscert({"doctor", etc});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "(exim, Debian split configuration"));
  tmp.write("exim4/conf.d/main/00_mtlscert_tls", "MAIN_TLS_ENABLE = yes\nMAIN_TLS_CERTIFICATE = " + dir + "/" + kHost +
                                                     ".crt\nMAIN_TLS_PRIVATEKEY = " + dir + "/" + kHost +
                                                     ".key\nMAIN_TLS_VERIFY_CERTIFICATES = " + dir +
                                                     "/missing.pem\nMAIN_TLS_TRY_VERIFY_HOSTS = *\n");
  auto j = run_mtlscert({"doctor", "--json", etc});
  CHECK(j.exit_code == 1);
  CHECK(has(j.out, "\"file-missing\""));
  CHECK(has(j.out, "(tls_verify_certificates): No such file or directory"));
}

TEST_CASE("emit --mta exim --exim-style plain: main-section lines, no Debian macro") {
  if (::getgrnam("Debian-exim") == nullptr) return;
  TempDir tmp;
  const std::string dir = exim_init(tmp);
  const std::string cert = dir + "/" + kHost + ".crt", key = dir + "/" + kHost + ".key";
  const std::vector<std::string> base{"emit",         "--mta", "exim",     "--server-cert",     cert,
                                      "--server-key", key,     "--cacert", dir + "/cacert.pem", "--cacert-path",
                                      dir + "/certs"};
  auto args = base;
  args.insert(args.end(), {"--exim-style", "plain"});
  auto r = run_mtlscert(args);
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "\ntls_certificate = " + cert + "\n"));
  CHECK(has(r.out, "\ntls_privatekey = " + key + "\n"));
  CHECK(has(r.out, "\ntls_verify_certificates = " + dir + "/cacert.pem\n"));
  CHECK_FALSE(has(r.out, "MAIN_TLS_"));
  // -o FILE: the same lines, and the next step names exim.conf, not Debian's conf.d.
  args.insert(args.end(), {"-o", tmp.file("exim-tls.conf")});
  auto w = run_mtlscert(args);
  CHECK(w.exit_code == 0);
  CHECK(slurp(tmp.file("exim-tls.conf")) == r.out);
  CHECK(has(w.out, "main section of exim.conf"));
  // The default stays Debian's macros; another MTA refuses the flag; an unknown style is a usage error.
  args = base;
  args.insert(args.end(), {"--exim-style", "debian"});
  CHECK(has(run_mtlscert(args).out, "MAIN_TLS_CERTIFICATE = " + cert + "\n"));
  args = base;
  args[2] = "sendmail";
  args.insert(args.end(), {"--exim-style", "plain"});
  auto other = run_mtlscert(args);
  CHECK(other.exit_code == 2);
  CHECK(has(other.err, "--exim-style plain is for --mta exim, not --mta sendmail"));
  args = base;
  args.insert(args.end(), {"--exim-style", "gentoo"});
  CHECK(run_mtlscert(args).exit_code == 2);
}
