// http_response.h: one HTTP/1.1 response read from a Transport, every part bounded, and the
// typed failure of a fetch (https_fetch.h) that scripts and JSON name by a stable code.
//
// Written for the MTA-STS policy fetch (RFC 8461 3.3): a small client that reads the status
// line and headers (at most ReadLimits-like bounds), lets the caller refuse the head before
// any body is read (a redirect, a 404, a wrong Content-Type), then reads a body framed by
// Content-Length, chunked transfer coding or the end of the connection, never more than
// max_body bytes. Every read is bounded by the caller's deadline (transport.h).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "smtp/transport.h"

namespace mtlscert {

/// FetchFailure: why an HTTPS fetch gave no usable body.
enum class FetchFailure {
  Resolve,      ///< the host has no address
  Connect,      ///< no address accepted the TCP connection
  Timeout,      ///< the deadline passed (connect, handshake, request or response)
  Tls,          ///< the TLS handshake failed for another reason than the certificate
  Certificate,  ///< the server's certificate does not verify for the host (chain or name)
  Redirect,     ///< a 3xx: RFC 8461 3.3 forbids following it
  Status,       ///< another status than 200
  ContentType,  ///< not text/plain
  TooLarge,     ///< a body over the limit
  Malformed,    ///< not an HTTP/1.x response
};

/// fetch_failure_name: "resolve", "connect", "timeout", "tls", "certificate", "redirect",
/// "status", "content-type", "too-large", "malformed" (JSON, finding messages).
std::string_view fetch_failure_name(FetchFailure f);

/// FetchError: an Error with its FetchFailure.
class FetchError : public Error {
 public:
  FetchError(FetchFailure failure, std::string message, std::string hint = {})
      : Error(std::move(message), {}, std::move(hint)), failure_(failure) {}
  FetchFailure failure() const noexcept { return failure_; }

 private:
  FetchFailure failure_;
};

struct HttpHead {
  std::string version;  ///< "HTTP/1.1"
  int status = 0;
  std::string reason;                                        ///< "OK", as sent (printable)
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased, values trimmed
  /// header: the value of the first header of that name (case-insensitive), "" when absent.
  std::string header(std::string_view name) const;
};

struct HttpResponse {
  HttpHead head;
  std::string body;
};

struct HttpLimits {
  std::size_t max_head = 16 * 1024;  ///< status line and headers together
  std::size_t max_body = 64 * 1024;
};

/// read_http_response reads one response from t until the deadline. accept_head (may be
/// empty) sees the head before the body is read and throws to refuse it. Throws
/// FetchError Malformed (not HTTP/1.x, a head over max_head, a bad Content-Length or chunk,
/// the connection closed early) or TooLarge (a body over max_body, refused as soon as a
/// Content-Length or chunk says so); NetError from the transport ("timeout", "closed", "tls")
/// passes through.
HttpResponse read_http_response(Transport& t, Deadline deadline, const HttpLimits& limits,
                                const std::function<void(const HttpHead&)>& accept_head = {});

/// media_type: "text/plain" of "Text/Plain; charset=utf-8" (lower case, parameters dropped).
std::string media_type(std::string_view content_type);

}  // namespace mtlscert
