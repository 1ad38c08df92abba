// init's plan apart from the disk: plan_init decides every file from what is there and
// writes nothing; apply_init carries it out (files and modes checked in a temp dir); a
// second plan over the result keeps everything.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "pki.h"
#include "sendmail/emit_mc.h"
#include "sendmail/init.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

struct InitFixture {
  test::TempDir tmp;
  InitRequest req;

  explicit InitFixture(bool private_ca) {
    req.host = "mx.example.org";
    req.dir = tmp.file("tls");
    req.private_ca = private_ca;
    req.key = KeySpec{KeyType::Ecdsa, 0, "P-256"};
    // A small trusted bundle of our own: the machine's is not the test's business.
    req.cacert = tmp.write("bundle.pem", test::make_cert({.cn = "Init Test Trust"}).cert_pem());
    req.now = 1767225600;  // 2026-01-01
  }

  InitResult apply() { return apply_init(plan_init(req), load_template("sendmail-tls.mc.in"), "test"); }
};

// By value: steps() builds a fresh vector, so a reference into it would dangle.
InitStep step_at(const InitPlan& plan, const std::string& path) {
  static const InitStep none{};
  for (const auto& s : plan.steps()) {
    if (s.path == path) return s;
  }
  FAIL("no step for " << path);
  return none;
}

}  // namespace

TEST_CASE("init plan: a fresh directory, no CA: key and CSR to create, certificate and CA files pending") {
  InitFixture f(false);
  const InitPlan plan = plan_init(f.req);
  CHECK(test::count_entries(f.tmp.path()) == 1);  // only the bundle: the plan wrote nothing
  CHECK(plan.dir == f.tmp.file("tls"));
  CHECK(plan.key == f.tmp.file("tls/mx.example.org.key"));
  CHECK(plan.dir_step.action == InitAction::Create);
  CHECK(plan.key_step.action == InitAction::Create);
  CHECK(plan.key_step.mode == 0600);
  CHECK(plan.csr_step.action == InitAction::Create);
  CHECK(plan.csr_step.mode == 0644);
  CHECK(!plan.ca_step);
  REQUIRE(plan.cert_step);
  CHECK(plan.cert_step->action == InitAction::Pending);
  CHECK(plan.cacert_step.action == InitAction::Pending);
  CHECK(plan.mc_step.action == InitAction::Write);
  CHECK(!plan.cert_ready);
  REQUIRE(!plan.next_steps.empty());
  CHECK(plan.next_steps.front() == "Submit " + plan.csr + " to your CA (it names mx.example.org).");
  const auto steps = plan.steps();
  std::vector<std::string> paths;
  for (const auto& s : steps) paths.push_back(s.path);
  CHECK(paths == std::vector<std::string>{plan.dir, plan.key, plan.csr, plan.cert, plan.cacert, plan.mc});
}

TEST_CASE("init plan: --ca private adds the CA (0700) and a certificate to create, and the CA files are written") {
  InitFixture f(true);
  f.req.key_group = "root";
  const InitPlan plan = plan_init(f.req);
  REQUIRE(plan.ca_step);
  CHECK(plan.ca_step->action == InitAction::Create);
  CHECK(plan.ca_step->mode == 0700);
  CHECK(plan.ca_dir == f.tmp.file("tls/ca"));
  CHECK(plan.cert_step->action == InitAction::Create);
  CHECK(plan.key_step.mode == 0640);  // --group: readable by that group only
  CHECK(plan.cert_ready);
  CHECK(plan.cacert_step.action == InitAction::Write);
  CHECK(plan.capath_step.action == InitAction::Write);
  CHECK(plan.capath_step.mode == 0755);
  CHECK(std::any_of(plan.next_steps.begin(), plan.next_steps.end(), [](const std::string& s) {
    return s.starts_with("Give ") && s.find("/ca.crt") != std::string::npos;
  }));
}

TEST_CASE("init plan: bad input is refused before anything is planned") {
  InitFixture f(false);
  f.req.host = "not a host";
  CHECK_THROWS_AS(plan_init(f.req), Error);
  f.req.host = "mx.example.org";
  f.req.key = KeySpec{KeyType::Rsa, 1024, ""};
  CHECK_THROWS_AS(plan_init(f.req), Error);
  CHECK(test::count_entries(f.tmp.path()) == 1);
}

TEST_CASE("init preview: the plan as init's summary, marked as a dry run") {
  InitFixture f(true);
  const InitResult r = preview_init(plan_init(f.req));
  CHECK(r.dry_run);
  CHECK(!r.checked);
  REQUIRE(r.files.size() == 8);  // dir, key, CSR, CA, certificate, CA file, CA directory, .m4
  CHECK(r.files[1].status == "would create");
  CHECK(r.files[1].mode == 0600);
  CHECK(r.files[7].status == "would write");
  CHECK(to_json(r, "mtlscert.init/2").find("\"dry_run\": true") != std::string::npos);
  CHECK(test::count_entries(f.tmp.path()) == 1);
}

TEST_CASE("init apply: every file made with its mode, and a second plan keeps them all") {
  InitFixture f(true);
  const InitResult r = f.apply();
  CHECK(!r.dry_run);
  CHECK(test::file_mode(f.tmp.file("tls")) == 0755);
  CHECK(test::file_mode(f.tmp.file("tls/mx.example.org.key")) == 0600);
  CHECK(test::file_mode(f.tmp.file("tls/mx.example.org.csr")) == 0644);
  CHECK(test::file_mode(f.tmp.file("tls/mx.example.org.crt")) == 0644);
  CHECK(test::file_mode(f.tmp.file("tls/ca")) == 0700);
  CHECK(test::file_mode(f.tmp.file("tls/ca/ca.key")) == 0600);
  CHECK(test::file_mode(f.tmp.file("tls/cacert.pem")) == 0644);
  CHECK(test::file_mode(f.tmp.file("tls/certs")) == 0755);
  if (!r.blocked) CHECK(test::file_mode(f.tmp.file("tls/mtlscert-starttls.m4")) == 0644);
  REQUIRE(r.files.size() == 8);
  CHECK(r.files[1].status.starts_with("created (ECDSA P-256"));
  CHECK(r.files[4].status == "created");

  const InitPlan again = plan_init(f.req);
  CHECK(again.dir_step.action == InitAction::Keep);
  CHECK(again.key_step.action == InitAction::Keep);
  CHECK(again.key_step.why.starts_with("ECDSA P-256"));
  CHECK(again.csr_step.action == InitAction::Keep);
  CHECK(again.ca_step->action == InitAction::Keep);
  CHECK(again.cert_step->action == InitAction::Keep);
  const InitResult rerun = apply_init(again, load_template("sendmail-tls.mc.in"), "test");
  for (const auto& file : rerun.files) {
    CAPTURE(file.path);
    if (rerun.blocked && file.path == again.mc) continue;  // the pre-flight's verdict, not the plan's
    CHECK(file.status.starts_with(kInitUnchanged));
  }
}

TEST_CASE("init plan: a lost key: new key, the CSR rewritten and the certificate reissued, with the reasons") {
  InitFixture f(true);
  f.apply();
  REQUIRE(std::remove(f.tmp.file("tls/mx.example.org.key").c_str()) == 0);
  const InitPlan plan = plan_init(f.req);
  CHECK(plan.key_step.action == InitAction::Create);
  CHECK(plan.csr_step.action == InitAction::Rewrite);
  CHECK(plan.csr_step.why == "it does not carry the key");
  CHECK(plan.cert_step->action == InitAction::Rewrite);
  CHECK(plan.cert_step->why == "it does not match the key");
  CHECK(step_at(plan, plan.cert).action == InitAction::Rewrite);
  CHECK(preview_init(plan).files[2].status == "would rewrite: it does not carry the key");
}

TEST_CASE("init plan: a CA directory replaced: the certificate is reissued by the new CA") {
  InitFixture f(true);
  f.apply();
  f.req.ca_dir = f.tmp.file("other-ca");
  const InitPlan plan = plan_init(f.req);
  CHECK(plan.ca_step->action == InitAction::Create);
  CHECK(plan.cert_step->action == InitAction::Rewrite);
  CHECK(plan.cert_step->why == "it was not issued by this CA");
}

TEST_CASE("init plan: a reused file others may write is refused, naming it") {
  InitFixture f(false);
  f.apply();
  const std::string csr = f.tmp.file("tls/mx.example.org.csr");
  REQUIRE(::chmod(csr.c_str(), 0666) == 0);
  CHECK_THROWS_WITH_AS(plan_init(f.req), doctest::Contains(csr.c_str()), Error);
}
