#include <doctest/doctest.h>

#include <openssl/x509.h>

#include "core/error.h"
#include "pki.h"
#include "sendmail/access_map.h"

using namespace mtlscert;

namespace {
ossl::Ptr<X509_NAME> name_of(const std::vector<std::pair<std::string, std::string>>& rdns) {
  ossl::Ptr<X509_NAME> n(X509_NAME_new());
  for (const auto& [field, value] : rdns) {
    REQUIRE(X509_NAME_add_entry_by_txt(n.get(), field.c_str(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), -1, 0) == 1);
  }
  return n;
}
}  // namespace

TEST_CASE("access: sendmail's xtext, byte by byte") {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"/C=US/O=Let's Encrypt/CN=R11", "/C=US/O=Let's+20Encrypt/CN=R11"},
      {"a+b", "a+2Bb"},
      {"a\\b", "a+5Cb"},
      {"(c) <x> \"q\"", "+28c+29+20+3Cx+3E+20+22q+22"},
      {"tab\there", "tab+09here"},
      {"\x7f\x80\xff", "+7F+80+FF"},
      {"!~=/,.:;'", "!~=/,.:;'"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.in);
    CHECK(sendmail_xtext(row.in) == row.out);
  }
}

TEST_CASE("access: keys for the reference's examples (X509_NAME_oneline, then xtext)") {
  struct Row {
    std::vector<std::pair<std::string, std::string>> rdns;
    const char* key;
  };
  const Row rows[] = {
      {{{"C", "US"}, {"O", "Internet Security Research Group"}, {"CN", "ISRG Root X1"}},
       "/C=US/O=Internet+20Security+20Research+20Group/CN=ISRG+20Root+20X1"},
      {{{"C", "US"}, {"O", "Let's Encrypt"}, {"CN", "R11"}}, "/C=US/O=Let's+20Encrypt/CN=R11"},
      {{{"C", "US"},
        {"O", "Entrust, Inc."},
        {"OU", "See www.entrust.net/legal-terms"},
        {"OU", "(c) 2009 Entrust, Inc. - for authorized use only"},
        {"CN", "Entrust Root Certification Authority - G2"}},
       "/C=US/O=Entrust,+20Inc./OU=See+20www.entrust.net+5C/legal-terms/OU=+28c+29+202009+20Entrust,+20Inc.+20-+20for+"
       "20authorized+20use+20only/CN=Entrust+20Root+20Certification+20Authority+20-+20G2"},
      {{{"C", "HU"}, {"L", "Budapest"}, {"O", "NetLock Kft."}, {"OU", "Tanúsítv"}},
       "/C=HU/L=Budapest/O=NetLock+20Kft./OU=Tan+5CxC3+5CxBAs+5CxC3+5CxADtv"},
      {{{"C", "DE"}, {"O", "Example GmbH"}, {"CN", "Example Mail Client CA"}},
       "/C=DE/O=Example+20GmbH/CN=Example+20Mail+20Client+20CA"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.key);
    auto n = name_of(row.rdns);
    CHECK(sendmail_name_key(n.get()) == row.key);
  }
}

TEST_CASE("access: a name longer than 255 bytes loses its trailing RDNs, as in sendmail") {
  auto n = name_of({{"O", std::string(60, 'a')},
                    {"OU", std::string(60, 'b')},
                    {"OU", std::string(60, 'c')},
                    {"OU", std::string(60, 'd')},
                    {"CN", "tail"}});
  std::string one = sendmail_oneline(n.get());
  CHECK(one.size() <= 255);
  CHECK(one.find("tail") == std::string::npos);
  CHECK(one.rfind("/O=aaaa", 0) == 0);
}

TEST_CASE("access: policy right-hand sides") {
  for (const char* ok : {"VERIFY", "VERIFY:128", "ENCR:112"}) {
    CAPTURE(ok);
    CHECK_NOTHROW(check_access_policy(ok));
  }
  for (const char* bad : {"", "verify", "VERIFY:", "ENCR", "ENCR:x", "RELAY", "VERIFY:128+CN"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(check_access_policy(bad), Error);
  }
}
