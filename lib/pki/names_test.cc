#include <doctest/doctest.h>

#include "core/error.h"
#include "pki/names.h"

using namespace mtlscert;

namespace {

/// HostRow: one validate_host_name expectation, accepted (its A-label form) or refused.
struct HostRow {
  const char* input;
  const char* want_ascii;  // nullptr: must be refused
  const char* want_rule;   // substring of the message when refused
};

template <std::size_t N>
void check_host_rows(const HostRow (&rows)[N]) {
  for (const auto& row : rows) {
    CAPTURE(row.input);
    if (row.want_ascii != nullptr) {
      CHECK(validate_host_name(row.input, "--host").ascii == row.want_ascii);
    } else {
      CHECK_THROWS_WITH_AS(validate_host_name(row.input, "--host"), doctest::Contains(row.want_rule), Error);
    }
  }
}

}  // namespace

TEST_CASE("validate_host_name: one row per rule") {
  const HostRow rows[] = {
      {"smtp.toto.com", "smtp.toto.com", nullptr},
      {"SMTP.Toto.com.", "smtp.toto.com", nullptr},  // trailing dot dropped, lower-cased
      {"mx-1.example.org", "mx-1.example.org", nullptr},
      {"bücher.example", "xn--bcher-kva.example", nullptr},  // U-label to A-label
      {"xn--bcher-kva.example", "xn--bcher-kva.example", nullptr},
      {"", nullptr, "it is empty"},
      {".", nullptr, "it is only a dot"},
      {"localhost", nullptr, "it has a single label"},
      {"smtp..toto.com", nullptr, "label 2 is empty"},
      {".toto.com", nullptr, "label 1 is empty"},
      {"*.toto.com", nullptr, "wildcards are not allowed"},
      {"192.0.2.1", nullptr, "it is an IP address"},
      {"[2001:db8::1]", nullptr, "it is an IP address"},
      {"smtp_1.toto.com", nullptr, "underscores are not allowed"},
      {"smtp toto.com", nullptr, "white space"},
      {"smtp.toto.com'", nullptr, "the character ''' is not allowed"},
      {"smtp.to$to.com", nullptr, "the character '$' is not allowed"},
      {"smtp.to`to.com", nullptr, "the character '`' is not allowed"},
      {"-smtp.toto.com", nullptr, "starts or ends with a hyphen"},
      {"smtp.toto-.com", nullptr, "starts or ends with a hyphen"},
      {"smtp.toto.123", nullptr, "top-level label is all digits"},
      {"a234567890123456789012345678901234567890123456789012345678901234.com", nullptr, "at most 63 are allowed"},
  };
  check_host_rows(rows);
  std::string long_name;
  for (int i = 0; i < 51; ++i) long_name += "abcd.";  // 258 octets
  long_name += "com";
  CHECK_THROWS_WITH_AS(validate_host_name(long_name, "--host"), doctest::Contains("at most 253"), Error);
  auto cn = validate_host_name("a-very-long-label-for-testing-purposes.another-long-label.example.org", "--host");
  CHECK_THROWS_WITH_AS(check_common_name(cn, "--host"), doctest::Contains("more than the 64"), Error);
}

TEST_CASE("parse_mx_lines reads zone lines and dig output, lowest preference wins") {
  auto recs = parse_mx_lines("; zone\ntoto.com. 3600 IN MX 20 backup.toto.com.\ntoto.com. IN MX 10 SMTP.Toto.com.\n");
  REQUIRE(recs.size() == 2);
  CHECK(primary_mx(recs).host.ascii == "smtp.toto.com");
  CHECK(primary_mx(parse_mx_lines("10 mx1.example.org.\n5 mx0.example.org.")).host.ascii == "mx0.example.org");
  CHECK_THROWS_WITH_AS(parse_mx_lines("toto.com. IN A 192.0.2.1"), doctest::Contains("is not an MX record"), Error);
  CHECK_THROWS_WITH_AS(parse_mx_lines("toto.com. IN MX 0 ."), doctest::Contains("null MX"), Error);
  CHECK_THROWS_WITH_AS(parse_mx_lines("toto.com. IN MX x smtp.toto.com."), doctest::Contains("not a number"), Error);
  CHECK_THROWS_WITH_AS(parse_mx_lines(""), doctest::Contains("no MX record"), Error);
}

TEST_CASE("regression: issue 13 row 16: A-labels are decoded, other reserved LDH labels refused") {
  const HostRow rows[] = {
      {"xn--bcher-kva.example", "xn--bcher-kva.example", nullptr},  // bücher: a valid A-label
      {"XN--BCHER-KVA.example", "xn--bcher-kva.example", nullptr},
      {"mx.xn--p1ai", "mx.xn--p1ai", nullptr},              // .рф
      {"ab-cd.example.com", "ab-cd.example.com", nullptr},  // one hyphen: an ordinary label
      {"a--b.example.com", "a--b.example.com", nullptr},    // hyphens in places 2 and 3: not reserved
      {"xn--zz-zz.example.org", nullptr, "label 'xn--zz-zz' is not a valid IDNA A-label"},
      {"mx.xn--abc-.example", nullptr, "starts or ends with a hyphen"},
      {"mx.xn--abc.example", nullptr, "label 'xn--abc' is not a valid IDNA A-label"},
      {"xn--www-.example.org", nullptr, "starts or ends with a hyphen"},
      {"xn--ls8h.example", nullptr, "label 'xn--ls8h' is not a valid IDNA A-label"},  // an emoji: not IDNA2008
      {"ab--cd.example.com", nullptr,
       "label 'ab--cd' has hyphens in its third and fourth places, which are reserved for IDNA (xn--) labels; "
       "CAs refuse such names (Baseline Requirements 7.1.4.2.1)"},
      {"mx.zz--top.example", nullptr, "label 'zz--top' has hyphens in its third and fourth places"},
  };
  check_host_rows(rows);
}
