#include <doctest/doctest.h>

#include <regex>

#include "process.h"
#include "tempdir.h"

using namespace mtlscert::test;

TEST_CASE("probe: --help shows examples and exit codes, and the man page lists every flag") {
  auto r = run_mtlscert({"probe", "--help"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("EXAMPLES:\n  $ mtlscert probe ") != std::string::npos);
  CHECK(r.out.find("EXIT CODES:") != std::string::npos);
  std::string man = slurp(std::string(MTLSCERT_SOURCE_DIR) + "/man/mtlscert-probe.1");
  std::regex flag(R"(  (?:-\w,)?--([a-z0-9_-]+))");
  int seen = 0;
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), flag), end; it != end; ++it) {
    std::string name = (*it)[1];
    if (name == "help") continue;
    CAPTURE(name);
    CHECK(man.find("Fl \\-" + name) != std::string::npos);
    ++seen;
  }
  CHECK(seen == 14);
}
