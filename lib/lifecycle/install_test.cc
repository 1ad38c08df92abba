// install-cert's plan and its rollback with the reload and the probe replaced by fakes, and
// the expiry rules (parse_duration, expiry_finding) on plain values.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "lifecycle/expiry.h"
#include "lifecycle/install.h"
#include "pki.h"
#include "sendmail/emit_mc.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

constexpr std::time_t kNow = 1767225600;  // 2026-01-01

// A directory init made with its private CA, and a copy of its certificate to install.
struct Fixture {
  test::TempDir tmp;
  InstallRequest req;
  std::vector<std::string> ran;
  Fixture() {
    InitRequest init;
    init.host = "mx.example.org";
    init.dir = tmp.file("tls");
    init.private_ca = true;
    init.key = KeySpec{KeyType::Ecdsa, 0, "P-256"};
    init.cacert = tmp.write("bundle.pem", test::make_cert({.cn = "Install Test Trust"}).cert_pem());
    init.now = kNow;
    init_mail_tls(init, load_template("sendmail-tls.mc.in"), "test");
    req.dir = init.dir;
    req.cacert = init.cacert;
    req.cert = tmp.write("new.crt", test::slurp(init.dir + "/mx.example.org.crt"));
    req.now = kNow;
  }
  InstallHooks hooks(std::string served) {
    InstallHooks h;
    h.run = [this](const std::string& c) {
      ran.push_back(c);
      return 0;
    };
    h.served_serial = [served](const InstallPlan&) { return served; };
    return h;
  }
};

}  // namespace

TEST_CASE("install: the served serial is the new one: installed, reloaded once") {
  Fixture f;
  f.req.reload = "reload-it";
  f.req.probe = "127.0.0.1:25";
  const InstallPlan plan = plan_install(f.req);
  CHECK(plan.files.host == "mx.example.org");
  CHECK(plan.old_serial == plan.serial);
  const InstallOutcome o = install(plan, f.hooks(plan.serial), load_template("sendmail-tls.mc.in"), "test");
  CHECK(o.outcome == "installed");
  CHECK(o.served == plan.serial);
  CHECK(f.ran == std::vector<std::string>{"reload-it"});
  CHECK(test::slurp(plan.files.cert + ".prev") == test::slurp(plan.files.cert));
}

TEST_CASE("install: another serial served: rolled back, reloaded again, error finding") {
  Fixture f;
  f.req.reload = "reload-it";
  f.req.probe = "127.0.0.1:25";
  const InstallPlan plan = plan_install(f.req);
  const InstallOutcome o = install(plan, f.hooks("00"), load_template("sendmail-tls.mc.in"), "test");
  CHECK(o.outcome == "rolled-back");
  CHECK(f.ran.size() == 2);
  REQUIRE(!o.result.findings.empty());
  CHECK(o.result.findings.back().code == "install-rolled-back");
  CHECK(o.result.findings.back().level == Level::Error);
}

// listing: DIR's entries, each "name -> target" for a link, "name mode size" for a file.
std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_symlink()) {
      out.push_back(e.path().filename().string() + " -> " + std::filesystem::read_symlink(e.path()).string());
    } else {
      out.push_back(fmt::format("{} {:o} {}", e.path().filename().string(),
                                static_cast<unsigned>(e.status().permissions()), e.file_size()));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("install: a rollback puts the CApath directory back, new issuers' files and links gone") {
  Fixture f;
  // A certificate from another CA, with its own key: the install adds that CA to certs/.
  test::Issued other_ca = test::make_cert({.cn = "Other Install CA", .ca = true});
  test::Issued leaf = test::make_cert({.cn = "mx.example.org", .ca = false, .dns = {"mx.example.org"}}, &other_ca);
  f.req.cert = f.tmp.write("other.crt", leaf.cert_pem());
  f.req.chain = f.tmp.write("other-chain.crt", other_ca.cert_pem());
  f.req.key = f.tmp.write("other.key", leaf.key_pem());
  f.req.reload = "reload-it";
  f.req.probe = "127.0.0.1:25";
  const InstallPlan plan = plan_install(f.req);
  const std::string certs = f.req.dir + "/certs";
  const auto before = listing(certs);
  REQUIRE(!before.empty());

  SUBCASE("served: the new issuer joins the directory") {
    const InstallOutcome o = install(plan, f.hooks(plan.serial), load_template("sendmail-tls.mc.in"), "test");
    CHECK(o.outcome == "installed");
    CHECK(listing(certs).size() > before.size());
  }
  SUBCASE("not served: rolled back, the directory exactly as before") {
    const InstallOutcome o = install(plan, f.hooks("00"), load_template("sendmail-tls.mc.in"), "test");
    CHECK(o.outcome == "rolled-back");
    CHECK(listing(certs) == before);
    CHECK(std::any_of(o.steps.begin(), o.steps.end(),
                      [&](const std::string& s) { return s.starts_with("restored " + certs + " ("); }));
  }
}

TEST_CASE("preview_install: every check done, nothing written or run") {
  Fixture f;
  f.req.reload = "reload-it";
  const InstallPlan plan = plan_install(f.req);
  const InstallOutcome preview = preview_install(plan);
  CHECK(preview.outcome == "would-install");
  CHECK(!std::filesystem::exists(plan.files.cert + ".prev"));
  CHECK(f.ran.empty());
}

TEST_CASE("plan_install: a certificate for another key is refused before any write") {
  Fixture f;
  f.req.cert = f.tmp.write(
      "other.crt", test::make_cert({.cn = "mx.example.org", .ca = false, .dns = {"mx.example.org"}}).cert_pem());
  CHECK_THROWS_WITH_AS(plan_install(f.req), doctest::Contains("does not match the key"), Error);
}

TEST_CASE("parse_duration: a number and one unit") {
  CHECK(parse_duration("30d", "--x") == 30 * 86400);
  CHECK(parse_duration("12h", "--x") == 12 * 3600);
  CHECK(parse_duration("2w", "--x") == 14 * 86400);
  CHECK(parse_duration("90m", "--x") == 5400);
  CHECK(parse_duration("0s", "--x") == 0);
  for (const char* bad : {"30", "d", "-1d", "3.5d", "30dd", "", "1y"}) {
    CHECK_THROWS_AS(parse_duration(bad, "--x"), Error);
  }
}

TEST_CASE("expiry_finding: within the duration, expired too") {
  CertInfo info;
  info.not_after_epoch = kNow + 10 * 86400;
  info.serial = "01";
  CHECK(expiry_finding(info, "c.pem", 30 * 86400, kNow).has_value());
  CHECK(!expiry_finding(info, "c.pem", 5 * 86400, kNow).has_value());
  info.not_after_epoch = kNow - 86400;
  auto f = expiry_finding(info, "c.pem", 0, kNow);
  REQUIRE(f.has_value());
  CHECK(f->code == "cert-expires-within");
  CHECK(f->message.find("ended 1 day(s) ago") != std::string::npos);
}
