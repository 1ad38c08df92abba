#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/io.h"
#include "tempdir.h"

using namespace mtlscert;

TEST_CASE("write_file_atomic sets the exact mode whatever the umask and leaves no temporary") {
  test::TempDir dir;
  mode_t old = umask(0);
  io::WriteOptions o;
  o.mode = 0600;
  io::write_file_atomic(dir.file("k.pem"), "secret", o);
  umask(old);
  CHECK(test::file_mode(dir.file("k.pem")) == 0600);
  CHECK(test::slurp(dir.file("k.pem")) == "secret");
  CHECK(test::count_entries(dir.path()) == 1);
}

TEST_CASE("write_file_atomic refuses to replace without overwrite, and keeps the old content") {
  test::TempDir dir;
  dir.write("k.pem", "old");
  io::WriteOptions o;
  o.role = "key file";
  CHECK_THROWS_WITH_AS(io::write_file_atomic(dir.file("k.pem"), "new", o),
                       doctest::Contains("refusing to replace key file"), Error);
  CHECK(test::slurp(dir.file("k.pem")) == "old");
  CHECK(test::count_entries(dir.path()) == 1);
  o.overwrite = true;
  io::write_file_atomic(dir.file("k.pem"), "new", o);
  CHECK(test::slurp(dir.file("k.pem")) == "new");
}

TEST_CASE("write_file_atomic with dry_run makes the write's checks and writes nothing") {
  test::TempDir dir;
  io::WriteOptions o;
  o.role = "key file";
  o.dry_run = true;
  CHECK(io::write_file_atomic(dir.file("k.pem"), "secret", o).empty());
  CHECK(test::count_entries(dir.path()) == 0);
  dir.write("old.pem", "old");
  CHECK_THROWS_WITH_AS(io::write_file_atomic(dir.file("old.pem"), "new", o),
                       doctest::Contains("refusing to replace key file"), Error);
  o.overwrite = true;
  io::write_file_atomic(dir.file("old.pem"), "new", o);
  CHECK(test::slurp(dir.file("old.pem")) == "old");
  CHECK_THROWS_WITH_AS(io::write_file_atomic(dir.file("missing/k.pem"), "new", o),
                       doctest::Contains("No such file or directory"), Error);
  // The directory's own warnings come with a dry run too.
  REQUIRE(::chmod(dir.path().c_str(), 0775) == 0);
  auto warnings = io::write_file_atomic(dir.file("k.pem"), "secret", o);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("group-writable") != std::string::npos);
  REQUIRE(::chmod(dir.path().c_str(), 0700) == 0);
  CHECK(test::count_entries(dir.path()) == 1);
}

TEST_CASE("write_file_atomic never writes through a planted symlink") {
  test::TempDir dir;
  dir.write("victim", "precious");
  REQUIRE(symlink(dir.file("victim").c_str(), dir.file("k.pem").c_str()) == 0);
  io::WriteOptions o;
  CHECK_THROWS_WITH_AS(io::write_file_atomic(dir.file("k.pem"), "new", o),
                       doctest::Contains("a symbolic link already exists there"), Error);
  o.overwrite = true;
  io::write_file_atomic(dir.file("k.pem"), "new", o);
  CHECK(test::slurp(dir.file("victim")) == "precious");
  CHECK(test::slurp(dir.file("k.pem")) == "new");
}

TEST_CASE("read_file names the role and path in its errors") {
  test::TempDir dir;
  CHECK_THROWS_WITH_AS(io::read_file(dir.file("missing.pem"), "CSR"), doctest::Contains("cannot open CSR '"), Error);
  CHECK_THROWS_WITH_AS(io::read_file(dir.path(), "CA bundle"), doctest::Contains("is a directory"), Error);
  dir.write("big", std::string(2048, 'x'));
  CHECK_THROWS_WITH_AS(io::read_file(dir.file("big"), "key file", 1024), doctest::Contains("larger than"), Error);
}

TEST_CASE(
    "regression: fault_injection fsize: a file size limit fails the write cleanly instead of killing the process") {
  // Before the fix, SIGXFSZ killed the process inside write() and left a 0600 '.k.pem.tmp-*'
  // behind. The limit is set in a child so that this test process keeps its own.
  test::TempDir dir;
  dir.write("k.pem", "old");
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    struct rlimit limit {
      100, 100
    };
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(4);
    io::WriteOptions o;
    o.mode = 0600;
    o.overwrite = true;
    o.role = "key file";
    try {
      io::write_file_atomic(dir.file("k.pem"), std::string(4096, 'k'), o);
    } catch (const Error& e) {
      std::string what = e.what();
      _exit(what.find("cannot write key file") != std::string::npos && what.find("File too large") != std::string::npos
                ? 0
                : 3);
    }
    _exit(2);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK_FALSE(WIFSIGNALED(status));
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(test::slurp(dir.file("k.pem")) == "old");
  CHECK(test::count_entries(dir.path()) == 1);
}

TEST_CASE("regression: issue 13 row 18: output names of 238 to 255 bytes are written (the temporary name fits)") {
  test::TempDir dir;
  for (std::size_t length : {std::size_t{237}, std::size_t{238}, std::size_t{250}, std::size_t{255}}) {
    CAPTURE(length);
    const std::string name(length, 'k');
    for (bool overwrite : {false, true}) {
      io::WriteOptions o;
      o.mode = 0600;
      o.overwrite = overwrite;
      io::write_file_atomic(dir.file(name), overwrite ? "second" : "first", o);
      CHECK(test::slurp(dir.file(name)) == (overwrite ? "second" : "first"));
    }
    CHECK(test::file_mode(dir.file(name)) == 0600);
    CHECK(::unlink(dir.file(name).c_str()) == 0);
    CHECK(test::count_entries(dir.path()) == 0);  // no temporary left behind
  }
  // 256 bytes is not a valid name: the error is the file system's, about the target.
  io::WriteOptions o;
  CHECK_THROWS_AS(io::write_file_atomic(dir.file(std::string(256, 'k')), "x", o), Error);
  CHECK(test::count_entries(dir.path()) == 0);
}
