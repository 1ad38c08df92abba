// ca_init and ca_sign in a temporary directory, each result read back with OpenSSL's own
// X509 functions (not through the library's describe_certificate): serials, validity from
// defaults.h, EKU, key usage and basicConstraints.
#include <doctest/doctest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

#include "core/defaults.h"
#include "core/error.h"
#include "core/ossl.h"
#include "pki/ca.h"
#include "pki/csr.h"
#include "pki/genkey.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

const KeySpec kFastKey{KeyType::Ecdsa, 0, "P-256"};  // the CA's RSA 3072 default is slow to make

ossl::Ptr<X509> read_cert(const std::string& path) {
  const std::string pem = test::slurp(path);
  ossl::Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::Ptr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert);
  return cert;
}

// Whole days and leftover seconds from notBefore to notAfter.
std::pair<int, int> lifetime(const X509* cert) {
  int days = 0, seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert)) == 1);
  return {days, seconds};
}

bool critical(const X509* cert, int nid) {
  const int at = X509_get_ext_by_NID(cert, nid, -1);
  REQUIRE(at >= 0);
  return X509_EXTENSION_get_critical(X509_get_ext(cert, at)) == 1;
}

std::string serial_hex(const X509* cert) {
  ossl::Ptr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex;
  OPENSSL_free(hex);
  return out;
}

struct CaFixture {
  test::TempDir tmp;
  std::string dir = tmp.file("ca");
  CaInitResult ca;
  std::time_t now = 1767225600;  // 2026-01-01T00:00:00Z

  CaFixture() {
    CaInitRequest r;
    r.dir = dir;
    r.name = "Example Mail CA";
    r.key = kFastKey;
    ca = ca_init(r, now);
  }

  // A key and CSR for host in the temp dir; returns the CSR's path.
  std::string csr_for(const std::string& host) {
    const std::string key = tmp.file(host + ".key");
    create_key_file({kFastKey, key, false, {}});
    CsrFileRequest c;
    c.key_path = key;
    c.request.host = host;
    c.path = tmp.file(host + ".csr");
    create_csr_file(c);
    return c.path;
  }

  CaSignResult sign(const std::string& host, CertProfile profile = CertProfile::ServerClient) {
    CaSignRequest s;
    s.dir = dir;
    s.csr_path = csr_for(host);
    s.out = tmp.file(host + ".crt");
    s.profile = profile;
    return ca_sign(s, now);
  }
};

}  // namespace

TEST_CASE("ca: the requests default to defaults.h") {
  CHECK(CaInitRequest{}.days == kDefaultCaDays);
  CHECK(CaInitRequest{}.key.type == KeyType::Rsa);
  CHECK(CaInitRequest{}.key.bits == kDefaultCaRsaBits);
  CHECK(CaSignRequest{}.days == kDefaultLeafDays);
  CHECK(CaSignRequest{}.profile == CertProfile::ServerClient);
}

TEST_CASE("ca init: a CA certificate for kDefaultCaDays, CA:TRUE pathlen 0, keyCertSign and cRLSign") {
  CaFixture f;
  CHECK(test::file_mode(f.dir) == 0700);
  CHECK(test::file_mode(f.ca.key_path) == 0600);
  CHECK(test::file_mode(f.ca.cert_path) == 0644);
  auto cert = read_cert(f.ca.cert_path);
  CHECK(X509_check_ca(cert.get()) == 1);
  CHECK(X509_get_pathlen(cert.get()) == 0);
  CHECK(critical(cert.get(), NID_basic_constraints));
  CHECK(critical(cert.get(), NID_key_usage));
  CHECK(X509_get_key_usage(cert.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(X509_get0_subject_key_id(cert.get()) != nullptr);
  CHECK(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0);
  ossl::Ptr<EVP_PKEY> pub(X509_get_pubkey(cert.get()));
  CHECK(X509_verify(cert.get(), pub.get()) == 1);  // self-signed
  // notBefore is backdated a little for clock skew; notAfter is exactly the default later.
  CHECK(X509_cmp_time(X509_get0_notAfter(cert.get()), nullptr) > 0);
  ossl::Ptr<ASN1_TIME> end(ASN1_TIME_set(nullptr, f.now + std::time_t{kDefaultCaDays} * 86400));
  CHECK(ASN1_TIME_compare(X509_get0_notAfter(cert.get()), end.get()) == 0);
  CHECK(lifetime(cert.get()).first == kDefaultCaDays);
}

TEST_CASE("ca init: refuses a directory that already holds a CA") {
  CaFixture f;
  CaInitRequest again;
  again.dir = f.dir;
  again.name = "Second CA";
  again.key = kFastKey;
  CHECK_THROWS_AS(ca_init(again, f.now), Error);
}

TEST_CASE("ca sign: serverAuth+clientAuth, CA:FALSE, digitalSignature, kDefaultLeafDays, issued by the CA") {
  CaFixture f;
  CaSignResult r = f.sign("mx.example.org");
  CHECK(test::file_mode(r.out) == 0644);
  auto cert = read_cert(r.out);
  auto ca = read_cert(f.ca.cert_path);
  CHECK(X509_check_ca(cert.get()) == 0);
  CHECK((X509_get_extension_flags(cert.get()) & EXFLAG_BCONS) != 0);  // basicConstraints present, CA:FALSE
  CHECK((X509_get_extended_key_usage(cert.get()) & (XKU_SSL_SERVER | XKU_SSL_CLIENT)) ==
        (XKU_SSL_SERVER | XKU_SSL_CLIENT));
  CHECK((X509_get_key_usage(cert.get()) & KU_DIGITAL_SIGNATURE) != 0);
  CHECK((X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN) == 0);
  CHECK(X509_check_host(cert.get(), "mx.example.org", 0, 0, nullptr) == 1);
  CHECK(X509_check_issued(ca.get(), cert.get()) == X509_V_OK);
  ossl::Ptr<EVP_PKEY> ca_pub(X509_get_pubkey(ca.get()));
  CHECK(X509_verify(cert.get(), ca_pub.get()) == 1);
  ossl::Ptr<ASN1_TIME> end(ASN1_TIME_set(nullptr, f.now + std::time_t{kDefaultLeafDays} * 86400));
  CHECK(ASN1_TIME_compare(X509_get0_notAfter(cert.get()), end.get()) == 0);
  CHECK(lifetime(cert.get()).first == kDefaultLeafDays);
}

TEST_CASE("ca sign: the profile picks the EKU") {
  CaFixture f;
  auto server = read_cert(f.sign("s.example.org", CertProfile::Server).out);
  auto client = read_cert(f.sign("c.example.org", CertProfile::Client).out);
  CHECK(X509_get_extended_key_usage(server.get()) == XKU_SSL_SERVER);
  CHECK(X509_get_extended_key_usage(client.get()) == XKU_SSL_CLIENT);
}

TEST_CASE("ca sign: every serial is distinct and recorded in the serials file") {
  CaFixture f;
  auto a = read_cert(f.sign("a.example.org").out);
  auto b = read_cert(f.sign("b.example.org").out);
  const std::string sa = serial_hex(a.get()), sb = serial_hex(b.get());
  CHECK(sa != sb);
  CHECK(sa.size() >= 30);  // 128 random bits, leading zero bytes aside
  const std::string serials = test::slurp(f.dir + "/serials");
  CHECK(serials.find("\n" + sa + "\t") != std::string::npos);
  CHECK(serials.find("\n" + sb + "\t") != std::string::npos);
}
