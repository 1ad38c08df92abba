#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>

#include <fmt/format.h>

#include "bundle/rehash.h"
#include "core/error.h"
#include "core/ossl.h"
#include "pki.h"
#include "tempdir.h"

using namespace mtlscert;

TEST_CASE("regression: issue 13 row 8: a CA directory swapped for a symlink between plan and apply is not followed") {
  test::TempDir tmp;
  ::mkdir(tmp.file("certs").c_str(), 0755);
  ::mkdir(tmp.file("other").c_str(), 0755);
  const auto ca = test::make_cert({.cn = "Rehash Swap CA"});
  tmp.write("certs/ca.pem", ca.cert_pem());
  tmp.write("other/precious", "must stay alone");

  RehashPlan plan = plan_rehash(tmp.file("certs"));
  REQUIRE(plan.count(RehashLink::Action::Create) == 1);
  const std::string link = plan.links.front().name;

  // The swap an attacker with write access to the parent would make: the planned directory
  // moves away and a symlink to another directory takes its name.
  REQUIRE(std::rename(tmp.file("certs").c_str(), tmp.file("moved").c_str()) == 0);
  REQUIRE(::symlink(tmp.file("other").c_str(), tmp.file("certs").c_str()) == 0);
  apply_rehash(plan);

  CHECK(test::count_entries(tmp.file("other")) == 1);  // untouched: only "precious"
  CHECK(test::slurp(tmp.file("other/precious")) == "must stay alone");
  struct stat st {};
  REQUIRE(::lstat(tmp.file("moved/" + link).c_str(), &st) == 0);  // the link went where the plan was made
  CHECK(S_ISLNK(st.st_mode));
  CHECK(test::slurp(tmp.file("moved/" + link)) == ca.cert_pem());
}

TEST_CASE("regression: issue 13 row 8: a stale link is removed in the planned directory, not in a swapped one") {
  test::TempDir tmp;
  ::mkdir(tmp.file("certs").c_str(), 0755);
  ::mkdir(tmp.file("other").c_str(), 0755);
  REQUIRE(::symlink("gone.pem", tmp.file("certs/0badc0de.0").c_str()) == 0);
  REQUIRE(::symlink("gone.pem", tmp.file("other/0badc0de.0").c_str()) == 0);
  RehashPlan plan = plan_rehash(tmp.file("certs"));
  REQUIRE(plan.count(RehashLink::Action::Remove) == 1);
  REQUIRE(std::rename(tmp.file("certs").c_str(), tmp.file("moved").c_str()) == 0);
  REQUIRE(::symlink(tmp.file("other").c_str(), tmp.file("certs").c_str()) == 0);
  apply_rehash(plan);
  struct stat st {};
  CHECK(::lstat(tmp.file("other/0badc0de.0").c_str(), &st) == 0);  // the other directory's entry stays
  CHECK(::lstat(tmp.file("moved/0badc0de.0").c_str(), &st) != 0);  // the planned one is gone
}

TEST_CASE("plan_rehash refuses a symlinked directory and names the real one") {
  test::TempDir tmp;
  ::mkdir(tmp.file("real").c_str(), 0755);
  REQUIRE(::symlink(tmp.file("real").c_str(), tmp.file("link").c_str()) == 0);
  CHECK_THROWS_WITH_AS(plan_rehash(tmp.file("link")), doctest::Contains("is a symbolic link"), Error);
  tmp.write("file", "x");
  REQUIRE(::symlink(tmp.file("file").c_str(), tmp.file("link-to-file").c_str()) == 0);
  CHECK_THROWS_WITH_AS(plan_rehash(tmp.file("link-to-file")), doctest::Contains("Not a directory"), Error);
  CHECK_THROWS_WITH_AS(plan_rehash(tmp.file("file")), doctest::Contains("Not a directory"), Error);
}

// ---- the plan, apart from the disk (plan_rehash_entries) ----------------------------------

namespace {

// The link name openssl rehash gives a certificate's subject, number n.
std::string link_for(const test::Issued& c, int n) {
  return fmt::format("{:08x}.{}", X509_NAME_hash_ex(X509_get_subject_name(c.cert.get()), nullptr, nullptr, nullptr), n);
}

RehashEntry link_entry(std::string name, std::string target) {
  RehashEntry e;
  e.name = std::move(name);
  e.link_target = std::move(target);
  return e;
}

RehashEntry plain_entry(std::string name) {
  RehashEntry e;
  e.name = std::move(name);
  return e;
}

// A PEM CRL issued by ca (no revoked entries).
std::string crl_pem(const test::Issued& ca) {
  ossl::Ptr<X509_CRL> crl(X509_CRL_new());
  REQUIRE(X509_CRL_set_version(crl.get(), 1) == 1);
  REQUIRE(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get())) == 1);
  ossl::Ptr<ASN1_TIME> when(ASN1_TIME_new());
  REQUIRE(ASN1_TIME_set_string(when.get(), "20000101000000Z") == 1);
  REQUIRE(X509_CRL_set1_lastUpdate(crl.get(), when.get()) == 1);
  REQUIRE(X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256()) > 0);
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

const RehashLink* find_link(const RehashPlan& plan, const std::string& name) {
  for (const auto& l : plan.links) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("rehash plan: each certificate gets <subject hash>.0, named as openssl rehash names it") {
  const auto a = test::make_cert({.cn = "Rehash A"});
  const auto b = test::make_cert({.cn = "Rehash B"});
  RehashPlan plan = plan_rehash_entries(
      "/d", {rehash_candidate("b.pem", b.cert_pem()), rehash_candidate("a.crt", a.cert_pem()), plain_entry("README")});
  CHECK(plan.certificates == 2);
  CHECK(plan.crls == 0);
  CHECK(plan.skipped.empty());
  REQUIRE(plan.links.size() == 2);
  CHECK(plan.count(RehashLink::Action::Create) == 2);
  const RehashLink* la = find_link(plan, link_for(a, 0));
  REQUIRE(la != nullptr);
  CHECK(la->target == "a.crt");
  CHECK(la->action == RehashLink::Action::Create);
  CHECK(find_link(plan, link_for(b, 0))->target == "b.pem");
  CHECK(!plan.dir_fd);  // a pure plan: nothing was opened
}

TEST_CASE("rehash plan: two subjects with one hash take .0 and .1 in file-name order") {
  const auto first = test::make_cert({.cn = "Same Name"});
  const auto second = test::make_cert({.cn = "Same Name"});
  RehashPlan plan = plan_rehash_entries(
      "/d", {rehash_candidate("z.pem", second.cert_pem()), rehash_candidate("a.pem", first.cert_pem())});
  REQUIRE(plan.links.size() == 2);
  CHECK(find_link(plan, link_for(first, 0))->target == "a.pem");
  CHECK(find_link(plan, link_for(first, 1))->target == "z.pem");
}

TEST_CASE("rehash plan: an identical certificate is linked once, the copy is skipped and named") {
  const auto a = test::make_cert({.cn = "Rehash Copy"});
  RehashPlan plan =
      plan_rehash_entries("/d", {rehash_candidate("a.pem", a.cert_pem()), rehash_candidate("b.pem", a.cert_pem())});
  CHECK(plan.links.size() == 1);
  REQUIRE(plan.skipped.size() == 1);
  CHECK(plan.skipped.front() == "b.pem: the same certificate as a.pem");
}

TEST_CASE("rehash plan: a file that is not exactly one PEM certificate is skipped, with the count found") {
  const auto a = test::make_cert({.cn = "Rehash Two 1"});
  const auto b = test::make_cert({.cn = "Rehash Two 2"});
  RehashPlan plan = plan_rehash_entries("/d", {rehash_candidate("two.pem", a.cert_pem() + b.cert_pem()),
                                               rehash_candidate("empty.pem", "nothing here\n")});
  CHECK(plan.links.empty());
  REQUIRE(plan.skipped.size() == 2);
  CHECK(plan.skipped[0] == "empty.pem: it does not hold exactly one PEM certificate or CRL (0 found)");
  CHECK(plan.skipped[1] == "two.pem: it does not hold exactly one PEM certificate or CRL (2 found)");
}

TEST_CASE("rehash plan: a CRL is linked as <issuer hash>.r0") {
  const auto ca = test::make_cert({.cn = "Rehash CRL CA"});
  RehashPlan plan = plan_rehash_entries("/d", {rehash_candidate("ca.crl", crl_pem(ca))});
  CHECK(plan.crls == 1);
  CHECK(plan.certificates == 0);
  REQUIRE(plan.links.size() == 1);
  CHECK(plan.links.front().name == link_for(ca, 0).insert(9, "r"));
  CHECK(plan.links.front().target == "ca.crl");
}

TEST_CASE("rehash plan: run twice changes nothing: a correct link is kept with its number") {
  const auto a = test::make_cert({.cn = "Rehash Keep"});
  RehashPlan plan =
      plan_rehash_entries("/d", {rehash_candidate("a.pem", a.cert_pem()), link_entry(link_for(a, 0), "a.pem")});
  REQUIRE(plan.links.size() == 1);
  CHECK(plan.links.front().action == RehashLink::Action::Keep);
  CHECK(plan.count(RehashLink::Action::Create) == 0);
  CHECK(plan.count(RehashLink::Action::Remove) == 0);
}

TEST_CASE("rehash plan: stale links are removed with the reason, foreign entries are never touched") {
  const auto a = test::make_cert({.cn = "Rehash Stale"});
  const std::string h0 = link_for(a, 0);
  RehashPlan plan = plan_rehash_entries("/d", {rehash_candidate("a.pem", a.cert_pem()),
                                               plain_entry(h0),                       // a regular file: not ours
                                               link_entry("0badc0de.0", "gone.pem"),  // target missing
                                               link_entry("0badc0de.1", "/etc/elsewhere.pem")});  // not ours
  // h0 is taken by the foreign file, so a.pem gets number 1.
  CHECK(find_link(plan, h0) == nullptr);
  REQUIRE(find_link(plan, link_for(a, 1)) != nullptr);
  CHECK(find_link(plan, link_for(a, 1))->action == RehashLink::Action::Create);
  const RehashLink* stale = find_link(plan, "0badc0de.0");
  REQUIRE(stale != nullptr);
  CHECK(stale->action == RehashLink::Action::Remove);
  CHECK(stale->reason == "its target no longer exists");
  CHECK(find_link(plan, "0badc0de.1") == nullptr);
}

TEST_CASE("rehash plan: a link to a file that moved bucket is removed, the file relinked") {
  const auto a = test::make_cert({.cn = "Rehash Moved"});
  RehashPlan plan =
      plan_rehash_entries("/d", {rehash_candidate("a.pem", a.cert_pem()), link_entry("0badc0de.0", "a.pem")});
  const RehashLink* old = find_link(plan, "0badc0de.0");
  REQUIRE(old != nullptr);
  CHECK(old->action == RehashLink::Action::Remove);
  CHECK(old->reason == fmt::format("its target's name hash is now {}", link_for(a, 0).substr(0, 8)));
  CHECK(find_link(plan, link_for(a, 0))->action == RehashLink::Action::Create);
}
