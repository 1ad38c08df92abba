#include <doctest/doctest.h>
#include <openssl/pem.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "bundle/bundle.h"
#include "pki.h"
#include "pki/cert_info.h"
#include "pki/cert_view.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

const std::int64_t kAt = parse_date("2030-06-01");

std::string csr_pem() {
  auto key = generate_key(KeySpec{KeyType::Ecdsa, 0, "P-256"});
  ossl::Ptr<X509_REQ> req(X509_REQ_new());
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("smtp.example.org"), -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), key.get());
  X509_REQ_sign(req.get(), key.get(), EVP_sha256());
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::vector<std::string> codes_of(const BundleReport& r) {
  std::vector<std::string> codes;
  for (const auto& f : r.findings) codes.push_back(f.code);
  return codes;
}

const Finding* find(const BundleReport& r, const std::string& code) {
  for (const auto& f : r.findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("check_bundle: each finding code, on the certificate it is about") {
  auto root = test::make_cert({.cn = "Good Root", .extra_rdns = {{"O", "Example"}}});
  auto expired = test::make_cert({.cn = "Expired CA", .not_before = "20000101000000Z", .not_after = "20200101000000Z"});
  auto future = test::make_cert({.cn = "Future CA", .not_before = "20400101000000Z"});
  auto expiring = test::make_cert({.cn = "Expiring CA", .not_after = "20300610000000Z"});
  auto leaf = test::make_cert({.cn = "smtp.example.org", .ca = false, .dns = {"smtp.example.org"}}, &root);
  auto no_bc = test::make_cert({.cn = "No Constraints", .basic_constraints = false});
  auto sha1 = test::make_cert({.cn = "SHA-1 Intermediate", .digest = "SHA1"}, &root);
  auto sha1_root = test::make_cert({.cn = "SHA-1 Root", .digest = "SHA1"});
  auto weak = test::make_cert({.cn = "Weak RSA CA", .key = {KeyType::Rsa, 1024, ""}});
  auto twin = test::make_cert({.cn = "Good Root", .extra_rdns = {{"O", "Example"}}});  // same subject, other key
  std::string trusted = root.cert_pem();
  trusted.replace(trusted.find("BEGIN CERTIFICATE"), 17, "BEGIN TRUSTED CERTIFICATE");
  trusted.replace(trusted.find("END CERTIFICATE"), 15, "END TRUSTED CERTIFICATE");

  std::string text = "# test bundle\r\n" + root.cert_pem() + expired.cert_pem() + future.cert_pem() +
                     expiring.cert_pem() + leaf.cert_pem() + no_bc.cert_pem() + sha1.cert_pem() + sha1_root.cert_pem() +
                     weak.cert_pem() + twin.cert_pem() + root.cert_pem() + leaf.key_pem() +
                     "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE "
                     "KEY-----\n" +
                     csr_pem() + trusted + "-----BEGIN CERTIFICATE-----\nMIIB!!\n-----END CERTIFICATE-----\n";
  BundleReport r = check_bundle(text, "t.pem", {.at = kAt});
  CHECK(r.certs.size() == 12);

  struct Row {
    const char* code;
    Level level;
    const char* subject;  // the certificate concerned, or "" for a file-level finding
  };
  const Row rows[] = {
      {"expired", Level::Warn, "CN=Expired CA"},
      {"not-yet-valid", Level::Warn, "CN=Future CA"},
      {"expiring", Level::Notice, "CN=Expiring CA"},
      {"not-ca", Level::Warn, "CN=smtp.example.org"},
      {"weak-signature", Level::Warn, "CN=SHA-1 Intermediate"},
      {"weak-key", Level::Warn, "CN=Weak RSA CA"},
      {"duplicate-certificate", Level::Notice, "CN=Good Root,O=Example"},
      {"duplicate-subject", Level::Notice, "CN=Good Root,O=Example"},
      {"private-key", Level::Error, ""},
      {"encrypted-private-key", Level::Error, ""},
      {"csr", Level::Warn, ""},
      {"unparsable-block", Level::Warn, ""},
      {"does-not-load", Level::Error, ""},
      {"not-in-ca-list", Level::Warn, ""},
      {"many-certificates", Level::Notice, ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.code);
    const Finding* f = find(r, row.code);
    REQUIRE(f != nullptr);
    CHECK(f->level == row.level);
    CHECK(f->path == "t.pem");
    if (*row.subject != '\0') CHECK(f->cert.subject == row.subject);
  }
  // The not-ca finding for the certificate without basicConstraints says so.
  auto codes = codes_of(r);
  CHECK(std::count(codes.begin(), codes.end(), "not-ca") == 2);
  // A self-signed SHA-1 root is fine: nobody checks a root's own signature.
  CHECK(std::count(codes.begin(), codes.end(), "weak-signature") == 1);
  // Lines point at the block: the private key follows 11 certificates.
  CHECK(find(r, "unparsable-block")->cert.line > find(r, "csr")->cert.line);
  // The broken base64 block makes PEM_X509_INFO_read_bio fail: OpenSSL loads nothing.
  CHECK(find(r, "unparsable-block")->message.find("OpenSSL cannot load the file") != std::string::npos);
  CHECK(find(r, "does-not-load")->sendmail_log.find("load verify locs") != std::string::npos);
  CHECK(worst_level(r.findings) == Level::Error);
}

TEST_CASE("check_bundle: the CA list is 2 + sum(2 + DER subject) over the distinct names sendmail sends") {
  auto a = test::make_cert({.cn = "Alpha Root", .extra_rdns = {{"C", "FR"}, {"O", "Alpha"}}});
  auto b = test::make_cert({.cn = "Beta Root"});
  auto b2 = test::make_cert({.cn = "Beta Root"});
  auto c = test::make_cert({.cn = "Gamma Root After A Broken Block"});
  std::size_t la = static_cast<std::size_t>(test::subject_der_length(a.cert.get()));
  std::size_t lb = static_cast<std::size_t>(test::subject_der_length(b.cert.get()));

  BundleReport r = check_bundle(a.cert_pem() + b.cert_pem() + b2.cert_pem(), "x", {.at = kAt});
  CHECK(r.list.unique_names == 2);
  CHECK(r.list.list_bytes == 2 + (2 + la) + (2 + lb));
  CHECK(r.list.list_bytes_without_dedup == 2 + (2 + la) + 2 * (2 + lb));
  CHECK(r.findings.empty() == false);  // duplicate-subject
  CHECK(codes_of(r) == std::vector<std::string>{"duplicate-subject"});

  // OpenSSL's PEM reader stops at a broken block: names after it are not sent.
  std::string broken = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";
  r = check_bundle(a.cert_pem() + broken + c.cert_pem(), "y", {.at = kAt});
  CHECK(r.certs.size() == 2);
  CHECK(r.list.list_bytes == 2 + (2 + la));

  // A DER file sends nothing at all.
  r = check_bundle(a.cert_der(), "a.der", {.at = kAt});
  CHECK(r.list.list_bytes == 2);
  CHECK(find(r, "not-pem") != nullptr);
}

TEST_CASE("check_bundle: size bands, thresholds and the empty file") {
  std::string text;
  for (int i = 0; i < 3; ++i) text += test::make_cert({.cn = "Root " + std::to_string(i)}).cert_pem();
  BundleReport r = check_bundle(text, "z", {.at = kAt});
  CHECK(r.findings.empty());
  CHECK(r.verdict.find("within 4,096 bytes") != std::string::npos);
  BundleCheckOptions low{.at = kAt};
  low.thresholds.notice = 10;
  low.thresholds.warn = 20;
  r = check_bundle(text, "z", low);
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].code == "ca-list-warn");
  CHECK(r.findings[0].sendmail_log.find("alert number 47") != std::string::npos);

  r = check_bundle("just text\n", "e", {.at = kAt});
  CHECK(r.no_certificate());
  CHECK(codes_of(r) == std::vector<std::string>{"does-not-load", "no-certificate"});
}

TEST_CASE("parse_cert_view agrees with OpenSSL's full decoding") {
  auto root = test::make_cert({.cn = "View Root", .extra_rdns = {{"O", "Example"}}, .pathlen = 1});
  struct Row {
    test::CertSpec spec;
    const char* label;
  };
  const Row rows[] = {
      {{.cn = "rsa2048", .key = {KeyType::Rsa, 2048, ""}}, "RSA 2048"},
      {{.cn = "rsa1024", .key = {KeyType::Rsa, 1024, ""}}, "RSA 1024"},
      {{.cn = "p256"}, "ECDSA P-256"},
      {{.cn = "p384", .key = {KeyType::Ecdsa, 0, "P-384"}}, "ECDSA P-384"},
      {{.cn = "ed", .key = {KeyType::Ed25519, 0, ""}}, "Ed25519"},
      {{.cn = "leaf", .ca = false, .not_before = "20210304050607Z", .not_after = "20510101000000Z"}, "ECDSA P-256"},
      {{.cn = "nobc", .basic_constraints = false}, "ECDSA P-256"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.label);
    auto cert = test::make_cert(row.spec, &root);
    CertView v;
    std::string problem;
    REQUIRE(parse_cert_view(cert.cert_der(), v, problem));
    CertInfo info = describe_certificate(cert.cert.get(), kAt);
    CHECK(v.key_label == row.label);
    CHECK(v.key_label == info.key.label);
    CHECK(name_rfc2253(v.subject().get()) == info.subject);
    CHECK(name_rfc2253(v.issuer().get()) == info.issuer);
    CHECK(v.not_before == info.not_before_epoch);
    CHECK(v.not_after == info.not_after_epoch);
    CHECK(v.is_ca == info.is_ca);
    CHECK(v.has_basic_constraints == info.has_basic_constraints);
    CHECK(v.signature_nid == X509_get_signature_nid(cert.cert.get()));
    CHECK_FALSE(v.self_issued);
  }
  CertView v;
  std::string problem;
  CHECK(parse_cert_view(root.cert_der(), v, problem));
  CHECK(v.self_issued);
  std::string der = root.cert_der();
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{10}, der.size() / 2, der.size() - 1}) {
    CAPTURE(cut);
    CHECK_FALSE(parse_cert_view(der.substr(0, cut), v, problem));
    CHECK_FALSE(problem.empty());
  }
  CHECK_FALSE(parse_cert_view(der + "x", v, problem));
}

TEST_CASE("load_objects gives the same objects with and without X509 decoding, in parallel or not") {
  auto root = test::make_cert({.cn = "Many"});
  std::string text;
  for (int i = 0; i < 700; ++i) text += test::make_cert({.cn = "CA " + std::to_string(i)}, &root).cert_pem();
  text += "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";
  PkiFile full = load_objects(text, "f");
  PkiFile lean = load_objects(text, "f", {.x509 = false});
  REQUIRE(full.objects.size() == 701);
  REQUIRE(lean.objects.size() == 701);
  for (std::size_t i = 0; i < 700; ++i) {
    CAPTURE(i);
    REQUIRE(full.objects[i].kind == ObjectKind::Certificate);
    CHECK(full.objects[i].cert != nullptr);
    CHECK(lean.objects[i].cert == nullptr);
    CHECK(full.objects[i].sha256 == lean.objects[i].sha256);
    CHECK(full.objects[i].line == lean.objects[i].line);
    CHECK(hex_fingerprint(full.objects[i].sha256) == sha256_fingerprint(full.objects[i].cert.get()));
    CHECK(X509_NAME_cmp(lean.objects[i].view.subject().get(), X509_get_subject_name(full.objects[i].cert.get())) == 0);
  }
  CHECK(lean.objects[700].kind == ObjectKind::Broken);
}

TEST_CASE("check_bundle: a does-not-load error exactly for the files OpenSSL cannot load (tests/data/ca_file)") {
  namespace fs = std::filesystem;
  std::size_t files = 0, unloadable = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(MTLSCERT_SOURCE_DIR) / "tests/data/ca_file")) {
    if (entry.path().extension() != ".expected") continue;
    fs::path input = entry.path();
    input.replace_extension("");
    std::string expected = test::slurp(entry.path().string());
    bool loads = expected.find("loads 1") != std::string::npos;
    CAPTURE(input.string());
    BundleReport r = check_bundle(test::slurp(input.string()), input.string(), {.at = kAt});
    const Finding* f = find(r, "does-not-load");
    CHECK((f != nullptr) == !loads);
    if (f != nullptr) {
      CHECK(f->level == Level::Error);
      CHECK(f->sendmail_log.find("load verify locs") != std::string::npos);
      ++unloadable;
    } else {
      // A file OpenSSL loads gets no error about how it is read.
      for (const auto& g : r.findings) {
        if (g.code == "unparsable-block" || g.code == "csr") CHECK(g.level != Level::Error);
      }
    }
    ++files;
  }
  CHECK(files >= 20);
  CHECK(unloadable >= 5);
}

TEST_CASE("check_bundle: whole-file verdicts, 0 names sent, no CA, PKCS#7 only") {
  auto root = test::make_cert({.cn = "Verdict Root"});
  std::string trusted = root.cert_pem();
  trusted.replace(trusted.find("BEGIN CERTIFICATE"), 17, "BEGIN TRUSTED CERTIFICATE");
  trusted.replace(trusted.find("END CERTIFICATE"), 15, "END TRUSTED CERTIFICATE");
  BundleReport r = check_bundle(trusted, "t.pem", {.at = kAt});
  CHECK(r.ca.loads);
  REQUIRE(find(r, "no-names-sent") != nullptr);
  CHECK(find(r, "no-names-sent")->level == Level::Error);
  CHECK(r.list.unique_names == 0);
  CHECK(r.verdict.find("every known client") == std::string::npos);

  auto leaf = test::make_cert({.cn = "leaf.example", .ca = false});
  r = check_bundle(leaf.cert_pem(), "l.pem", {.at = kAt});
  REQUIRE(find(r, "no-ca-certificate") != nullptr);
  CHECK(find(r, "no-ca-certificate")->level == Level::Error);

  std::string p7 = test::slurp(std::string(MTLSCERT_SOURCE_DIR) + "/tests/data/ca_file/pkcs7-only.pem");
  r = check_bundle(p7, "p.pem", {.at = kAt});
  REQUIRE(find(r, "pkcs7-only") != nullptr);
  CHECK(find(r, "pkcs7-only")->hint.find("bundle trim") != std::string::npos);
  CHECK(find(r, "does-not-load") != nullptr);

  // An expired CA whose name is not sent (after a block OpenSSL stops at) is not said to be sent.
  auto expired = test::make_cert({.cn = "Old CA", .not_before = "20000101000000Z", .not_after = "20200101000000Z"});
  std::string stop = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";
  r = check_bundle(root.cert_pem() + stop + expired.cert_pem(), "s.pem", {.at = kAt});
  REQUIRE(find(r, "expired") != nullptr);
  CHECK(find(r, "expired")->message.find("still sent") == std::string::npos);
  r = check_bundle(expired.cert_pem(), "e.pem", {.at = kAt});
  CHECK(find(r, "expired")->message.find("yet its name is still sent") != std::string::npos);
}

TEST_CASE("check_bundle: repeated findings are grouped, the JSON keeps every position") {
  auto root = test::make_cert({.cn = "Repeated Root"});
  std::string text;
  for (int i = 0; i < 10; ++i) text += root.cert_pem();
  BundleReport r = check_bundle(text, "r.pem", {.at = kAt});
  auto codes = codes_of(r);
  CHECK(std::count(codes.begin(), codes.end(), "duplicate-certificate") == 1);
  const Finding* f = find(r, "duplicate-certificate");
  REQUIRE(f != nullptr);
  CHECK(r.grouped[static_cast<std::size_t>(f - r.findings.data())].size() == 8);
  CHECK(f->message.find("9 times in all") != std::string::npos);
  auto doc = nlohmann::json::parse(to_json(r));
  bool seen = false;
  for (const auto& j : doc["findings"]) {
    if (j["code"] == "duplicate-certificate") {
      CHECK(j["count"] == 9);
      CHECK(j["positions"].size() == 9);
      seen = true;
    }
  }
  CHECK(seen);
}

TEST_CASE("check_bundle: names differing only in case are both sent (DER-exact, as OpenSSL)") {
  auto upper = test::make_cert({.cn = "CASE ROOT"});
  auto lower = test::make_cert({.cn = "case root"});
  BundleReport r = check_bundle(upper.cert_pem() + lower.cert_pem(), "c.pem", {.at = kAt});
  CHECK(r.list.unique_names == 2);
  const Finding* f = find(r, "duplicate-subject");
  REQUIRE(f != nullptr);
  CHECK(f->message.find("sends the name twice") != std::string::npos);
}
