#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include "core/data_dir.h"
#include "core/error.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {

// Restores (or unsets) an environment variable at scope exit.
class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    const char* v = ::getenv(name);
    if (v != nullptr) old_ = v, had_ = true;
  }
  ~EnvGuard() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

}  // namespace

TEST_CASE("templates_dir: MTLSCERT_TEMPLATES wins, and a wrong one is an error naming it") {
  test::TempDir dir;
  EnvGuard guard("MTLSCERT_TEMPLATES");
  ::setenv("MTLSCERT_TEMPLATES", dir.path().c_str(), 1);
  CHECK(templates_dir() == dir.path());
  ::setenv("MTLSCERT_TEMPLATES", dir.file("missing").c_str(), 1);
  const std::string wrong =
      "templates directory '" + dir.file("missing") + "' (from MTLSCERT_TEMPLATES) is not a directory";
  CHECK_THROWS_WITH_AS(templates_dir(), doctest::Contains(wrong.c_str()), Error);
  ::unsetenv("MTLSCERT_TEMPLATES");
  // From the test binary (not installed) the source tree's templates/ is found.
  CHECK(templates_dir() == std::string(MTLSCERT_SOURCE_DIR) + "/templates");
}

TEST_CASE("find_templates_dir: the search order") {
  test::TempDir root;
  for (const char* d : {"usr", "usr/bin", "usr/share", "usr/share/mtlscert", "usr/share/mtlscert/templates", "src",
                        "src/templates", "opt", "opt/templates"}) {
    REQUIRE(::mkdir(root.file(d).c_str(), 0755) == 0);
  }
  const std::string installed = root.file("usr/share/mtlscert/templates");
  const std::string source = root.file("src/templates");
  const std::string configured = root.file("opt/templates");
  const std::string nowhere = root.file("nowhere");
  struct Row {
    const char* label;
    TemplateSearch search;
    std::string expected;
  };
  const Row rows[] = {
      {"installed next to the binary, any prefix", {"", root.file("usr/bin/mtlscert"), source, configured}, installed},
      {"a build tree: the source tree's", {"", root.file("build/tools/mtlscert"), source, configured}, source},
      {"only the configured prefix is left", {"", root.file("build/tools/mtlscert"), nowhere, configured}, configured},
      {"the environment overrides everything", {configured, root.file("usr/bin/mtlscert"), source, ""}, configured},
  };
  for (const auto& row : rows) {
    CAPTURE(row.label);
    CHECK(find_templates_dir(row.search) == row.expected);
  }
}

TEST_CASE("find_templates_dir: nothing found names every place tried") {
  test::TempDir root;
  TemplateSearch search{"", root.file("usr/bin/mtlscert"), root.file("src/templates"), root.file("opt/t")};
  CHECK(candidate_template_dirs(search) == std::vector<std::string>{root.file("usr/share/mtlscert/templates"),
                                                                    root.file("src/templates"), root.file("opt/t")});
  const std::string tried = "cannot find mtlscert's templates directory: tried " +
                            root.file("usr/share/mtlscert/templates") + ", " + root.file("src/templates") + ", " +
                            root.file("opt/t");
  CHECK_THROWS_WITH_AS(find_templates_dir(search), doctest::Contains(tried.c_str()), Error);
}
