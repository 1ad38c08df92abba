// The Exim reader: macros, conditionals, includes, the end of the main section, and
// Debian's split configuration (conf.d/main files in name order).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "core/error.h"
#include "exim/config.h"
#include "tempdir.h"

using namespace mtlscert;
using namespace mtlscert::test;

TEST_CASE("exim config: main-section options, macros and continuation lines") {
  TempDir dir;
  const std::string inc = dir.write("tls.conf", "tls_privatekey = TLSDIR/server.key\n");
  const std::string conf = dir.write("exim.conf",
                                     "# comment\n"
                                     "TLSDIR = /etc/exim4/tls\n"
                                     "primary_hostname = smtp.test.example\n"
                                     "tls_certificate = TLSDIR/\\\n"
                                     "    server.crt\n"
                                     ".include " +
                                         inc +
                                         "\n"
                                         ".ifdef NOT_DEFINED\n"
                                         "tls_verify_certificates = /wrong\n"
                                         ".else\n"
                                         "tls_verify_certificates = TLSDIR/ca.crt\n"
                                         ".endif\n"
                                         "begin acl\n"
                                         "tls_crl = /after/begin\n");
  EximConfig c = read_exim_config(conf);
  CHECK(c.tls.certificate == "/etc/exim4/tls/server.crt");
  CHECK(c.tls.privatekey == "/etc/exim4/tls/server.key");
  CHECK(c.tls.verify_certificates == "/etc/exim4/tls/ca.crt");
  CHECK(c.tls.crl.empty());
  CHECK(c.any_tls_option);
  CHECK(c.files_read == std::vector<std::string>{conf, inc});
}

TEST_CASE("exim config: Debian's split configuration with an mtlscert fragment") {
  TempDir dir;
  const std::string main = dir.file("conf.d/main");
  REQUIRE(::mkdir(dir.file("conf.d").c_str(), 0755) == 0);
  REQUIRE(::mkdir(main.c_str(), 0755) == 0);
  dir.write("conf.d/main/00_mtlscert_tls",
            "MAIN_TLS_ENABLE = yes\nMAIN_TLS_CERTIFICATE = /etc/exim4/tls/server.crt\n"
            "MAIN_TLS_PRIVATEKEY = /etc/exim4/tls/server.key\nMAIN_TLS_TRY_VERIFY_HOSTS = *\n");
  // The shape of Debian's 03_exim4-config_tlsoptions.
  dir.write("conf.d/main/03_exim4-config_tlsoptions",
            ".ifdef MAIN_TLS_ENABLE\n.ifndef MAIN_TLS_CERTIFICATE\nMAIN_TLS_CERTIFICATE = CONFDIR/exim.crt\n.endif\n"
            "tls_certificate = MAIN_TLS_CERTIFICATE\n.ifndef MAIN_TLS_PRIVATEKEY\nMAIN_TLS_PRIVATEKEY = "
            "CONFDIR/exim.key\n.endif\ntls_privatekey = MAIN_TLS_PRIVATEKEY\n.ifndef MAIN_TLS_VERIFY_CERTIFICATES\n"
            "MAIN_TLS_VERIFY_CERTIFICATES = CONFDIR/ca.crt\n.endif\n"
            "tls_verify_certificates = MAIN_TLS_VERIFY_CERTIFICATES\n.ifdef MAIN_TLS_TRY_VERIFY_HOSTS\n"
            "tls_try_verify_hosts = MAIN_TLS_TRY_VERIFY_HOSTS\n.endif\n.endif\n");
  dir.write("conf.d/main/03_exim4-config_tlsoptions.dpkg-old", "tls_certificate = /ignored\n");
  EximConfig c = read_exim_config(dir.path());
  CHECK(c.split);
  CHECK(c.tls.certificate == "/etc/exim4/tls/server.crt");
  CHECK(c.tls.privatekey == "/etc/exim4/tls/server.key");
  CHECK(c.tls.verify_certificates == "/etc/exim4/ca.crt");
  CHECK(c.tls.try_verify_hosts == "*");
  CHECK(c.files_read.size() == 2);
  CHECK(is_exim_split_dir(dir.path()));
  CHECK(is_exim_split_dir(main));
  CHECK_THROWS_AS(read_exim_config(dir.file("conf.d")), Error);
}
