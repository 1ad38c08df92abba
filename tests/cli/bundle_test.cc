#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "pki.h"
#include "process.h"
#include "tempdir.h"

using namespace mtlscert;
using namespace mtlscert::test;

namespace {

const char* kSystemBundle = "/etc/ssl/certs/ca-certificates.crt";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The PEM certificate blocks of a file, in order.
std::vector<std::string> pem_blocks(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = text.find("-----BEGIN CERTIFICATE-----", pos)) != std::string::npos) {
    std::size_t end = text.find("-----END CERTIFICATE-----", pos);
    out.push_back(text.substr(pos, end + 26 - pos) + "\n");
    pos = end;
  }
  return out;
}

// The CA-list size computed only with the openssl CLI, as in the reference (A.4):
// DER subject length = header + content length of the 5th depth-2 element of the
// certificate (6th after the [0] version), a repeated subject hash counted once.
std::size_t openssl_list_bytes(const TempDir& dir, const std::vector<std::string>& blocks) {
  std::set<std::string> seen;
  std::size_t total = 2;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    std::string file = dir.write("c" + std::to_string(i) + ".pem", blocks[i]);
    std::string hash = openssl({"x509", "-in", file, "-noout", "-subject_hash"}).out;
    auto parsed = openssl({"asn1parse", "-in", file});
    REQUIRE(parsed.exit_code == 0);
    std::istringstream lines(parsed.out);
    std::string line;
    int depth2 = 0, wanted = 5;
    std::size_t length = 0;
    while (std::getline(lines, line)) {
      if (!contains(line, ":d=2 ")) continue;
      ++depth2;
      if (depth2 == 1 && contains(line, "cont [ 0 ]")) wanted = 6;
      if (depth2 == wanted) {
        unsigned hl = 0, l = 0;
        REQUIRE(std::sscanf(line.substr(line.find("hl=")).c_str(), "hl=%u l=%u", &hl, &l) == 2);
        length = hl + l;
        break;
      }
    }
    REQUIRE(length > 0);
    if (seen.insert(hash).second) total += 2 + length;
  }
  return total;
}

std::size_t reported_bytes(const std::string& out) {
  auto pos = out.find("The CA list is ");
  REQUIRE(pos != std::string::npos);
  std::string digits;
  for (std::size_t i = pos + 15; i < out.size() && out[i] != ' '; ++i) {
    if (out[i] != ',') digits += out[i];
  }
  return std::stoul(digits);
}

// link name -> target for every hash-named symlink in dir.
std::map<std::string, std::string> links_in(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_symlink()) out[e.path().filename().string()] = std::filesystem::read_symlink(e.path()).string();
  }
  return out;
}

struct Pki {
  Issued root = make_cert({.cn = "Test Root CA", .extra_rdns = {{"O", "Example"}}});
  Issued inter = make_cert({.cn = "Test Intermediate CA", .extra_rdns = {{"O", "Example"}}}, &root);
  Issued leaf = make_cert({.cn = "smtp.example.org", .ca = false, .dns = {"smtp.example.org"}}, &inter);
  Issued other_root = make_cert({.cn = "Other Root CA"});
  Issued other_leaf = make_cert({.cn = "client.example.net", .ca = false}, &other_root);
  Issued expired = make_cert({.cn = "Expired CA", .not_after = "20200101000000Z"});
  Issued unrelated = make_cert({.cn = "Unrelated Root"});
};

}  // namespace

TEST_CASE("bundle check on the system bundle warns above 8,000 bytes, with the exact figure") {
  if (access(kSystemBundle, R_OK) != 0) return;
  TempDir dir;
  auto blocks = pem_blocks(slurp(kSystemBundle));
  REQUIRE(blocks.size() > 100);
  auto r = run_mtlscert({"bundle", "check", kSystemBundle});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("The CA list is ", 0) == 0);
  CHECK(contains(r.out.substr(0, r.out.find('\n')), "above 8,000: OpenSSL 0.9.6b-era clients"));
  CHECK(contains(r.out, "warn   ca-list-warn: "));
  CHECK(contains(r.out, "warn   system-trust-store: "));
  std::size_t bytes = reported_bytes(r.out);
  CHECK(bytes > 14000);
  CHECK(bytes < 16000);
  CHECK(bytes == openssl_list_bytes(dir, blocks));
  CHECK(run_mtlscert({"bundle", "check", "--strict", kSystemBundle}).exit_code == 1);

  std::string first13;
  for (int i = 0; i < 13; ++i) first13 += blocks[static_cast<std::size_t>(i)];
  std::string path = dir.write("first13.pem", first13);
  r = run_mtlscert({"bundle", "check", path});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(contains(r.out, "ca-list-"));
  CHECK(contains(r.out, "within 4,096 bytes"));
  std::vector<std::string> head(blocks.begin(), blocks.begin() + 13);
  CHECK(reported_bytes(r.out) == openssl_list_bytes(dir, head));
}

TEST_CASE("bundle check: exit codes and messages") {
  Pki p;
  TempDir dir;
  std::string good = dir.write("good.pem", p.root.cert_pem() + p.inter.cert_pem());
  std::string warned = dir.write("warned.pem", p.root.cert_pem() + p.expired.cert_pem());
  std::string keyed = dir.write("keyed.pem", p.root.cert_pem() + p.leaf.key_pem());
  std::string empty = dir.write("empty.pem", "no certificates here\n");
  std::string der = dir.write("root.der", p.root.cert_der());
  struct Row {
    std::vector<std::string> args;
    int exit_code;
    const char* says;
  };
  const Row rows[] = {
      {{"bundle", "check", good}, 0, "0 errors, 0 warnings, 0 notices."},
      {{"bundle", "check", warned}, 0, "warn   expired: expired on 2020-01-01T00:00:00Z"},
      {{"bundle", "check", "--strict", warned}, 1, "1 warning"},
      {{"bundle", "check", "--at", "2019-06-01", warned}, 0, "0 warnings"},
      {{"bundle", "check", keyed}, 1, "error  private-key: line "},
      {{"bundle", "check", der}, 1, "error  not-pem: the file is DER"},
      {{"bundle", "check", "--warn-above", "40", "--notice-above", "20", good}, 0, "warn   ca-list-warn"},
      {{"bundle", "check", empty}, 2, "error  no-certificate"},
      {{"bundle", "check", dir.file("missing.pem")}, 2, ""},
      {{"bundle", "check", "--at", "tomorrow", good}, 2, ""},
  };
  for (const auto& row : rows) {
    std::string says = row.says;
    CAPTURE(says);
    auto r = run_mtlscert(row.args);
    CHECK(r.exit_code == row.exit_code);
    CHECK(contains(r.out, row.says));
    CHECK_FALSE(contains(r.out + r.err, "PRIVATE KEY-----"));
  }
  auto r = run_mtlscert({"bundle", "check", dir.file("missing.pem")});
  CHECK(contains(r.err, "mtlscert: error: "));
  CHECK(contains(r.err, "missing.pem"));
  r = run_mtlscert({"bundle", "check", "--json", keyed});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "\"schema\": \"mtlscert.bundle-check/3\""));
  CHECK(contains(r.out, "\"code\": \"private-key\""));
  CHECK(r.out.find('{') == 0);
}

TEST_CASE("bundle trim keeps clean CAs, reports each drop, and its output verifies the chains") {
  Pki p;
  TempDir dir;
  std::string in = dir.write("in.pem", "junk\n" + p.root.cert_pem() + p.inter.cert_pem() + p.leaf.cert_pem() +
                                           p.root.cert_pem() + p.expired.cert_pem() + p.other_root.cert_pem() +
                                           p.unrelated.cert_pem() + p.leaf.key_pem());
  std::string chain = dir.write("leaf.pem", p.leaf.cert_pem());
  std::string out = dir.file("out.pem");
  auto r = run_mtlscert({"bundle", "trim", in, "-o", out});
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "Wrote " + out + " (4 certificates of 7)"));
  CHECK(contains(r.out, "CN=smtp.example.org"));
  CHECK(contains(r.out, "not a CA (CA:FALSE)"));
  CHECK(contains(r.out, "expired on 2020-01-01"));
  CHECK(contains(r.out, "the same certificate as #0"));
  CHECK(contains(r.out, "a PRIVATE KEY block, not a certificate"));
  CHECK(file_mode(out) == 0644);
  CHECK(pem_blocks(slurp(out)).size() == 4);
  CHECK_FALSE(contains(slurp(out), "PRIVATE KEY"));
  CHECK(openssl({"verify", "-CAfile", out, "-untrusted", out, chain}).exit_code == 0);
  CHECK(openssl({"storeutl", "-noout", "-certs", out}).exit_code == 0);

  // Never over an existing file without --force; nothing changes then.
  std::string before = slurp(out);
  r = run_mtlscert({"bundle", "trim", in, "--keep-issuers-of", chain, "-o", out});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "already exists"));
  CHECK(slurp(out) == before);

  // --keep-issuers-of: only the chain of the leaf (intermediate + root).
  std::string small = dir.file("small.pem");
  r = run_mtlscert({"bundle", "trim", in, "--keep-issuers-of", chain, "-o", small});
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "(2 certificates of 7)"));
  CHECK(pem_blocks(slurp(small)).size() == 2);
  CHECK(openssl({"verify", "-CAfile", small, "-untrusted", small, chain}).exit_code == 0);
  CHECK(openssl({"verify", "-CAfile", small, dir.write("o.pem", p.other_leaf.cert_pem())}).exit_code != 0);

  // --keep by fingerprint prefix adds the other root.
  std::string fp =
      openssl({"x509", "-in", dir.write("or.pem", p.other_root.cert_pem()), "-noout", "-fingerprint", "-sha256"}).out;
  fp = fp.substr(fp.find('=') + 1, 11);  // "AA:BB:CC:DD"
  std::string three = dir.file("three.pem");
  r = run_mtlscert({"bundle", "trim", in, "--keep-issuers-of", chain, "--keep", fp, "-o", three});
  REQUIRE(r.exit_code == 0);
  CHECK(pem_blocks(slurp(three)).size() == 3);

  // A certificate whose issuer is not in the bundle: exit 2, nothing written.
  r = run_mtlscert({"bundle", "trim", dir.write("only-other.pem", p.other_root.cert_pem()), "--keep-issuers-of", chain,
                    "-o", dir.file("none.pem")});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "no chain to a CA of"));
  CHECK(file_mode(dir.file("none.pem")) == -1);
}

TEST_CASE("bundle split: short confCACERT, hashed directory, define lines, and OpenSSL verifies every chain") {
  Pki p;
  TempDir dir;
  std::string in = dir.write("big.pem", p.root.cert_pem() + p.inter.cert_pem() + p.other_root.cert_pem() +
                                            p.unrelated.cert_pem() + p.expired.cert_pem());
  std::string leaf = dir.write("leaf.pem", p.leaf.cert_pem() + p.inter.cert_pem());
  std::string cacert = dir.file("ca.pem");
  std::string capath = dir.file("certs");
  auto r =
      run_mtlscert({"bundle", "split", in, "--advertise", leaf, "--out-cacert", cacert, "--out-cacert-path", capath});
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "define(`confCACERT', ``" + cacert + "'')dnl"));
  CHECK(contains(r.out, "define(`confCACERT_PATH', ``" + capath + "'')dnl"));
  CHECK(contains(r.out, "Wrote " + cacert + " (2 certificates): the CA list is "));
  CHECK(contains(r.out, "(4 CA files, 4 new hash links)"));
  CHECK(pem_blocks(slurp(cacert)).size() == 2);
  CHECK(links_in(capath).size() == 4);
  // Every chain the original bundle verified still verifies with the split pair.
  for (const auto& cert : {p.leaf.cert_pem(), p.other_leaf.cert_pem(), p.inter.cert_pem()}) {
    std::string file = dir.write("chk.pem", cert);
    CHECK(openssl({"verify", "-CAfile", in, "-untrusted", leaf, file}).exit_code == 0);
    CHECK(openssl({"verify", "-CAfile", cacert, "-CApath", capath, "-untrusted", leaf, file}).exit_code == 0);
  }
  // The advertised list holds only the leaf's chain.
  CHECK(openssl({"verify", "-CAfile", cacert, dir.write("o.pem", p.other_leaf.cert_pem())}).exit_code != 0);

  // Rerun: refuses to replace confCACERT without --force; with it, nothing else changes.
  r = run_mtlscert({"bundle", "split", in, "--advertise", leaf, "--out-cacert", cacert, "--out-cacert-path", capath});
  CHECK(r.exit_code == 2);
  r = run_mtlscert(
      {"bundle", "split", in, "--advertise", leaf, "--out-cacert", cacert, "--out-cacert-path", capath, "--force"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "0 new hash links"));
  // Without --advertise there is nothing to put in confCACERT.
  r = run_mtlscert({"bundle", "split", in, "--out-cacert", dir.file("x.pem"), "--out-cacert-path", capath});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--advertise"));
  // A path m4 would mangle is refused before anything is written.
  r = run_mtlscert({"bundle", "split", in, "--advertise", leaf, "--out-cacert", dir.file("o'brien.pem"),
                    "--out-cacert-path", dir.file("c2")});
  CHECK(r.exit_code == 2);
  CHECK(file_mode(dir.file("c2")) == -1);
}

TEST_CASE("bundle rehash names links exactly as openssl rehash, and cleans only its own stale links") {
  Pki p;
  TempDir a, b;
  Issued twin1 = make_cert({.cn = "Same Name CA"});
  Issued twin2 = make_cert({.cn = "Same Name CA"});
  Issued twin3 = make_cert({.cn = "Same Name CA"});
  for (const TempDir* d : {&a, &b}) {
    d->write("root.pem", p.root.cert_pem());
    d->write("inter.crt", p.inter.cert_pem());
    d->write("other.cer", p.other_root.cert_pem());
    d->write("twin-b.pem", twin2.cert_pem());
    d->write("twin-a.pem", twin1.cert_pem());
    d->write("twin-c.PEM", twin3.cert_pem());
    d->write("root-copy.pem", p.root.cert_pem());
    d->write("two.pem", p.root.cert_pem() + p.inter.cert_pem());
    d->write("root.der", p.root.cert_der());
    d->write("notes.txt", "not a certificate\n");
  }
  auto r = run_mtlscert({"bundle", "rehash", a.path()});
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "rehash-skipped: skipped two.pem"));
  CHECK(contains(r.out, "skipped root.pem: the same certificate as root-copy.pem"));
  REQUIRE(openssl({"rehash", b.path()}).exit_code == 0);
  auto ours = links_in(a.path());
  CHECK(ours.size() == 6);
  CHECK(ours == links_in(b.path()));

  // Idempotent.
  r = run_mtlscert({"bundle", "rehash", a.path()});
  CHECK(contains(r.out, "0 links created, 0 stale links removed, 6 unchanged"));
  CHECK(links_in(a.path()) == ours);

  // A file replaced by another CA: its old link is stale and removed, a new one is made.
  a.write("other.cer", p.unrelated.cert_pem());
  std::filesystem::remove(a.file("twin-a.pem"));
  REQUIRE(symlink("/etc/hostname", a.file("ffffffff.0").c_str()) == 0);  // not ours: never touched
  r = run_mtlscert({"bundle", "rehash", "--dry-run", a.path()});
  CHECK(contains(r.out, "would remove"));
  CHECK(links_in(a.path()).size() == 7);  // nothing changed
  r = run_mtlscert({"bundle", "rehash", a.path()});
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "its target no longer exists"));
  CHECK(contains(r.out, "name hash is now"));
  auto after = links_in(a.path());
  CHECK(after.count("ffffffff.0") == 1);
  CHECK(after.size() == 6);  // 5 hashed files + the foreign link
  // OpenSSL finds every certificate through the directory.
  for (const auto& cert : {p.inter.cert_pem(), p.unrelated.cert_pem(), twin2.cert_pem(), twin3.cert_pem()}) {
    CHECK(openssl({"verify", "-CApath", a.path(), "-partial_chain", a.write("x.pem", cert)}).exit_code == 0);
  }
  CHECK(run_mtlscert({"bundle", "rehash", a.file("nope")}).exit_code == 2);
}
