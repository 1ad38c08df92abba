// parallel.h (internal): split [0, n) into contiguous slices, one per worker thread.
// The bulk paths (decoding 10,000 certificates, hashing 10,000 files) are CPU-bound
// and independent per item; OpenSSL 3 decoding is thread-safe.
#pragma once

#include <cstddef>
#include <functional>

namespace mtlscert::detail {

/// worker_count: hardware threads (at most 8), or MTLSCERT_THREADS when set (>= 1).
std::size_t worker_count();

/// parallel_for calls fn(begin, end) on contiguous slices of [0, n); slices run in
/// parallel when n >= 2 * min_per_worker. The first exception thrown by a slice is
/// rethrown after every slice has finished.
void parallel_for(std::size_t n, std::size_t min_per_worker,
                  const std::function<void(std::size_t begin, std::size_t end)>& fn);

}  // namespace mtlscert::detail
