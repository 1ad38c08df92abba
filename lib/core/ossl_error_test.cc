// ossl_error: OpenSSL's error queue read and translated in one place. The queue entries
// come from real OpenSSL failures (the library is the oracle), never hand-made codes.
#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <string>

#include "core/error.h"
#include "core/ossl.h"
#include "core/ossl_error.h"

using namespace mtlscert;

namespace {

// Reads text as a PEM private key: fails with OpenSSL's own queue for garbage input.
void fail_pem_key(const std::string& text) {
  ossl::Ptr<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  ossl::Ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE_FALSE(key);
}

ossl::QueuedError queued(const char* library, const char* reason) {
  ossl::QueuedError e;
  e.library = library;
  e.reason = reason;
  return e;
}

}  // namespace

TEST_CASE("ossl_error: clear_errors empties the queue, drain_errors takes it oldest first") {
  fail_pem_key("not a key");
  REQUIRE(ERR_peek_error() != 0);
  ossl::clear_errors();
  CHECK(ERR_peek_error() == 0);
  fail_pem_key("not a key");
  auto queue = ossl::drain_errors();
  REQUIRE_FALSE(queue.empty());
  CHECK(ERR_peek_error() == 0);
  for (const auto& e : queue) {
    CHECK(e.code != 0);
    CHECK_FALSE(e.text.empty());
  }
}

TEST_CASE("ossl_error: throw_error names the step, the reason and keeps the raw queue") {
  ossl::clear_errors();
  fail_pem_key("not a key");
  try {
    ossl::throw_error("reading the key", "/tmp/k.pem");
    FAIL("throw_error returned");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).starts_with("reading the key: "));
    CHECK(e.path() == "/tmp/k.pem");
    CHECK_FALSE(e.openssl_queue().empty());
    CHECK_FALSE(e.hint().empty());  // mapped from the reason (reason_hint)
  }
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("ossl_error: an empty queue is an unknown failure, and the caller's hint wins") {
  ossl::clear_errors();
  try {
    ossl::throw_error("signing the certificate", {}, "check the CA key");
    FAIL("throw_error returned");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "unknown OpenSSL failure while signing the certificate");
    CHECK(e.hint() == "check the CA key");
    CHECK(e.openssl_queue().empty());
  }
}

TEST_CASE("ossl_error: reason_hint maps known reasons, and nothing else") {
  CHECK(ossl::reason_hint({queued("DECODER routines", "unsupported")}).find("PKCS#8") != std::string::npos);
  CHECK(ossl::reason_hint({queued("", "bad decrypt")}).find("decrypt it") != std::string::npos);
  CHECK(ossl::reason_hint({queued("", "key values mismatch")}).find("does not belong") != std::string::npos);
  CHECK(ossl::reason_hint({queued("", "something new")}).empty());
  CHECK(ossl::reason_hint({}).empty());
}
