#include <doctest/doctest.h>

#include "core/error.h"
#include "pki.h"
#include "pki/key.h"

using namespace mtlscert;

TEST_CASE("generate_key makes the requested key and PEM is PKCS#8") {
  struct Row {
    KeySpec spec;
    const char* label;
  };
  const Row rows[] = {
      {{KeyType::Rsa, 2048, ""}, "RSA 2048"},
      {{KeyType::Ecdsa, 0, "P-256"}, "ECDSA P-256"},
      {{KeyType::Ecdsa, 0, "P-384"}, "ECDSA P-384"},
      {{KeyType::Ed25519, 0, ""}, "Ed25519"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.label);
    auto key = generate_key(row.spec);
    CHECK(summarize_key(key.get()).label == row.label);
    SecretString pem = private_key_pem(key.get());
    CHECK(pem.view().substr(0, 27) == "-----BEGIN PRIVATE KEY-----");
    auto again = load_private_key(pem.view(), "mem.pem");
    CHECK(same_public_key(key.get(), again.get()));
  }
}

TEST_CASE("spki_sha256_hex of a certificate is that of its key, for every key type") {
  for (KeySpec spec : {KeySpec{KeyType::Rsa, 2048, ""}, KeySpec{KeyType::Ecdsa, 0, "P-256"},
                       KeySpec{KeyType::Ecdsa, 0, "P-384"}, KeySpec{KeyType::Ed25519, 0, ""}}) {
    CAPTURE(key_type_name(spec.type));
    test::Issued ca = test::make_cert({.cn = "SPKI CA", .key = spec});
    std::string from_key = spki_sha256_hex(X509_get0_pubkey(ca.cert.get()));
    CHECK(from_key.size() == 64);
    CHECK(from_key.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(spki_sha256_hex(ca.cert.get()) == from_key);
  }
}

TEST_CASE("validate_key_spec refuses sizes and curves we do not offer") {
  CHECK_THROWS_WITH_AS(validate_key_spec({KeyType::Rsa, 1024, ""}), "--bits: 1024 is not offered for RSA", Error);
  CHECK_THROWS_WITH_AS(validate_key_spec({KeyType::Ecdsa, 0, "P-521"}), "--curve: 'P-521' is not offered", Error);
  CHECK_NOTHROW(validate_key_spec({KeyType::Ecdsa, 0, "p256"}));
  CHECK_THROWS_WITH_AS(parse_key_type("dsa"), "--type: unknown key type 'dsa'", Error);
}

TEST_CASE("load_private_key explains what it got instead of a key") {
  auto ca = test::make_cert({});
  try {
    load_private_key(ca.cert_pem(), "x.pem");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "key file 'x.pem': expected a PEM private key, got a CERTIFICATE");
    CHECK(e.path() == "x.pem");
  }
  CHECK_THROWS_WITH_AS(load_private_key("", "e.pem"), "key file 'e.pem' is empty", Error);
  CHECK_THROWS_WITH_AS(load_private_key("garbage\x01\x02", "g.pem"),
                       "key file 'g.pem': expected a PEM or DER private key, found neither", Error);
  CHECK_THROWS_WITH_AS(
      load_private_key("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "enc.pem"),
      "key file 'enc.pem' is encrypted; sendmail needs an unencrypted key", Error);
}
