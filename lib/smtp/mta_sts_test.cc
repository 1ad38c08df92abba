#include "smtp/mta_sts.h"

#include <doctest/doctest.h>

#include "core/error.h"

using namespace mtlscert;

TEST_CASE("mta-sts: the policy file round-trips through the parser") {
  MtaStsPolicy p{.mode = "enforce", .mx = {"mx1.example.org", "*.Example.NET."}, .max_age = 604800};
  std::string text = mta_sts_policy_text(p);
  CHECK(text == "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: *.example.net\r\nmax_age: 604800\r\n");
  MtaStsPolicy back = parse_mta_sts_policy(text);
  CHECK(back.mode == "enforce");
  CHECK(back.mx == std::vector<std::string>{"mx1.example.org", "*.example.net"});
  CHECK(back.max_age == 604800);
}

TEST_CASE("mta-sts: the parser takes LF line ends, blanks around values and unknown keys") {
  auto p = parse_mta_sts_policy("version: STSv1\nmode:testing\nmx:  mail.example.org \nfoo: bar\nmax_age: 86400\n");
  CHECK(p.mode == "testing");
  CHECK(p.mx == std::vector<std::string>{"mail.example.org"});
  CHECK(p.max_age == 86400);
  CHECK(parse_mta_sts_policy("version: STSv1\r\nmode: none\r\nmax_age: 0\r\n").mx.empty());
}

TEST_CASE("mta-sts: the parser refuses what RFC 8461 forbids, naming the line") {
  CHECK_THROWS_WITH_AS(parse_mta_sts_policy("mode: enforce\nversion: STSv1\n"),
                       "MTA-STS policy line 1: the first field must be 'version: STSv1'", Error);
  CHECK_THROWS_WITH_AS(parse_mta_sts_policy("version: STSv2\n"),
                       "MTA-STS policy line 1: version 'STSv2', expected STSv1", Error);
  CHECK_THROWS_WITH_AS(parse_mta_sts_policy("version: STSv1\nmode: strict\n"),
                       "MTA-STS policy line 2: mode 'strict', expected enforce, testing or none", Error);
  CHECK_THROWS_WITH_AS(parse_mta_sts_policy("version: STSv1\nmode: enforce\nmode: none\n"),
                       "MTA-STS policy line 3: a second 'mode'", Error);
  CHECK_THROWS_WITH_AS(parse_mta_sts_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n"),
                       "MTA-STS policy line 4: max_age '31557601' is not a number of seconds from 0 to 31557600",
                       Error);
  CHECK_THROWS_WITH_AS(parse_mta_sts_policy("version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 1\n"),
                       "MTA-STS policy line 3: 'a.*.example' is not an MX pattern", Error);
  CHECK_THROWS_WITH_AS(parse_mta_sts_policy("version: STSv1\nmode: enforce\nmax_age: 1\n"),
                       "MTA-STS policy: mode enforce without any 'mx' field", Error);
  CHECK_THROWS_WITH_AS(parse_mta_sts_policy("version: STSv1\nmode: enforce\nmx: a.example\n"),
                       "MTA-STS policy: no 'max_age' field", Error);
  CHECK_THROWS_AS(parse_mta_sts_policy(std::string(kMtaStsMaxPolicyBytes + 1, 'x')), Error);
}

TEST_CASE("mta-sts: a wildcard pattern matches exactly one label") {
  CHECK(mx_pattern_matches("*.example.org", "mx.example.org"));
  CHECK(mx_pattern_matches("*.example.org", "MX.Example.Org."));
  CHECK_FALSE(mx_pattern_matches("*.example.org", "a.b.example.org"));
  CHECK_FALSE(mx_pattern_matches("*.example.org", "example.org"));
  CHECK_FALSE(mx_pattern_matches("*.example.org", "mx.example.org.evil"));
  CHECK(mx_pattern_matches("mx.example.org", "mx.example.org."));
  CHECK_FALSE(mx_pattern_matches("mx.example.org", "mx2.example.org"));
}

TEST_CASE("mta-sts: the TXT record, its id and its parser") {
  CHECK(mta_sts_id(0) == "19700101T000000");
  CHECK(mta_sts_txt_record("Example.org.", "20261203T061500") ==
        "_mta-sts.example.org. IN TXT \"v=STSv1; id=20261203T061500;\"");
  CHECK_THROWS_AS(mta_sts_txt_record("example.org", "has-dash"), Error);
  CHECK(parse_mta_sts_txt("v=STSv1; id=abc123;") == "abc123");
  CHECK(parse_mta_sts_txt("v=STSv1;id=abc123") == "abc123");
  CHECK_THROWS_WITH_AS(parse_mta_sts_txt("id=abc; v=STSv1;"), "the _mta-sts TXT record does not start with 'v=STSv1'",
                       Error);
  CHECK_THROWS_AS(parse_mta_sts_txt("v=STSv1; id=;"), Error);
}
