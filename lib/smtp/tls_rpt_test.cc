#include "smtp/tls_rpt.h"

#include <doctest/doctest.h>

#include "core/error.h"
#include "dns_answer.h"

using namespace mtlscert;

namespace {

DnsAnswer<std::string> txt(std::vector<std::string> records, DnsOutcome outcome = DnsOutcome::Answer) {
  return test::txt_answer("_smtp._tls.example.org", std::move(records), outcome);
}

}  // namespace

TEST_CASE("tls-rpt: the rua list of a record, mailto and https") {
  CHECK(parse_tls_rpt_txt("v=TLSRPTv1; rua=mailto:tlsrpt@example.org") ==
        std::vector<std::string>{"mailto:tlsrpt@example.org"});
  CHECK(parse_tls_rpt_txt("v=TLSRPTv1;rua=mailto:a@example.org , https://r.example.org/tls;ext=1;") ==
        std::vector<std::string>{"mailto:a@example.org", "https://r.example.org/tls"});
}

TEST_CASE("tls-rpt: a malformed record is refused, naming the rule") {
  CHECK_THROWS_WITH_AS(parse_tls_rpt_txt("v=TLSRPTv2; rua=mailto:a@b"), "'v=TLSRPTv2' is not 'v=TLSRPTv1'", Error);
  CHECK_THROWS_WITH_AS(parse_tls_rpt_txt("v=TLSRPTv1"), "no rua= field: senders have nowhere to send reports", Error);
  CHECK_THROWS_WITH_AS(parse_tls_rpt_txt("v=TLSRPTv1; rua=ftp://x"),
                       "rua 'ftp://x' is neither mailto: nor https:", Error);
  CHECK_THROWS_WITH_AS(parse_tls_rpt_txt("v=TLSRPTv1; rua=mailto:nobody"),
                       "rua 'mailto:nobody' has no mail address after mailto:", Error);
  CHECK_THROWS_WITH_AS(parse_tls_rpt_txt("v=TLSRPTv1; rua=https:///x"), "rua 'https:///x' has no host", Error);
  CHECK_THROWS_WITH_AS(parse_tls_rpt_txt("v=TLSRPTv1; rua=mailto:a@b; rua=mailto:c@d"), "a second rua field", Error);
  CHECK_THROWS_WITH_AS(parse_tls_rpt_txt("v=TLSRPTv1; junk"), "'junk' is not 'key=value'", Error);
}

TEST_CASE("tls-rpt: judge applies RFC 8460 3 to the TXT answer") {
  auto valid = judge_tls_rpt(txt({"v=spf1 -all", "v=TLSRPTv1; rua=mailto:r@example.org"}));
  CHECK(valid.status == "valid");
  CHECK(valid.rua == std::vector<std::string>{"mailto:r@example.org"});
  CHECK(valid.findings.empty());

  auto absent = judge_tls_rpt(txt({}, DnsOutcome::NxDomain));
  CHECK(absent.status == "absent");
  REQUIRE(absent.findings.size() == 1);
  CHECK(absent.findings[0].code == "tls-rpt-absent");
  CHECK(absent.findings[0].level == Level::Notice);
  // "v=TLSRPTv10" is another record, not ours.
  CHECK(judge_tls_rpt(txt({"v=TLSRPTv10; rua=mailto:a@b"})).status == "absent");

  auto two = judge_tls_rpt(txt({"v=TLSRPTv1; rua=mailto:a@b", "v=TLSRPTv1; rua=mailto:c@d"}));
  CHECK(two.status == "multiple");
  REQUIRE(two.findings.size() == 1);
  CHECK(two.findings[0].code == "tls-rpt-multiple");
  CHECK(two.findings[0].level == Level::Warn);

  auto bad = judge_tls_rpt(txt({"v=TLSRPTv1; rua=gopher://x"}));
  CHECK(bad.status == "invalid");
  REQUIRE(bad.findings.size() == 1);
  CHECK(bad.findings[0].code == "tls-rpt-invalid");
  CHECK(bad.findings[0].message ==
        "the TLS-RPT record at _smtp._tls.example.org is invalid: rua 'gopher://x' is neither mailto: nor https:");

  auto failed = judge_tls_rpt(txt({}, DnsOutcome::ServFail));
  CHECK(failed.status == "lookup-failed");
  REQUIRE(failed.findings.size() == 1);
  CHECK(failed.findings[0].code == "tls-rpt-lookup-failed");
}
