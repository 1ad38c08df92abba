#include "smtp/transport.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

using namespace mtlscert;

TEST_CASE("wait_fd: false only once the deadline has passed, not a fraction of a millisecond before") {
  // A silent peer: every wait ends by its deadline. probe tells "the target's deadline passed"
  // from "no answer within the timeout" by the clock, so an early return would say the wrong one.
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  for (int i = 0; i < 40; ++i) {
    CAPTURE(i);
    Deadline deadline = Clock::now() + std::chrono::microseconds(1500 + 37 * i);
    CHECK_FALSE(wait_fd(fds[0], POLLIN, deadline));
    CHECK(Clock::now() >= deadline);
  }
  CHECK(::write(fds[1], "x", 1) == 1);
  CHECK(wait_fd(fds[0], POLLIN, Clock::now() + std::chrono::seconds(5)));
  ::close(fds[0]);
  ::close(fds[1]);
}
