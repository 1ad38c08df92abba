#include "core/parallel.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace mtlscert::detail {

std::size_t worker_count() {
  // Once per run: hardware_concurrency() reads /sys on every call.
  static const std::size_t count = [] {
    if (const char* env = std::getenv("MTLSCERT_THREADS")) {
      long n = std::strtol(env, nullptr, 10);
      if (n >= 1) return static_cast<std::size_t>(std::min(n, 64L));
    }
    unsigned hw = std::thread::hardware_concurrency();
    return std::clamp<std::size_t>(hw == 0 ? 1 : hw, 1, 8);
  }();
  return count;
}

void parallel_for(std::size_t n, std::size_t min_per_worker, const std::function<void(std::size_t, std::size_t)>& fn) {
  std::size_t most = n / std::max<std::size_t>(min_per_worker, 1);
  std::size_t workers = most <= 1 ? 1 : std::min(worker_count(), most);
  if (workers <= 1) {
    if (n > 0) fn(0, n);
    return;
  }
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto slice = [&](std::size_t begin, std::size_t end) {
    try {
      fn(begin, end);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  std::size_t step = (n + workers - 1) / workers;
  for (std::size_t w = 1; w < workers; ++w) {
    std::size_t begin = w * step;
    std::size_t end = std::min(n, begin + step);
    if (begin < end) threads.emplace_back(slice, begin, end);
  }
  slice(0, std::min(n, step));  // the calling thread takes the first slice
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace mtlscert::detail
