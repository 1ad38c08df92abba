#include "core/ordered_stream.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using mtlscert::detail::ordered_stream;

namespace {

// A source of the numbers 0..n-1, one per call.
std::function<std::optional<int>()> counter(int n) {
  auto i = std::make_shared<int>(0);
  return [i, n]() -> std::optional<int> {
    if (*i >= n) return std::nullopt;
    return (*i)++;
  };
}

}  // namespace

TEST_CASE("ordered_stream: results come out in input order though later items finish first") {
  std::vector<int> out;
  // Early items take longest, so without the reordering they would come out last.
  ordered_stream<int, int>(
      8, 16, counter(200),
      [](const int& i) {
        std::this_thread::sleep_for(std::chrono::microseconds((200 - i) * 20));
        return i * 10;
      },
      [&](int&& r) { out.push_back(r); });
  REQUIRE(out.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(out[static_cast<std::size_t>(i)] == i * 10);
}

TEST_CASE("ordered_stream: never more items read than the window, whatever the input's length") {
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  std::size_t emitted = 0;
  ordered_stream<int, int>(
      4, 6,
      [src = counter(1000), &in_flight, &most]() mutable {
        auto v = src();
        if (v) {
          int now = ++in_flight;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
        }
        return v;
      },
      [](const int& i) {
        if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));  // a slow head of line
        return i;
      },
      [&](int&& r) {
        CHECK(static_cast<std::size_t>(r) == emitted);
        ++emitted;
        --in_flight;
      });
  CHECK(emitted == 1000);
  CHECK(most.load() <= 6);
  CHECK(most.load() >= 2);
}

TEST_CASE("ordered_stream: one worker is plain sequential, an empty input emits nothing") {
  std::vector<int> out;
  ordered_stream<int, int>(
      1, 1, counter(5), [](const int& i) { return i; }, [&](int&& r) { out.push_back(r); });
  CHECK(out == std::vector<int>{0, 1, 2, 3, 4});
  out.clear();
  ordered_stream<int, int>(
      4, 8, counter(0), [](const int& i) { return i; }, [&](int&& r) { out.push_back(r); });
  CHECK(out.empty());
}

TEST_CASE("ordered_stream: an exception from work or next stops the stream and is rethrown") {
  std::atomic<int> worked{0};
  auto failing_work = [&] {
    ordered_stream<int, int>(
        4, 8, counter(100000),
        [&](const int& i) {
          ++worked;
          if (i == 10) throw std::runtime_error("item 10 failed");
          return i;
        },
        [](int&&) {});
  };
  CHECK_THROWS_WITH_AS(failing_work(), "item 10 failed", std::runtime_error);
  CHECK(worked.load() < 100);
  auto failing_next = [] {
    ordered_stream<int, int>(
        2, 4, []() -> std::optional<int> { throw std::runtime_error("cannot read the list"); },
        [](const int& i) { return i; }, [](int&&) {});
  };
  CHECK_THROWS_WITH_AS(failing_next(), "cannot read the list", std::runtime_error);
}
