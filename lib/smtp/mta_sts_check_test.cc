#include "smtp/mta_sts_check.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "dns_answer.h"

using namespace mtlscert;

namespace {

MtaStsAddress good(const std::string& address) {
  return {.address = address, .tls = true, .pkix = true, .problem = {}};
}

MtaStsAddress wrong_name(const std::string& address) {
  return {.address = address, .tls = true, .pkix = false, .problem = "the certificate is not valid for the name x"};
}

std::vector<MtaStsHost> two_hosts() {
  return {{.preference = 10, .host = "mx1.example.org", .addresses = {good("192.0.2.1")}},
          {.preference = 20, .host = "mx2.example.org", .addresses = {good("192.0.2.2")}}};
}

DnsAnswer<std::string> txt(std::vector<std::string> records, DnsOutcome outcome = DnsOutcome::Answer) {
  return test::txt_answer("_mta-sts.example.org", std::move(records), outcome);
}

}  // namespace

TEST_CASE("mta-sts check: every MX matching and valid passes, whatever the mode") {
  for (std::string mode : {"enforce", "testing"}) {
    std::vector<Finding> findings;
    auto v = evaluate_mta_sts_mx({.mode = mode, .mx = {"mx1.example.org", "*.example.org"}, .max_age = 86400},
                                 two_hosts(), findings);
    CHECK(findings.empty());
    REQUIRE(v.size() == 2);
    CHECK(v[0].pattern == "mx1.example.org");
    CHECK(v[1].pattern == "*.example.org");
    CHECK((v[0].ok && v[1].ok && v[0].tls));
  }
}

TEST_CASE("mta-sts check: an MX outside the patterns is an error in enforce, a warning in testing") {
  struct Row {
    std::string mode;
    Level level;
    std::string start;
  };
  for (const auto& row :
       {Row{"enforce", Level::Error, "an MTA-STS enforcing sender will not deliver to mx2.example.org"},
        Row{"testing", Level::Warn,
            "in mode testing senders still deliver to mx2.example.org (and report the failure by TLS-RPT)"},
        Row{"none", Level::Notice, "mode none: senders ignore the policy for mx2.example.org"}}) {
    CAPTURE(row.mode);
    std::vector<Finding> findings;
    auto v =
        evaluate_mta_sts_mx({.mode = row.mode, .mx = {"mx1.example.org"}, .max_age = 86400}, two_hosts(), findings);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].code == "mta-sts-mx-not-in-policy");
    CHECK(findings[0].level == row.level);
    CHECK(findings[0].message == row.start + ": it matches no mx: pattern of the policy (mx1.example.org)");
    CHECK(v[0].ok);
    CHECK_FALSE(v[1].ok);
    CHECK(v[1].pattern.empty());
    CHECK(v[1].why == "matches no mx: pattern (mx1.example.org)");
  }
}

TEST_CASE("mta-sts check: a wildcard covers one label only (RFC 8461 4.1)") {
  std::vector<Finding> findings;
  std::vector<MtaStsHost> hosts{{.preference = 10, .host = "a.mx.example.org", .addresses = {good("192.0.2.1")}}};
  auto v = evaluate_mta_sts_mx({.mode = "enforce", .mx = {"*.example.org"}, .max_age = 1}, hosts, findings);
  CHECK_FALSE(v[0].ok);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "mta-sts-mx-not-in-policy");
}

TEST_CASE("mta-sts check: one address with a bad certificate fails its host, naming the address") {
  auto hosts = two_hosts();
  hosts[1].addresses.push_back(wrong_name("2001:db8::2"));
  std::vector<Finding> findings;
  auto v = evaluate_mta_sts_mx({.mode = "enforce", .mx = {"*.example.org"}, .max_age = 1}, hosts, findings);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "mta-sts-cert-invalid");
  CHECK(findings[0].level == Level::Error);
  CHECK(findings[0].message ==
        "an MTA-STS enforcing sender will not deliver to mx2.example.org: its certificate does not verify for "
        "mx2.example.org (2001:db8::2: the certificate is not valid for the name x)");
  CHECK(v[1].failed_addresses == std::vector<std::string>{"2001:db8::2"});
  CHECK_FALSE(v[1].tls);
  CHECK_FALSE(v[1].ok);
}

TEST_CASE("mta-sts check: no STARTTLS is mta-sts-no-tls, no address adds nothing") {
  std::vector<MtaStsHost> hosts{
      {.preference = 10,
       .host = "mx1.example.org",
       .addresses = {{.address = "192.0.2.1", .tls = false, .pkix = false, .problem = "no STARTTLS"}}},
      {.preference = 20, .host = "mx2.example.org", .addresses = {}}};
  std::vector<Finding> findings;
  auto v = evaluate_mta_sts_mx({.mode = "testing", .mx = {"*.example.org"}, .max_age = 1}, hosts, findings);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "mta-sts-no-tls");
  CHECK(findings[0].level == Level::Warn);
  CHECK_FALSE(v[1].ok);
  CHECK(v[1].why == "no address");
}

TEST_CASE("mta-sts check: the TXT record as RFC 8461 3.1 reads it") {
  MtaStsCheck ok;
  CHECK(judge_mta_sts_txt(ok, txt({"v=spf1 -all", "v=STSv1; id=20261203T080000;"})));
  CHECK(ok.txt.id == "20261203T080000");
  CHECK(ok.findings.empty());

  MtaStsCheck none;
  CHECK_FALSE(judge_mta_sts_txt(none, txt({}, DnsOutcome::NxDomain)));
  CHECK(none.status == MtaStsStatus::NoPolicy);
  REQUIRE(none.findings.size() == 1);
  CHECK(none.findings[0].code == "mta-sts-absent");
  CHECK(none.findings[0].level == Level::Notice);
  CHECK(none.ok());
  CHECK(none.summary() == "MTA-STS not published");

  MtaStsCheck two;
  CHECK_FALSE(judge_mta_sts_txt(two, txt({"v=STSv1; id=1", "v=STSv1; id=2"})));
  CHECK(two.status == MtaStsStatus::TxtMultiple);
  REQUIRE(two.findings.size() == 1);
  CHECK(two.findings[0].code == "mta-sts-txt-multiple");
  CHECK(two.findings[0].level == Level::Error);
  CHECK_FALSE(two.ok());

  MtaStsCheck bad;
  CHECK_FALSE(judge_mta_sts_txt(bad, txt({"v=STSv1; id=a-b"})));
  CHECK(bad.status == MtaStsStatus::TxtInvalid);
  REQUIRE(bad.findings.size() == 1);
  CHECK(bad.findings[0].code == "mta-sts-txt-invalid");
  CHECK(bad.summary() == "MTA-STS policy unusable (txt-invalid)");

  MtaStsCheck failed;
  CHECK_FALSE(judge_mta_sts_txt(failed, txt({}, DnsOutcome::Timeout)));
  REQUIRE(failed.findings.size() == 1);
  CHECK(failed.findings[0].code == "mta-sts-txt-lookup-failed");
  CHECK(failed.findings[0].level == Level::Warn);

  // A bogus record is no record: a validating sender's resolver answers SERVFAIL.
  MtaStsCheck bogus;
  auto answer = txt({"v=STSv1; id=1;"});
  answer.security = DnsSecurity::Bogus;
  answer.why_bogus = "signature crypto failed";
  CHECK_FALSE(judge_mta_sts_txt(bogus, answer));
  CHECK(bogus.status == MtaStsStatus::TxtLookupFailed);
  REQUIRE(bogus.findings.size() == 1);
  CHECK(bogus.findings[0].message ==
        "the TXT lookup of _mta-sts.example.org failed (answer: signature crypto failed): senders without a cached "
        "policy apply none");
}

TEST_CASE("mta-sts check: the JSON document and the human lines of an applied policy") {
  MtaStsCheck c;
  c.domain = "example.org";
  c.status = MtaStsStatus::Policy;
  c.txt = {
      .name = "_mta-sts.example.org", .dns = "answer", .dnssec = "insecure", .records = {"v=STSv1; id=1;"}, .id = "1"};
  c.policy_url = "https://mta-sts.example.org/.well-known/mta-sts.txt";
  c.policy_address = "192.0.2.9";
  c.policy = MtaStsPolicy{.mode = "enforce", .mx = {"mx1.example.org"}, .max_age = 604800};
  c.mx = evaluate_mta_sts_mx(*c.policy, two_hosts(), c.findings);
  nlohmann::ordered_json j;
  to_json(j, c);
  CHECK(j["status"] == "policy");
  CHECK(j["ok"] == false);
  CHECK(j["policy"]["mx"] == nlohmann::ordered_json::array({"mx1.example.org"}));
  CHECK(j["mx"][1]["pattern"].is_null());
  CHECK(j["summary"] == "MTA-STS enforce: 1 of 2 MX hosts comply");
  auto lines = c.lines();
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "TXT _mta-sts.example.org: id 1 (insecure)");
  CHECK(lines[3] == "[10] mx1.example.org: OK (matches mx1.example.org, certificate valid)");
  CHECK(lines[4] == "[20] mx2.example.org: REFUSED: matches no mx: pattern (mx1.example.org)");
}

TEST_CASE("mta-sts check: where DANE applies it decides, and a failing DANE is never overridden (RFC 8461 2)") {
  auto hosts = two_hosts();
  hosts[0].dane = MtaStsDane::Matched;  // outside the patterns below, yet DANE-authenticated
  hosts[1].dane = MtaStsDane::Failed;   // inside the patterns with a valid certificate
  hosts[0].host = "dane.example.net";
  std::vector<Finding> findings;
  auto v = evaluate_mta_sts_mx({.mode = "enforce", .mx = {"*.example.org"}, .max_age = 1}, hosts, findings);
  CHECK(findings.empty());  // the DANE findings of the probe say it; nothing twice
  CHECK(v[0].ok);
  CHECK(v[0].dane == MtaStsDane::Matched);
  CHECK_FALSE(v[1].ok);
  CHECK(v[1].why == "DANE applies and fails, which MTA-STS must not override (RFC 8461 2)");
  MtaStsCheck c;
  c.status = MtaStsStatus::Policy;
  c.policy = MtaStsPolicy{.mode = "enforce", .mx = {"*.example.org"}, .max_age = 1};
  c.mx = v;
  auto lines = c.lines();
  CHECK(std::find(lines.begin(), lines.end(),
                  "[10] dane.example.net: OK (DANE applies: its TLSA records match; the policy is not used)") !=
        lines.end());
  nlohmann::ordered_json j;
  to_json(j, c);
  CHECK(j["mx"][0]["decided_by"] == "dane");
}
