#include "smtp/fleet.h"

#include <doctest/doctest.h>

#include <sstream>

using namespace mtlscert;

TEST_CASE("fleet: target_of_line keeps the target, drops comments and blanks, reads --mx lines") {
  CHECK(target_of_line("mx.example.org").target == "mx.example.org");
  CHECK_FALSE(target_of_line("mx.example.org").mx);
  CHECK(target_of_line("  127.0.0.2:2525  # the test server\r").target == "127.0.0.2:2525");
  CHECK(target_of_line("[::1]:25").target == "[::1]:25");
  CHECK(target_of_line("# only a comment").target == "");
  CHECK(target_of_line("   \t").target == "");
  CHECK(target_of_line("").target == "");
  FleetTarget d = target_of_line("  --mx \t example.org.  # all of its MX hosts");
  CHECK(d.target == "example.org.");
  CHECK(d.mx);
  CHECK_THROWS_WITH_AS(target_of_line("mx1.example.org mx2.example.org"),
                       "'mx1.example.org mx2.example.org' holds more than one target", Error);
  CHECK_THROWS_WITH_AS(target_of_line("--mx a.example b.example"),
                       "'--mx a.example b.example' holds more than one target", Error);
  CHECK_THROWS_AS(target_of_line("--dane mx.example.org"), Error);
}

TEST_CASE("fleet: run_fleet refuses --jobs 0 and an unreadable CA file before reading the list") {
  std::istringstream list("127.0.0.1:1\n");
  FleetOptions o;
  o.list_name = "list";
  o.jobs = 0;
  int emitted = 0;
  CHECK_THROWS_WITH_AS(run_fleet(o, list, false, [&](const FleetEntry&) { ++emitted; }),
                       "--jobs: 0 is not between 1 and 1024", Error);
  o.jobs = 4;
  o.probe.cacert = "/nonexistent/ca.pem";
  CHECK_THROWS_AS(run_fleet(o, list, false, [&](const FleetEntry&) { ++emitted; }), Error);
  CHECK(emitted == 0);
}

TEST_CASE("fleet: a bad target is an entry of its own, in list order, and fails the run") {
  // Port 1 on loopback: refused at once (nothing listens there on a test machine).
  std::istringstream list("# targets\n127.0.0.1:99999\n\n127.0.0.1:1\n");
  FleetOptions o;
  o.list_name = "list";
  o.jobs = 4;
  o.probe.timeout_seconds = 5;
  std::vector<FleetEntry> got;
  FleetSummary s = run_fleet(o, list, false, [&](const FleetEntry& e) { got.push_back(e); });
  REQUIRE(got.size() == 2);
  CHECK(got[0].line == 2);
  CHECK(got[0].outcome == "invalid-target");
  REQUIRE(got[0].error);
  CHECK(std::string(got[0].error->what()).find("list line 2: '127.0.0.1:99999'") == 0);
  CHECK(got[1].line == 4);
  CHECK(got[1].outcome == "refused");
  CHECK(got[1].exit_code == 2);
  CHECK(s.targets == 2);
  CHECK(s.failed == 2);
  CHECK(s.outcomes["refused"] == 1);
  CHECK(s.exit_code() == 1);
}

TEST_CASE("fleet: with render, each entry reaches emit as its text, in list order, without its report") {
  std::string text;
  for (int port = 1; port <= 40; ++port) text += "127.0.0.1:" + std::to_string(port % 3 + 1) + "\n";
  text += "127.0.0.1:0\n";
  std::istringstream list(text);
  FleetOptions o;
  o.list_name = "list";
  o.jobs = 8;
  o.probe.timeout_seconds = 5;
  std::vector<FleetEntry> got;
  auto render = [](const FleetEntry& e) {
    return e.report ? e.target + " " + e.report->failure->code : e.target + " invalid";
  };
  run_fleet(
      o, list, false, [&](const FleetEntry& e) { got.push_back(e); }, render);
  REQUIRE(got.size() == 41);
  for (int i = 0; i < 40; ++i) {
    CAPTURE(i);
    CHECK(got[i].text == "127.0.0.1:" + std::to_string((i + 1) % 3 + 1) + " refused");
    CHECK_FALSE(got[i].report);
    CHECK(got[i].outcome == "refused");
  }
  CHECK(got[40].text == "127.0.0.1:0 invalid");
  CHECK(got[40].error);
}
