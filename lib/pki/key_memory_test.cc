#include <doctest/doctest.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "pki.h"
#include "pki/inspect.h"
#include "pki/key.h"
#include "tempdir.h"

using namespace mtlscert;

namespace {
// in_child: runs step in a forked child (the protection is for the rest of a process's life,
// so not for the test runner's) and returns the child's report: 0 = core limit 0 and not
// dumpable after the step, 1 = dumpable or core dumps allowed before it (bad setup),
// 2 = still dumpable after, 3 = core limit not 0 after.
int in_child(const std::function<void()>& step) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    struct rlimit some {
      4096, 4096
    };
    ::setrlimit(RLIMIT_CORE, &some);
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1) ::_exit(1);
    try {
      step();
    } catch (...) {
      ::_exit(4);
    }
    if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) ::_exit(2);
    struct rlimit after {};
    ::getrlimit(RLIMIT_CORE, &after);
    ::_exit(after.rlim_cur == 0 && after.rlim_max == 0 ? 0 : 3);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}
}  // namespace

TEST_CASE("regression: issue 13 row 10: no core dump and no ptrace once a key is loaded") {
  test::TempDir dir;
  const std::string key = dir.write("k.pem", test::make_cert({}).key_pem(), 0600);
  CHECK(in_child([&] { load_private_key_file(key); }) == 0);                  // csr --key
  CHECK(in_child([&] { inspect_file(key, 0); }) == 0);                        // inspect
  CHECK(in_child([&] { generate_key({KeyType::Ecdsa, 0, "P-256"}); }) == 0);  // genkey
  // The control: a step without a key leaves the process as it was.
  CHECK(in_child([] {}) == 2);
}
