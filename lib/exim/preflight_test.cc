// One test per Exim pre-flight rule: a good configuration broken one way gives exactly that
// code, level and the line Exim 4.96 logs (measured with tests/scripts/lib/exim_harness.sh).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "exim/acl.h"
#include "exim/emit.h"
#include "exim/preflight.h"
#include "pki.h"
#include "pki/cert_info.h"
#include "smtp/received.h"
#include "tempdir.h"

using namespace mtlscert;
using namespace mtlscert::test;

namespace {

const char* kHost = "smtp.test.example";
constexpr uid_t kEximUid = 4242;
constexpr gid_t kEximGid = 4243;

struct Fixture {
  TempDir dir;
  Issued ca = make_cert({.cn = "Fixture CA", .pathlen = 0});
  Issued leaf = make_cert({.cn = kHost, .ca = false, .dns = {kHost}, .eku = "serverAuth,clientAuth"}, &ca);
  Issued other = make_cert({.cn = "other", .ca = false, .dns = {"other.example"}}, &ca);
  std::string cert, key, cafile;

  Fixture() {
    ::chmod(dir.path().c_str(), 0755);
    cert = dir.write("server.crt", leaf.cert_pem());
    key = dir.write("server.key", leaf.key_pem(), 0640);
    REQUIRE(::chown(key.c_str(), 0, kEximGid) == 0);
    cafile = dir.write("ca.crt", ca.cert_pem());
  }

  EximTls tls() const {
    EximTls t;
    t.certificate = cert;
    t.privatekey = key;
    t.verify_certificates = cafile;
    t.try_verify_hosts = "*";
    return t;
  }
};

EximPreflightContext context() {
  EximPreflightContext c;
  c.host = kHost;
  c.now = std::time(nullptr);
  c.identity = EximIdentity{.user = "Debian-exim", .uid = kEximUid, .gid = kEximGid, .groups = {}};
  return c;
}

std::vector<std::string> codes(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs)
    if (f.level != Level::Notice) out.push_back(f.code);
  return out;
}

const Finding& only(const std::vector<Finding>& fs, const std::string& code) {
  REQUIRE(codes(fs) == std::vector<std::string>{code});
  for (const auto& f : fs)
    if (f.code == code) return f;
  FAIL("unreachable");
  return fs.front();
}

}  // namespace

TEST_CASE("exim preflight: root:Debian-exim 0640 key, CA file and host are healthy") {
  Fixture fx;
  CHECK(codes(preflight_exim_tls(fx.tls(), context())).empty());
}

TEST_CASE("exim preflight: a root 0600 key is unreadable by Debian-exim, with Exim's log line") {
  Fixture fx;
  REQUIRE(::chown(fx.key.c_str(), 0, 0) == 0);
  REQUIRE(::chmod(fx.key.c_str(), 0600) == 0);
  const auto fs1 = preflight_exim_tls(fx.tls(), context());
  const Finding& f = only(fs1, "key-unreadable-by-exim");
  CHECK(f.level == Level::Error);
  CHECK(f.sendmail_log == "TLS error on connection from ... (cert/key setup: cert=" + fx.cert + " key=" + fx.key +
                              "): Error while reading file.");
  CHECK(f.hint.find("chown root:Debian-exim") != std::string::npos);
}

TEST_CASE("exim preflight: a key readable by another group is key-group-readable") {
  Fixture fx;
  REQUIRE(::chown(fx.key.c_str(), kEximUid, 4999) == 0);  // Exim reads it as owner; group 4999 too
  CHECK(only(preflight_exim_tls(fx.tls(), context()), "key-group-readable").level == Level::Error);
}

TEST_CASE("exim preflight: a world-readable key") {
  Fixture fx;
  REQUIRE(::chmod(fx.key.c_str(), 0644) == 0);
  CHECK(only(preflight_exim_tls(fx.tls(), context()), "key-world-readable").level == Level::Error);
}

TEST_CASE("exim preflight: a missing CA file, with Exim's log line") {
  Fixture fx;
  EximTls t = fx.tls();
  t.verify_certificates = fx.dir.file("missing.crt");
  const auto fs2 = preflight_exim_tls(t, context());
  const Finding& f = only(fs2, "file-missing");
  CHECK(f.sendmail_log ==
        "could not stat '" + t.verify_certificates + "' (tls_verify_certificates): No such file or directory");
}

TEST_CASE("exim preflight: a key that does not match the certificate") {
  Fixture fx;
  EximTls t = fx.tls();
  t.privatekey = fx.dir.write("other.key", fx.other.key_pem(), 0640);
  REQUIRE(::chown(t.privatekey.c_str(), 0, kEximGid) == 0);
  const auto fs3 = preflight_exim_tls(t, context());
  const Finding& f = only(fs3, "key-mismatch");
  CHECK(f.sendmail_log.find("The certificate and the given key do not match.") != std::string::npos);
}

TEST_CASE("exim preflight: no tls_certificate, an empty advertise list, a host mismatch") {
  Fixture fx;
  EximTls t = fx.tls();
  t.certificate.clear();
  t.privatekey.clear();
  CHECK(only(preflight_exim_tls(t, context()), "option-missing").level == Level::Error);
  t = fx.tls();
  t.advertise_hosts_set = true;
  CHECK(only(preflight_exim_tls(t, context()), "starttls-not-advertised").level == Level::Error);
  EximPreflightContext c = context();
  c.host = "mx.elsewhere.example";
  CHECK(only(preflight_exim_tls(fx.tls(), c), "host-mismatch").level == Level::Error);
}

TEST_CASE("exim preflight: the system bundle as client CA list is judged by the CA-list budget") {
  Fixture fx;
  EximTls t = fx.tls();
  t.verify_certificates = "system";
  EximPreflightContext c = context();
  std::string many;
  for (int i = 0; i < 120; ++i) many += make_cert({.cn = "Public Root CA number " + std::to_string(i)}).cert_pem();
  c.system_bundle = fx.dir.write("system.crt", many);
  const auto fs = preflight_exim_tls(t, c);
  CHECK(codes(fs) == std::vector<std::string>{"cacert-system-bundle"});
  REQUIRE(fs.size() == 2);
  CHECK(fs[1].code == "ca-list-notice");
}

TEST_CASE("exim preflight: no client certificate asked for is a notice only") {
  Fixture fx;
  EximTls t = fx.tls();
  t.try_verify_hosts.clear();
  const auto fs = preflight_exim_tls(t, context());
  CHECK(codes(fs).empty());
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].code == "client-cert-not-requested");
}

TEST_CASE("exim emit: Debian macros and plain main-section lines") {
  EximEmitRequest r{.server_cert = "/etc/exim4/tls/server.crt",
                    .server_key = "/etc/exim4/tls/server.key",
                    .cacert = "/etc/exim4/tls/ca.crt"};
  const std::string debian = exim_emit_text(r);
  CHECK(debian.find("MAIN_TLS_ENABLE = yes\n") != std::string::npos);
  CHECK(debian.find("MAIN_TLS_CERTIFICATE = /etc/exim4/tls/server.crt\n") != std::string::npos);
  CHECK(debian.find("MAIN_TLS_VERIFY_CERTIFICATES = /etc/exim4/tls/ca.crt\n") != std::string::npos);
  CHECK(debian.find("MAIN_TLS_TRY_VERIFY_HOSTS = *\n") != std::string::npos);
  // The client side for Debian's remote_smtp transports, and a Received: header that says
  // whether the client certificate verified, in the form `received` reads.
  CHECK(debian.find("REMOTE_SMTP_TLS_CERTIFICATE = /etc/exim4/tls/server.crt\n") != std::string::npos);
  CHECK(debian.find("REMOTE_SMTP_PRIVATEKEY = /etc/exim4/tls/server.key\n") != std::string::npos);
  CHECK(debian.find("\nreceived_header_text = Received: ") != std::string::npos);
  CHECK(debian.find("X=$tls_in_cipher CV=${if eq{$tls_in_certificate_verified}{1}{yes}{no}}") != std::string::npos);
  const ReceivedHop hop = parse_received_header(
      "from laptop ([127.0.0.1]) by smtp.test.example with esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes "
      "(Exim 4.96) id 1tX");
  CHECK(hop.mta == "exim");
  CHECK(hop.verify == "OK");
  r.debian = false;
  r.require_client_cert = true;
  const std::string plain = exim_emit_text(r);
  CHECK(plain.find("tls_privatekey = /etc/exim4/tls/server.key\n") != std::string::npos);
  CHECK(plain.find("tls_verify_hosts = *\n") != std::string::npos);
  CHECK(plain.find("MAIN_") == std::string::npos);
  r.server_key = "relative.key";
  CHECK_THROWS_AS(exim_emit_text(r), Error);
  r.server_key = "/etc/exim4/${lookup}.key";
  CHECK_THROWS_AS(exim_emit_text(r), Error);
}

TEST_CASE("exim acl: client certificates pinned by Exim's fingerprint form") {
  Fixture fx;
  const std::string client = fx.dir.write("client.crt", fx.other.cert_pem());
  EximAclResult r = make_exim_acl({.client_files = {client, client}});
  REQUIRE(r.fingerprints.size() == 1);
  CHECK(r.fingerprints[0].size() == 64);
  CHECK(r.fingerprints[0].find(':') == std::string::npos);
  const std::string text = exim_acl_text(r);
  CHECK(text.find("condition = ${if eq{$tls_in_certificate_verified}{1}}") != std::string::npos);
  CHECK(text.find("condition = ${if inlist{${sha256:$tls_in_peercert}}{" + r.fingerprints[0] + "}}") !=
        std::string::npos);
  CHECK_THROWS_AS(make_exim_acl({.ca_files = {client}}), Error);  // not a CA
}

TEST_CASE("exim preflight: GnuTLS's CA list keeps duplicate subjects (OpenSSL's drops them)") {
  Fixture fx;
  EximTls t = fx.tls();
  std::string many;
  for (int i = 0; i < 60; ++i) many += make_cert({.cn = "Public Root CA number " + std::to_string(i)}).cert_pem();
  // 60 distinct names (about 2,400 bytes) twice: above 4,096 only when duplicates count.
  t.verify_certificates = fx.dir.write("doubled.crt", many + many);
  const auto fs = preflight_exim_tls(t, context());
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].code == "ca-list-notice");
  CHECK(fs[0].message.find("120 names") != std::string::npos);
}
