// ca revoke and ca crl: the binary against the openssl CLI (`openssl crl -text`,
// `openssl verify -crl_check`), as a peer holding the CRL would judge a certificate.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <ctime>
#include <string>
#include <vector>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

namespace {
bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

struct Ca {
  TempDir tmp;
  std::string dir = tmp.file("ca");
  std::string crl = tmp.file("ca.crl");

  Ca() {
    REQUIRE(run_mtlscert({"ca", "init", "--dir", dir, "--name", "Revoke CLI CA", "--type", "ecdsa"}).exit_code == 0);
  }

  // A client certificate for cn, signed by the CA: its path.
  std::string client(const std::string& cn) {
    REQUIRE(openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                     tmp.file(cn + ".key"), "-out", tmp.file(cn + ".csr"), "-subj", "/CN=" + cn})
                .exit_code == 0);
    auto r = run_mtlscert(
        {"ca", "sign", "--dir", dir, "--profile", "client", tmp.file(cn + ".csr"), "-o", tmp.file(cn + ".crt")});
    REQUIRE(r.exit_code == 0);
    return tmp.file(cn + ".crt");
  }

  // openssl verify -crl_check: what OpenSSL (sendmail's library) says of cert with this CRL.
  RunResult verify(const std::string& cert, const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args{"verify", "-crl_check", "-CAfile", dir + "/ca.crt", "-CRLfile", crl};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(cert);
    return openssl(args);
  }
};

std::string serial_of(const std::string& cert) {
  std::string out = openssl({"x509", "-in", cert, "-noout", "-serial"}).out;  // serial=5F3A...
  out = out.substr(out.find('=') + 1);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}
}  // namespace

TEST_CASE("ca revoke + ca crl: openssl verify -crl_check refuses the revoked certificate only") {
  Ca ca;
  const std::string stolen = ca.client("stolen.example.org");
  const std::string kept = ca.client("kept.example.org");

  auto r = run_mtlscert({"ca", "revoke", "--dir", ca.dir, "--reason", "keyCompromise", stolen});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const std::string serial = serial_of(stolen);
  CHECK(has(r.out, "Revoked serial " + serial + " (CN=stolen.example.org), reason keyCompromise: recorded in " +
                       ca.dir + "/revoked."));
  CHECK(file_mode(ca.dir + "/revoked") == 0644);

  auto c = run_mtlscert({"ca", "crl", "--dir", ca.dir, "-o", ca.crl, "--days", "7"});
  INFO(c.out, c.err);
  REQUIRE(c.exit_code == 0);
  CHECK(has(c.out, "Wrote CRL " + ca.crl + " (number 1, 1 revoked, next update "));
  CHECK(file_mode(ca.crl) == 0644);

  // An independent reader: v2, signed by the CA, numbered, AKI, the entry with its reason.
  auto text = openssl({"crl", "-in", ca.crl, "-noout", "-text", "-CAfile", ca.dir + "/ca.crt"});
  INFO(text.out, text.err);
  CHECK(text.exit_code == 0);
  CHECK(has(text.err + text.out, "verify OK"));
  CHECK(has(text.out, "Version 2 (0x1)"));
  CHECK(has(text.out, "Issuer: CN = Revoke CLI CA"));
  CHECK(has(text.out, "X509v3 CRL Number: \n                1"));
  CHECK(has(text.out, "X509v3 Authority Key Identifier"));
  CHECK(has(text.out, "Next Update: "));
  CHECK(has(text.out, "Serial Number: " + serial));
  CHECK(has(text.out, "Key Compromise"));

  auto bad = ca.verify(stolen);
  CHECK(bad.exit_code != 0);
  CHECK(has(bad.out + bad.err, "certificate revoked"));
  CHECK(ca.verify(kept).exit_code == 0);
  // A stale CRL: past nextUpdate OpenSSL refuses every certificate of the CA.
  auto stale = ca.verify(kept, {"-attime", std::to_string(std::time(nullptr) + 8 * 86400)});
  CHECK(stale.exit_code != 0);
  CHECK(has(stale.out + stale.err, "CRL has expired"));

  // Rewriting it (cron): the number grows, the file is replaced without --force.
  auto again = run_mtlscert({"ca", "crl", "--dir", ca.dir, "-o", ca.crl});
  CHECK(again.exit_code == 0);
  CHECK(has(openssl({"crl", "-in", ca.crl, "-noout", "-crlnumber"}).out, "crlNumber=0x02"));
}

TEST_CASE("ca revoke by serial, twice, and refusals") {
  Ca ca;
  const std::string cert = ca.client("laptop.example.org");
  const std::string serial = serial_of(cert);
  auto r = run_mtlscert({"ca", "revoke", "--dir", ca.dir, serial});
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "reason unspecified"));
  auto again = run_mtlscert({"ca", "revoke", "--dir", ca.dir, cert, "--json"});
  CHECK(again.exit_code == 0);
  CHECK(has(again.out, "\"already_revoked\": true"));
  CHECK(has(again.out, "\"inputs\": [\n    \"" + ca.dir + "/ca.crt\",\n    \"" + cert + "\"\n  ]"));
  CHECK(has(again.out, "\"outputs\": []"));

  auto unknown = run_mtlscert({"ca", "revoke", "--dir", ca.dir, "ABCDEF01"});
  CHECK(unknown.exit_code == 2);
  CHECK(has(unknown.err, "serial ABCDEF01 is not in '" + ca.dir + "/serials': this CA did not issue it"));
  auto reason = run_mtlscert({"ca", "revoke", "--dir", ca.dir, "--reason", "certificateHold", serial});
  CHECK(reason.exit_code == 2);
  CHECK(has(reason.err, "--reason: unknown reason 'certificateHold'"));
  CHECK(has(reason.err, "keyCompromise"));
  auto garbage = run_mtlscert({"ca", "revoke", "--dir", ca.dir, "no-such-file.crt"});
  CHECK(garbage.exit_code == 2);
  CHECK(has(garbage.err, "'no-such-file.crt' is neither a certificate file nor a serial number in hex"));

  // ca crl does not replace a file that is not one of its CRLs unless --force.
  const std::string notes = ca.tmp.write("notes.txt", "keep me\n");
  auto refused = run_mtlscert({"ca", "crl", "--dir", ca.dir, "-o", notes});
  CHECK(refused.exit_code == 2);
  CHECK(has(refused.err, "refusing to replace '" + notes + "': it holds no CRL of this CA"));
  CHECK(slurp(notes) == "keep me\n");
  CHECK(run_mtlscert({"ca", "crl", "--dir", ca.dir, "-o", notes, "--force"}).exit_code == 0);
  CHECK(has(slurp(notes), "-----BEGIN X509 CRL-----"));
}
