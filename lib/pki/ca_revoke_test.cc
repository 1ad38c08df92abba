// ca_revoke and ca_crl in a temporary CA directory; each CRL read back with OpenSSL's own
// X509_CRL functions and checked by X509_verify_cert with X509_V_FLAG_CRL_CHECK, as sendmail's
// store would check a client certificate.
#include <doctest/doctest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cctype>
#include <string>

#include "core/error.h"
#include "core/ossl.h"
#include "pki/ca.h"
#include "pki/ca_revoke.h"
#include "pki/csr.h"
#include "pki/genkey.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

const KeySpec kFastKey{KeyType::Ecdsa, 0, "P-256"};

struct RevokeFixture {
  test::TempDir tmp;
  std::string dir = tmp.file("ca");
  std::time_t now = 1767225600;  // 2026-01-01T00:00:00Z

  RevokeFixture() {
    CaInitRequest r;
    r.dir = dir;
    r.name = "Revoking Mail CA";
    r.key = kFastKey;
    ca_init(r, now);
  }

  CaSignResult sign(const std::string& host, int days = kDefaultLeafDays) {
    const std::string key = tmp.file(host + ".key");
    create_key_file({kFastKey, key, false, {}});
    CsrFileRequest c;
    c.key_path = key;
    c.request.host = host;
    c.path = tmp.file(host + ".csr");
    create_csr_file(c);
    CaSignRequest s;
    s.dir = dir;
    s.csr_path = c.path;
    s.out = tmp.file(host + ".crt");
    s.profile = CertProfile::Client;
    s.days = days;
    return ca_sign(s, now);
  }

  CaCrlResult crl(int days = kDefaultCrlDays, std::time_t at = 0) {
    return ca_crl({.dir = dir, .out = tmp.file("ca.crl"), .days = days}, at != 0 ? at : now);
  }
};

template <typename T, T* (*Read)(BIO*, T**, pem_password_cb*, void*)>
ossl::Ptr<T> read_pem(const std::string& path) {
  const std::string pem = test::slurp(path);
  ossl::Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::Ptr<T> object(Read(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(object);
  return object;
}
auto read_crl(const std::string& path) { return read_pem<X509_CRL, PEM_read_bio_X509_CRL>(path); }
auto read_cert(const std::string& path) { return read_pem<X509, PEM_read_bio_X509>(path); }

// verify cert against ca.crt + the CRL with CRL checking at `at`: the X509_V_ error (0: OK).
int verify_with_crl(const RevokeFixture& f, const std::string& cert_path, std::time_t at) {
  auto ca = read_cert(f.dir + "/ca.crt");
  auto crl = read_crl(f.tmp.file("ca.crl"));
  auto cert = read_cert(cert_path);
  ossl::Ptr<X509_STORE> store(X509_STORE_new());
  REQUIRE(X509_STORE_add_cert(store.get(), ca.get()) == 1);
  REQUIRE(X509_STORE_add_crl(store.get(), crl.get()) == 1);
  X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  ossl::Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) == 1);
  X509_STORE_CTX_set_time(ctx.get(), 0, at);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

}  // namespace

TEST_CASE("ca revoke: reasons and serial spellings") {
  CHECK(parse_revocation_reason("keyCompromise") == CRL_REASON_KEY_COMPROMISE);
  CHECK(parse_revocation_reason("KEYCOMPROMISE") == CRL_REASON_KEY_COMPROMISE);
  CHECK(parse_revocation_reason("superseded") == CRL_REASON_SUPERSEDED);
  CHECK_THROWS_WITH_AS(parse_revocation_reason("certificateHold"), "--reason: unknown reason 'certificateHold'", Error);
  CHECK(revocation_reason_name(CRL_REASON_CESSATION_OF_OPERATION) == "cessationOfOperation");
  CHECK(normalize_serial("0x0a:bc") == "0ABC");
  CHECK(normalize_serial("5f3a") == "5F3A");
  CHECK_THROWS_AS(normalize_serial("/no/such/file.crt"), Error);
  CHECK_THROWS_AS(normalize_serial(""), Error);
}

TEST_CASE("ca revoke: a certificate file or its serial goes in `revoked`, once") {
  RevokeFixture f;
  auto issued = f.sign("laptop.example.org");
  auto r = ca_revoke({.dir = f.dir, .target = issued.out, .reason = "keyCompromise"}, f.now + 60);
  CHECK(r.serial == issued.cert.serial);
  CHECK_FALSE(r.already);
  CHECK(r.revoked == "2026-01-01T00:01:00Z");
  CHECK(test::slurp(f.dir + "/revoked") ==
        "# serial\trevoked\treason\n" + issued.cert.serial + "\t2026-01-01T00:01:00Z\tkeyCompromise\n");
  struct stat st {};
  REQUIRE(::stat((f.dir + "/revoked").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  // Again, by serial in lower case: nothing changes, the first time and reason are kept.
  std::string lower_serial = issued.cert.serial;
  for (char& c : lower_serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto again = ca_revoke({.dir = f.dir, .target = lower_serial, .reason = "superseded"}, f.now + 120);
  CHECK(again.already);
  CHECK(again.revoked == "2026-01-01T00:01:00Z");
  CHECK(again.reason == CRL_REASON_KEY_COMPROMISE);
  CHECK(parse_revoked_file(test::slurp(f.dir + "/revoked"), "revoked").size() == 1);
}

TEST_CASE("ca revoke: refuses a serial or certificate this CA did not issue") {
  RevokeFixture f;
  f.sign("a.example.org");
  CHECK_THROWS_WITH_AS(ca_revoke({.dir = f.dir, .target = "0123ABCD"}, f.now),
                       ("serial 0123ABCD is not in '" + f.dir + "/serials': this CA did not issue it").c_str(), Error);
  RevokeFixture other;
  auto foreign = other.sign("b.example.org");
  CHECK_THROWS_WITH_AS(
      ca_revoke({.dir = f.dir, .target = foreign.out}, f.now),
      ("certificate '" + foreign.out + "' was not issued by this CA (its issuer or signature does not match)").c_str(),
      Error);
  CHECK_THROWS_AS(ca_revoke({.dir = f.tmp.file("nothing"), .target = "01"}, f.now), Error);
}

TEST_CASE("ca crl: v2, numbered, AKI, dates, and the revoked certificate fails, the other verifies") {
  RevokeFixture f;
  auto bad = f.sign("stolen.example.org");
  auto good = f.sign("kept.example.org");
  ca_revoke({.dir = f.dir, .target = bad.out, .reason = "keyCompromise"}, f.now);
  auto r = f.crl();
  CHECK(r.number == 1);
  CHECK(r.revoked == 1);
  CHECK(r.next_update == "2026-01-31T00:00:00Z");
  CHECK(test::slurp(f.dir + "/crlnumber") == "1\n");

  auto crl = read_crl(f.tmp.file("ca.crl"));
  CHECK(X509_CRL_get_version(crl.get()) == X509_CRL_VERSION_2);
  auto ca = read_cert(f.dir + "/ca.crt");
  CHECK(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.get())) == 1);
  CHECK(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.get())) == 0);
  ossl::Ptr<ASN1_STRING> number(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr)));
  REQUIRE(number);
  CHECK(ASN1_INTEGER_get(number.get()) == 1);
  ossl::Ptr<AUTHORITY_KEYID> akid(
      static_cast<AUTHORITY_KEYID*>(X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, nullptr, nullptr)));
  REQUIRE(akid);
  CHECK(ASN1_OCTET_STRING_cmp(akid->keyid, X509_get0_subject_key_id(ca.get())) == 0);
  REQUIRE(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())) == 1);
  X509_REVOKED* entry = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl.get()), 0);
  CHECK(ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(entry), X509_get0_serialNumber(read_cert(bad.out).get())) == 0);
  ossl::Ptr<ASN1_STRING> reason(
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
  REQUIRE(reason);
  CHECK(ASN1_ENUMERATED_get(reason.get()) == CRL_REASON_KEY_COMPROMISE);

  CHECK(verify_with_crl(f, bad.out, f.now + 10) == X509_V_ERR_CERT_REVOKED);
  CHECK(verify_with_crl(f, good.out, f.now + 10) == X509_V_OK);
  // Past nextUpdate every certificate of the CA fails: the stale CRL the docs warn about.
  CHECK(verify_with_crl(f, good.out, f.now + 31 * 86400) == X509_V_ERR_CRL_HAS_EXPIRED);

  // The next CRL gets the next number and replaces the file without --force.
  CHECK(f.crl(7).number == 2);
  CHECK(test::slurp(f.dir + "/crlnumber") == "2\n");
}

TEST_CASE("ca crl: an empty CRL before any revocation, and refusals") {
  RevokeFixture f;
  auto good = f.sign("kept.example.org");
  auto r = f.crl();
  CHECK(r.revoked == 0);
  CHECK(verify_with_crl(f, good.out, f.now + 10) == X509_V_OK);
  CHECK_THROWS_AS(f.crl(0), Error);
  CHECK_THROWS_AS(f.crl(3651), Error);
  // Another file at -o is replaced only with overwrite.
  test::TempDir other;
  const std::string notes = other.write("notes.txt", "not a CRL\n");
  CHECK_THROWS_WITH_AS(ca_crl({.dir = f.dir, .out = notes}, f.now),
                       ("refusing to replace '" + notes + "': it holds no CRL of this CA").c_str(), Error);
  CHECK(test::slurp(notes) == "not a CRL\n");
  CHECK(ca_crl({.dir = f.dir, .out = notes, .overwrite = true}, f.now).number == 2);
  CHECK_THROWS_AS(ca_crl({.dir = f.dir, .out = "-"}, f.now), Error);
}

TEST_CASE("ca crl: a malformed `revoked` row is named by its line") {
  RevokeFixture f;
  CHECK_THROWS_WITH_AS(parse_revoked_file("# header\n01\tyesterday\n", "/ca/revoked"),
                       "'/ca/revoked' line 2: expected serial, time and reason separated by tabs", Error);
  CHECK_THROWS_AS(parse_revoked_file("01\tyesterday\tkeyCompromise\n", "/ca/revoked"), Error);
  CHECK(parse_revoked_file("01\t2026-01-01T00:00:00Z\tsuperseded\n", "r").front().reason == CRL_REASON_SUPERSEDED);
}

TEST_CASE("ca crl: an entry goes once its certificate expired more than one CRL lifetime ago") {
  RevokeFixture f;
  auto short_lived = f.sign("short.example.org", 10);
  auto long_lived = f.sign("long.example.org");
  ca_revoke({.dir = f.dir, .target = short_lived.out}, f.now);
  ca_revoke({.dir = f.dir, .target = long_lived.out}, f.now);
  // Expired 20 days ago, within the 30-day CRL lifetime: still listed (a peer with a slow clock).
  auto kept = f.crl(30, f.now + 30 * 86400);
  CHECK(kept.revoked == 2);
  CHECK(kept.expired_omitted == 0);
  CHECK(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(read_crl(f.tmp.file("ca.crl")).get())) == 2);
  // Expired 50 days ago: left out; the other entry stays, and the ledger keeps both rows.
  auto pruned = f.crl(30, f.now + 60 * 86400);
  CHECK(pruned.revoked == 1);
  CHECK(pruned.expired_omitted == 1);
  auto crl = read_crl(f.tmp.file("ca.crl"));
  REQUIRE(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())) == 1);
  CHECK(ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl.get()), 0)),
                         X509_get0_serialNumber(read_cert(long_lived.out).get())) == 0);
  CHECK(parse_revoked_file(test::slurp(f.dir + "/revoked"), "revoked").size() == 2);
}
