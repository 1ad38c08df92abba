// ordered_stream.h (internal): work on a stream of items with N threads, results in input order.
//
// `probe -f` reads a list of any length, probes up to --jobs targets at once and must print
// the results in the order of the list (so that the same list split across machines gives
// the same lines). Items are pulled one at a time and a result waits only while an earlier
// one is still running, and no more than `window` items are ever read but not yet emitted:
// memory stays bounded whatever the length of the input.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace mtlscert::detail {

/// ordered_stream: next() gives the items (nullopt ends the stream; called by one thread at a
/// time), work(item) runs on up to `workers` threads at once, emit(result) is called by one
/// thread at a time, in input order. At most `window` (>= workers) items are read and not yet
/// emitted. The first exception from next, work or emit stops reading; it is rethrown once
/// every running item has finished.
template <class Item, class Result>
void ordered_stream(std::size_t workers, std::size_t window, const std::function<std::optional<Item>()>& next,
                    const std::function<Result(const Item&)>& work, const std::function<void(Result&&)>& emit) {
  workers = std::max<std::size_t>(workers, 1);
  window = std::max(window, workers);
  std::mutex mutex;
  std::condition_variable room;  // a slot in the window opened, or the stream ended
  std::mutex emit_mutex;         // emit() runs under it, outside `mutex`
  std::size_t read = 0;          // items taken from next()
  std::size_t emitted = 0;       // results handed to emit()
  bool ended = false;            // next() said nullopt, or something threw
  std::exception_ptr failure;
  std::map<std::size_t, Result> ready;  // finished, waiting for an earlier one

  auto stop = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!failure) failure = e;
    ended = true;
    room.notify_all();
  };
  auto drain = [&] {
    // Emits every result that is next in line; whoever holds emit_mutex does the writing.
    std::lock_guard<std::mutex> writer(emit_mutex);
    for (;;) {
      std::optional<Result> r;
      {
        std::lock_guard<std::mutex> lock(mutex);
        auto it = ready.find(emitted);
        if (it == ready.end()) return;
        r.emplace(std::move(it->second));
        ready.erase(it);
      }
      emit(std::move(*r));
      std::lock_guard<std::mutex> lock(mutex);
      ++emitted;
      room.notify_all();
    }
  };
  auto worker = [&] {
    for (;;) {
      std::optional<Item> item;
      std::size_t index = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        room.wait(lock, [&] { return ended || read < emitted + window; });
        if (ended) return;
        try {
          item = next();
        } catch (...) {
          if (!failure) failure = std::current_exception();
          ended = true;
          room.notify_all();
          return;
        }
        if (!item) {
          ended = true;
          room.notify_all();
          return;
        }
        index = read++;
      }
      try {
        Result r = work(*item);
        {
          std::lock_guard<std::mutex> lock(mutex);
          ready.emplace(index, std::move(r));
        }
        drain();
      } catch (...) {
        stop(std::current_exception());
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  try {
    for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(worker);
  } catch (const std::system_error&) {
    // Fewer threads than asked for: the ones that started (and this one) do the work.
  }
  worker();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace mtlscert::detail
