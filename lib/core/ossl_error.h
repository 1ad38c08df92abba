// ossl_error.h: the one place where OpenSSL's error queue is read and translated.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtlscert::ossl {

/// One entry of OpenSSL's error queue.
struct QueuedError {
  unsigned long code = 0;
  std::string library;  ///< e.g. "DECODER routines"
  std::string reason;   ///< e.g. "unsupported"
  std::string data;     ///< extra data OpenSSL attached, e.g. "No supported data to decode."
  std::string text;     ///< the full ERR_error_string_n text
};

/// clear_errors empties the queue; call it before an OpenSSL operation whose
/// failure you will translate, so stale entries are not blamed on it.
void clear_errors() noexcept;

/// drain_errors removes and returns every queued error, oldest first.
std::vector<QueuedError> drain_errors();

/// throw_error drains the queue and throws mtlscert::Error whose message is
/// "<doing>: <most specific OpenSSL reason>" (or "unknown OpenSSL failure while
/// <doing>" when the queue is empty), with a hint mapped from the reason when
/// the caller gave none. The raw queue goes into Error::openssl_queue().
[[noreturn]] void throw_error(std::string_view doing, std::string_view path = {}, std::string_view hint = {});

/// reason_hint maps well-known OpenSSL reasons to advice for an admin; empty if none.
std::string reason_hint(const std::vector<QueuedError>& queue);

}  // namespace mtlscert::ossl
