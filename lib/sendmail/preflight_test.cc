// One test per pre-flight rule: a good configuration, broken in exactly one way, must
// produce the finding (code, level) and the exact line sendmail logs for it (measured
// against Debian 12's sendmail 8.17.1.9 with tests/scripts/lib/sendmail_harness.sh).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "pki.h"
#include "pki/cert_info.h"
#include "process.h"
#include "sendmail/file_safety.h"
#include "sendmail/preflight.h"
#include "tempdir.h"

using namespace mtlscert;
using namespace mtlscert::test;

namespace {

const char* kHost = "smtp.test.example";

struct Fixture {
  TempDir dir;
  Issued ca = make_cert({.cn = "Fixture CA", .pathlen = 0});
  Issued leaf = make_cert({.cn = kHost, .ca = false, .dns = {kHost}, .eku = "serverAuth,clientAuth"}, &ca);
  std::string cert, key, cafile, capath;

  Fixture() {
    cert = dir.write("server.crt", leaf.cert_pem());
    key = dir.write("server.key", leaf.key_pem(), 0600);
    cafile = dir.write("ca.crt", ca.cert_pem());
    capath = dir.file("capath");
    ::mkdir(capath.c_str(), 0755);
  }

  SendmailTls tls() const {
    SendmailTls t;
    t.server_cert_file = cert;
    t.server_key_file = key;
    t.client_cert_file = cert;
    t.client_key_file = key;
    t.ca_cert_file = cafile;
    t.ca_cert_path = capath;
    t.dont_blame_sendmail = debian_mta_dont_blame_flags();  // TMPDIR may be the sticky /tmp
    return t;
  }
};

PreflightContext context(std::time_t now = std::time(nullptr)) {
  PreflightContext c;
  c.host = kHost;
  c.now = now;
  return c;
}

const Finding* find(const std::vector<Finding>& fs, const std::string& code) {
  for (const auto& f : fs) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

std::string codes(const std::vector<Finding>& fs) {
  std::string s;
  for (const auto& f : fs) s += f.code + "(" + std::string(level_name(f.level)) + ") ";
  return s;
}

// expect: exactly this finding (code, level, log line) among the findings.
void expect(const std::vector<Finding>& fs, const std::string& code, Level level, const std::string& log = {}) {
  CAPTURE(codes(fs));
  const Finding* f = find(fs, code);
  REQUIRE(f != nullptr);
  CHECK(f->level == level);
  CHECK(f->sendmail_log == log);
  CHECK(!f->message.empty());
}

}  // namespace

TEST_CASE("preflight: a good configuration has no finding") {
  Fixture fx;
  auto fs = preflight_sendmail_tls(fx.tls(), context());
  CAPTURE(codes(fs));
  CHECK(fs.empty());
}

TEST_CASE("preflight: each of the four required options missing or relative") {
  Fixture fx;
  struct Row {
    void (*breaks)(SendmailTls&);
    const char* code;
    const char* log;
  };
  const Row rows[] = {
      {[](SendmailTls& t) { t.server_cert_file.clear(); }, "option-missing", "STARTTLS: ServerCertFile missing"},
      {[](SendmailTls& t) { t.server_key_file.clear(); }, "option-missing", "STARTTLS: ServerKeyFile missing"},
      {[](SendmailTls& t) { t.ca_cert_file.clear(); }, "option-missing", "STARTTLS: CACertFile missing"},
      {[](SendmailTls& t) { t.ca_cert_path.clear(); }, "option-missing", "STARTTLS: CACertPath missing"},
      {[](SendmailTls& t) { t.server_cert_file = "server.crt"; }, "option-relative",
       "STARTTLS: ServerCertFile missing"},
      {[](SendmailTls& t) { t.ca_cert_path = "capath"; }, "option-relative", "STARTTLS: CACertPath missing"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.log);
    SendmailTls t = fx.tls();
    row.breaks(t);
    expect(preflight_sendmail_tls(t, context()), row.code, Level::Error, row.log);
  }
}

TEST_CASE("preflight: sendmail's file-safety rules, with the exact unsafe: line") {
  struct Row {
    const char* code;
    const char* reason;
    bool on_key;
    unsigned mode;
  };
  const Row rows[] = {
      {"file-group-writable", "Group writable file", false, 0664},
      {"file-world-writable", "World writable file", false, 0646},
      {"key-group-readable", "Group readable file", true, 0640},
      {"file-group-writable", "Group writable file", true, 0660},
  };
  for (const auto& row : rows) {
    CAPTURE(row.reason);
    Fixture fx;
    std::string path = row.on_key ? fx.key : fx.cert;
    ::chmod(path.c_str(), row.mode);
    expect(preflight_sendmail_tls(fx.tls(), context()), row.code, Level::Error,
           "STARTTLS=server: file " + path + " unsafe: " + row.reason);
  }
}

TEST_CASE("preflight: a world-readable key is refused even with GroupReadableKeyFile") {
  Fixture fx;
  ::chmod(fx.key.c_str(), 0644);
  SendmailTls t = fx.tls();
  t.dont_blame_sendmail.push_back("GroupReadableKeyFile");
  expect(preflight_sendmail_tls(t, context()), "key-world-readable", Level::Error,
         "STARTTLS=server: file " + fx.key + " unsafe: World readable file");
  ::chmod(fx.key.c_str(), 0640);
  CHECK(find(preflight_sendmail_tls(t, context()), "key-group-readable") == nullptr);
}

TEST_CASE("preflight: missing file, directory instead of file, wrong owner") {
  Fixture fx;
  SendmailTls t = fx.tls();
  t.server_cert_file = fx.dir.file("nope.crt");
  expect(preflight_sendmail_tls(t, context()), "file-missing", Level::Error,
         "STARTTLS=server: file " + t.server_cert_file + " unsafe: No such file or directory");
  t = fx.tls();
  t.server_cert_file = fx.capath;
  expect(preflight_sendmail_tls(t, context()), "file-not-regular", Level::Error,
         "STARTTLS=server: file " + fx.capath + " unsafe: Regular files only");
  if (::geteuid() == 0) {
    REQUIRE(::chown(fx.cert.c_str(), 65534, static_cast<gid_t>(-1)) == 0);
    expect(preflight_sendmail_tls(fx.tls(), context()), "file-owner", Level::Error,
           "STARTTLS=server: file " + fx.cert + " unsafe: Permission denied");
  }
}

TEST_CASE("preflight: group- and world-writable directories on the path") {
  Fixture fx;
  std::string sub = fx.dir.file("sub");
  ::mkdir(sub.c_str(), 0755);
  std::string cert = fx.dir.write("sub/server.crt", fx.leaf.cert_pem());
  SendmailTls t = fx.tls();
  t.server_cert_file = cert;
  ::chmod(sub.c_str(), 0775);
  expect(preflight_sendmail_tls(t, context()), "dir-group-writable", Level::Error,
         "STARTTLS=server: file " + cert + " unsafe: Group writable directory");
  ::chmod(sub.c_str(), 0757);
  expect(preflight_sendmail_tls(t, context()), "dir-world-writable", Level::Error,
         "STARTTLS=server: file " + cert + " unsafe: World writable directory");
  ::chmod(sub.c_str(), 01777);  // sticky: trusted with Debian's TrustStickyBit (measured)
  CHECK(find(preflight_sendmail_tls(t, context()), "dir-world-writable") == nullptr);
}

TEST_CASE("preflight: key encrypted, unreadable, or not the certificate's") {
  Fixture fx;
  auto r = openssl({"pkey", "-in", fx.key, "-aes128", "-passout", "pass:x", "-out", fx.dir.file("enc.key")});
  REQUIRE(r.exit_code == 0);
  ::chmod(fx.dir.file("enc.key").c_str(), 0600);
  SendmailTls t = fx.tls();
  t.server_key_file = fx.dir.file("enc.key");
  expect(preflight_sendmail_tls(t, context()), "key-encrypted", Level::Error,
         "STARTTLS=server, error: SSL_CTX_use_PrivateKey_file(" + t.server_key_file + ") failed");

  t.server_key_file = fx.dir.write("garbage.key", "not a key\n", 0600);
  expect(preflight_sendmail_tls(t, context()), "key-unreadable", Level::Error,
         "STARTTLS=server, error: SSL_CTX_use_PrivateKey_file(" + t.server_key_file + ") failed");

  Issued other = make_cert({.cn = "other", .ca = false}, &fx.ca);
  t.server_key_file = fx.dir.write("other.key", other.key_pem(), 0600);
  expect(preflight_sendmail_tls(t, context()), "key-mismatch", Level::Error,
         "STARTTLS=server, error: SSL_CTX_check_private_key failed(" + t.server_key_file + "): 0");
}

TEST_CASE("preflight: a second (ECDSA) pair that fails is only a warning, as in sendmail") {
  Fixture fx;
  Issued other = make_cert({.cn = kHost, .ca = false, .dns = {kHost}}, &fx.ca);
  SendmailTls t = fx.tls();
  t.server_cert_file = fx.cert + "," + fx.dir.write("ec.crt", other.cert_pem());
  t.server_key_file = fx.key + "," + fx.key;  // wrong key for the second certificate
  expect(preflight_sendmail_tls(t, context()), "key-mismatch", Level::Warn);
}

TEST_CASE("preflight: unreadable certificate, empty or odd CA file, missing CACertPath") {
  Fixture fx;
  SendmailTls t = fx.tls();
  t.server_cert_file = fx.dir.write("garbage.crt", "garbage\n");
  expect(preflight_sendmail_tls(t, context()), "cert-unreadable", Level::Error);

  t = fx.tls();
  t.ca_cert_file = fx.dir.write("empty.pem", "garbage\n");
  expect(preflight_sendmail_tls(t, context()), "cacert-empty", Level::Error,
         "STARTTLS=server, error: load verify locs " + fx.capath + ", " + t.ca_cert_file + " failed: 0");

  t = fx.tls();
  t.ca_cert_file = fx.dir.write("mixed.pem", fx.ca.cert_pem() + fx.leaf.cert_pem());
  expect(preflight_sendmail_tls(t, context()), "cacert-not-ca", Level::Notice);

  t = fx.tls();
  t.ca_cert_path = fx.dir.file("no-such-dir");
  expect(preflight_sendmail_tls(t, context()), "cacert-path-missing", Level::Warn);
}

TEST_CASE("preflight: validity of the server certificate") {
  Fixture fx;
  struct Row {
    const char* not_before;
    const char* not_after;
    const char* code;
    Level level;
  };
  const Row rows[] = {
      {"20000101000000Z", "20010101000000Z", "cert-expired", Level::Error},
      {"20990101000000Z", "21000101000000Z", "cert-not-yet-valid", Level::Error},
  };
  for (const auto& row : rows) {
    CAPTURE(row.code);
    Issued leaf = make_cert({.cn = kHost,
                             .ca = false,
                             .dns = {kHost},
                             .eku = "serverAuth",
                             .not_before = row.not_before,
                             .not_after = row.not_after},
                            &fx.ca);
    fx.dir.write("server.crt", leaf.cert_pem());
    fx.dir.write("server.key", leaf.key_pem(), 0600);
    auto fs = preflight_sendmail_tls(fx.tls(), context());
    expect(fs, row.code, row.level);
    CHECK(find(fs, "server-chain") == nullptr);  // said once, not twice
  }
  Fixture soon;
  std::time_t near_end = static_cast<std::time_t>(parse_date("2100-01-01")) - 10 * 86400;
  expect(preflight_sendmail_tls(soon.tls(), context(near_end)), "cert-expires-soon", Level::Warn);
}

TEST_CASE("preflight: host name in SAN and CN") {
  Fixture fx;
  PreflightContext c = context();
  c.host = "mx.other.example";
  auto fs = preflight_sendmail_tls(fx.tls(), c);
  expect(fs, "host-mismatch", Level::Error);
  expect(fs, "cn-mismatch", Level::Warn);

  Issued no_cn = make_cert({.cn = "", .ca = false, .dns = {kHost}, .eku = "serverAuth"}, &fx.ca);
  fx.dir.write("server.crt", no_cn.cert_pem());
  fx.dir.write("server.key", no_cn.key_pem(), 0600);
  fs = preflight_sendmail_tls(fx.tls(), context());
  expect(fs, "cert-no-cn", Level::Warn);
  CHECK(find(fs, "host-mismatch") == nullptr);
}

TEST_CASE("preflight: the chain must verify from CACertFile + CACertPath, intermediate included") {
  Fixture fx;
  Issued stranger = make_cert({.cn = "Some Other CA"});
  SendmailTls t = fx.tls();
  t.ca_cert_file = fx.dir.write("other-ca.crt", stranger.cert_pem());
  expect(preflight_sendmail_tls(t, context()), "server-chain", Level::Error);

  // leaf <- intermediate <- root; the intermediate only in ServerCertFile: Debian's sendmail
  // sends only the first certificate, so peers cannot build the chain.
  Issued root = make_cert({.cn = "Root CA"});  // no pathlen: it may have an intermediate
  Issued inter = make_cert({.cn = "Intermediate", .pathlen = 0}, &root);
  Issued leaf = make_cert({.cn = kHost, .ca = false, .dns = {kHost}, .eku = "serverAuth,clientAuth"}, &inter);
  t = fx.tls();
  t.ca_cert_file = fx.dir.write("root.crt", root.cert_pem());
  t.server_cert_file = t.client_cert_file = fx.dir.write("full.crt", leaf.cert_pem() + inter.cert_pem());
  t.server_key_file = t.client_key_file = fx.dir.write("full.key", leaf.key_pem(), 0600);
  auto fs = preflight_sendmail_tls(t, context());
  expect(fs, "server-chain", Level::Error);
  CHECK(find(fs, "server-chain")->hint.find("sends only the first certificate") != std::string::npos);
  t.ca_cert_file = fx.dir.write("root+inter.crt", root.cert_pem() + inter.cert_pem());
  CHECK(find(preflight_sendmail_tls(t, context()), "server-chain") == nullptr);
}

TEST_CASE("preflight: a client certificate without clientAuth means verify=FAIL at peers") {
  Fixture fx;
  Issued server_only = make_cert({.cn = kHost, .ca = false, .dns = {kHost}, .eku = "serverAuth"}, &fx.ca);
  fx.dir.write("server.crt", server_only.cert_pem());
  fx.dir.write("server.key", server_only.key_pem(), 0600);
  auto fs = preflight_sendmail_tls(fx.tls(), context());
  expect(fs, "client-eku", Level::Warn);
  CHECK(find(fs, "client-eku")->message.find("verify=FAIL") != std::string::npos);

  // A clientAuth leaf under a serverAuth-only intermediate fails at depth 1.
  Issued root = make_cert({.cn = "Root CA"});
  Issued inter = make_cert({.cn = "Server-only intermediate", .pathlen = 0, .eku = "serverAuth"}, &root);
  Issued client = make_cert({.cn = "client", .ca = false, .dns = {"client.test.example"}, .eku = "clientAuth"}, &inter);
  Fixture fx2;
  SendmailTls t = fx2.tls();
  t.client_cert_file = fx2.dir.write("client.crt", client.cert_pem() + inter.cert_pem());
  t.client_key_file = fx2.dir.write("client.key", client.key_pem(), 0600);
  t.ca_cert_file = fx2.dir.write("roots.crt", fx2.ca.cert_pem() + root.cert_pem());
  fs = preflight_sendmail_tls(t, context());
  expect(fs, "client-eku", Level::Warn);
  CHECK(find(fs, "client-eku")->message.find("depth 1") != std::string::npos);

  Issued stranger_ca = make_cert({.cn = "Stranger CA"});
  Issued stranger = make_cert({.cn = "c", .ca = false, .dns = {"c.test.example"}, .eku = "clientAuth"}, &stranger_ca);
  t = fx2.tls();
  t.client_cert_file = fx2.dir.write("s.crt", stranger.cert_pem());
  t.client_key_file = fx2.dir.write("s.key", stranger.key_pem(), 0600);
  expect(preflight_sendmail_tls(t, context()), "client-chain", Level::Warn);
  ::chmod(t.client_key_file.c_str(), 0640);
  expect(preflight_sendmail_tls(t, context()), "key-group-readable", Level::Warn,
         "STARTTLS=client: file " + t.client_key_file + " unsafe: Group readable file");
}

TEST_CASE("preflight: CRL and DH parameter files") {
  Fixture fx;
  SendmailTls t = fx.tls();
  t.crl_file = fx.dir.write("crl.pem", "garbage\n");
  expect(preflight_sendmail_tls(t, context()), "crl-unreadable", Level::Warn,
         "STARTTLS=server, error: PEM_read_bio_X509_CRL(" + t.crl_file + ")=failed");
  t.crl_file = fx.dir.file("missing.crl");
  expect(preflight_sendmail_tls(t, context()), "file-missing", Level::Error,
         "STARTTLS=server: file " + t.crl_file + " unsafe: No such file or directory");
  t = fx.tls();
  t.dh_parameters = fx.dir.write("dh.pem", "garbage\n");
  expect(preflight_sendmail_tls(t, context()), "dh-unreadable", Level::Warn,
         "STARTTLS=server, error: cannot read DH parameters(" + t.dh_parameters + ")");
  t.dh_parameters = "i";
  CHECK(preflight_sendmail_tls(t, context()).empty());
}

TEST_CASE("preflight: the CA list budget of CACertFile, downgraded when no certificate is requested") {
  Fixture fx;
  std::string bundle = fx.ca.cert_pem();
  for (int i = 0; i < 90; ++i) {
    bundle += make_cert({.cn = "Bundle CA " + std::to_string(i) + " with a long distinguished name for its size",
                         .extra_rdns = {{"C", "FR"}, {"O", "Example Trust Services Organisation"}}})
                  .cert_pem();
  }
  SendmailTls t = fx.tls();
  t.ca_cert_file = fx.dir.write("bundle.pem", bundle);
  auto fs = preflight_sendmail_tls(t, context());
  const Finding* f = nullptr;
  for (const auto& x : fs) {
    if (x.code.rfind("ca-list-", 0) == 0) f = &x;
  }
  REQUIRE(f != nullptr);
  CHECK(f->level >= Level::Warn);
  t.tls_srv_options = "V";
  for (const auto& x : preflight_sendmail_tls(t, context())) {
    if (x.code.rfind("ca-list-", 0) == 0) CHECK(x.level == Level::Notice);
  }
}

TEST_CASE("preflight: a root-owned file without the owner's read bit is Permission denied (issue 13 row 9)") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root (the file must be owned by the uid sendmail checks as)");
    return;
  }
  // sendmail's safefile() grants by the owner bits when the checking uid owns the file, root
  // included: root could open a 0000 file, but sendmail refuses it and offers no STARTTLS.
  for (unsigned mode : {0000u, 0200u}) {
    CAPTURE(mode);
    Fixture fx;
    ::chmod(fx.cert.c_str(), mode);
    expect(preflight_sendmail_tls(fx.tls(), context()), "file-unreadable", Level::Error,
           "STARTTLS=server: file " + fx.cert + " unsafe: Permission denied");
    Fixture fk;
    ::chmod(fk.key.c_str(), mode);
    expect(preflight_sendmail_tls(fk.tls(), context()), "file-unreadable", Level::Error,
           "STARTTLS=server: file " + fk.key + " unsafe: Permission denied");
  }
}
