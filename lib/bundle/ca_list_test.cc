#include <doctest/doctest.h>

#include "bundle/ca_list.h"
#include "pki.h"

using namespace mtlscert;

TEST_CASE("measure_ca_list: 2 + sum(2 + DER subject), duplicates counted once") {
  auto a = test::make_cert({.cn = "Alpha CA"});
  auto b = test::make_cert({.cn = "Beta CA", .extra_rdns = {{"O", "Example Org"}}});
  auto a2 = test::make_cert({.cn = "Alpha CA"});  // same subject, other key
  std::vector<const X509_NAME*> names{X509_get_subject_name(a.cert.get()), X509_get_subject_name(b.cert.get()),
                                      X509_get_subject_name(a2.cert.get())};
  CaListSize s = measure_ca_list(names);
  int la = test::subject_der_length(a.cert.get());
  int lb = test::subject_der_length(b.cert.get());
  CHECK(s.names == 3);
  CHECK(s.unique_names == 2);
  CHECK(s.list_bytes == static_cast<std::size_t>(2 + (2 + la) + (2 + lb)));
  CHECK(s.list_bytes_without_dedup == static_cast<std::size_t>(2 + 2 * (2 + la) + (2 + lb)));
}

TEST_CASE("judge_ca_list_size reports the highest threshold crossed") {
  struct Row {
    std::size_t bytes;
    const char* code;  // empty: no finding
  };
  const Row rows[] = {{1037, ""},
                      {4096, ""},
                      {4097, "ca-list-notice"},
                      {8000, "ca-list-notice"},
                      {8001, "ca-list-warn"},
                      {14686, "ca-list-warn"},
                      {16001, "ca-list-record"},
                      {32001, "ca-list-java"},
                      {65536, "ca-list-unencodable"}};
  for (const auto& row : rows) {
    CAPTURE(row.bytes);
    CaListSize s{.names = 10, .unique_names = 10, .list_bytes = row.bytes};
    auto findings = judge_ca_list_size(s, {}, "confCACERT");
    if (std::string(row.code).empty()) {
      CHECK(findings.empty());
    } else {
      REQUIRE(findings.size() == 1);
      CHECK(findings[0].code == row.code);
    }
  }
  CaListSize debian{.names = 142, .unique_names = 141, .list_bytes = 14686};
  CHECK(ca_list_verdict(debian, {}) ==
        "The CA list is 14,686 bytes (141 names), above 8,000: OpenSSL 0.9.6b-era clients and 8 KiB embedded "
        "TLS stacks abort the handshake with alert 47 (illegal_parameter).");
}
