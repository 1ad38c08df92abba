#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "pki/ca.h"
#include "process.h"

using namespace mtlscert::test;

namespace {

// subcommands lists the names under "Subcommands:" in a --help text.
std::vector<std::string> subcommands(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream in(help);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "Subcommands:") {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.empty() || line[0] != ' ') break;
    if (line.size() > 2 && line[2] != ' ') names.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  return names;
}

// check_help: `mtlscert <path> --help` opens with runnable examples and documents the exit codes;
// then the same for its own subcommands.
void check_help(const std::vector<std::string>& path, int& checked) {
  std::vector<std::string> args = path;
  args.push_back("--help");
  auto r = run_mtlscert(args);
  std::string name = "mtlscert";
  for (const auto& p : path) name += " " + p;
  CAPTURE(name);
  CHECK(r.exit_code == 0);
  auto examples = r.out.find("\nEXAMPLES:\n");
  auto usage = r.out.find("\nUsage: ");
  CHECK(examples != std::string::npos);
  CHECK(examples < usage);                                  // examples come first
  CHECK(r.out.find("\n  $ " + name) != std::string::npos);  // ...and run this very command
  CHECK(r.out.find("\nEXIT CODES:\n  0  done; no error-level finding\n  1  ") != std::string::npos);
  CHECK(r.out.find("\n  2  could not run") != std::string::npos);
  ++checked;
  for (const auto& sub : subcommands(r.out)) {
    std::vector<std::string> deeper = path;
    deeper.push_back(sub);
    check_help(deeper, checked);
  }
}

}  // namespace

TEST_CASE("every command's --help opens with examples and lists the exit codes") {
  auto root = run_mtlscert({"--help"});
  REQUIRE(root.exit_code == 0);
  auto names = subcommands(root.out);
  for (const char* expected : {"genkey", "csr", "inspect"}) {
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  }
  int checked = 0;
  for (const auto& name : names) check_help({name}, checked);
  CHECK(checked >= 3);
  CHECK(root.out.find("EXIT CODES:") != std::string::npos);
}

TEST_CASE("usage errors exit 2, never CLI11's own codes") {
  struct Row {
    std::vector<std::string> args;
    const char* message;
  };
  const Row rows[] = {
      {{}, "Usage: mtlscert"},
      {{"csr", "--key", "k.pem", "--host", "smtp.toto.com", "-o", "x.csr", "--no-such-flag"},
       "not expected: --no-such-flag"},
      {{"inspect"}, "FILE is required"},
      {{"csr", "--host", "smtp.toto.com", "-o", "x.csr"}, "--key is required"},
  };
  for (const auto& row : rows) {
    std::string row_name = row.message;
    CAPTURE(row_name);
    auto r = run_mtlscert(row.args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(row.message) != std::string::npos);
  }
}

TEST_CASE("help: defaults are printed from the library's constants, not restated") {
  auto sign = run_mtlscert({"ca", "sign", "--help"});
  CHECK(sign.out.find("--days INT=" + std::to_string(mtlscert::kDefaultLeafDays) + " ") != std::string::npos);
  auto init = run_mtlscert({"ca", "init", "--help"});
  CHECK(init.out.find("--days INT=" + std::to_string(mtlscert::kDefaultCaDays) + " ") != std::string::npos);
}
