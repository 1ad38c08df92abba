#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "bundle/rehash.h"
#include "core/error.h"
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
