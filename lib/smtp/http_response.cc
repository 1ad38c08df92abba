#include "smtp/http_response.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/text.h"
#include "smtp/reply.h"

namespace mtlscert {

std::string_view fetch_failure_name(FetchFailure f) {
  switch (f) {
    case FetchFailure::Resolve: return "resolve";
    case FetchFailure::Connect: return "connect";
    case FetchFailure::Timeout: return "timeout";
    case FetchFailure::Tls: return "tls";
    case FetchFailure::Certificate: return "certificate";
    case FetchFailure::Redirect: return "redirect";
    case FetchFailure::Status: return "status";
    case FetchFailure::ContentType: return "content-type";
    case FetchFailure::TooLarge: return "too-large";
    case FetchFailure::Malformed: return "malformed";
  }
  return "unknown";
}

std::string HttpHead::header(std::string_view name) const {
  std::string want = lower(name);
  for (const auto& [k, v] : headers) {
    if (k == want) return v;
  }
  return {};
}

std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

namespace {

[[noreturn]] void malformed(const std::string& what) { throw FetchError(FetchFailure::Malformed, what); }

[[noreturn]] void too_large(std::size_t limit) {
  throw FetchError(FetchFailure::TooLarge, fmt::format("the body is larger than {} bytes", limit),
                   "an MTA-STS policy is a few lines; senders read at most 64 KiB (RFC 8461 3.3)");
}

// Buffered: what the transport sent and the caller has not taken yet.
class Buffered {
 public:
  Buffered(Transport& t, Deadline deadline) : t_(t), deadline_(deadline) {}

  // line: the next line without its CRLF (or bare LF); at most max bytes before the LF.
  std::string line(std::size_t max, const char* what) {
    for (;;) {
      auto lf = buf_.find('\n', pos_);
      if (lf != std::string::npos) {
        if (lf - pos_ > max) malformed(fmt::format("more than {} bytes in the {}", max, what));
        std::string out = buf_.substr(pos_, lf - pos_);
        pos_ = lf + 1;
        if (!out.empty() && out.back() == '\r') out.pop_back();
        return out;
      }
      if (buf_.size() - pos_ > max) malformed(fmt::format("more than {} bytes in the {}", max, what));
      if (!fill()) malformed(fmt::format("the server closed the connection in the {}", what));
    }
  }

  // exactly: n bytes (the caller has bounded n).
  std::string exactly(std::size_t n, const char* what) {
    while (buf_.size() - pos_ < n) {
      if (!fill()) {
        malformed(fmt::format("the server closed the connection after {} of the {} bytes of the {}", buf_.size() - pos_,
                              n, what));
      }
    }
    std::string out = buf_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  // rest: everything until the server closes, at most max bytes.
  std::string rest(std::size_t max) {
    while (buf_.size() - pos_ <= max) {
      bool more = false;
      try {
        more = fill();
      } catch (const NetError& e) {
        // A server that closes without close_notify ends a body framed by the close the
        // same way; the policy parser then judges what arrived.
        if (e.code() != "closed") throw;
      }
      if (!more) return buf_.substr(pos_);
    }
    too_large(max);
  }

 private:
  bool fill() {
    if (pos_ > 0 && pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
    }
    char chunk[4096];
    std::size_t got = t_.read_some(chunk, sizeof chunk, deadline_);
    if (got == 0) return false;
    buf_.append(chunk, got);
    return true;
  }

  Transport& t_;
  Deadline deadline_;
  std::string buf_;
  std::size_t pos_ = 0;
};

bool parse_size(std::string_view text, int base, std::size_t& out) {
  if (text.empty() || text.size() > 16) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

HttpHead read_head(Buffered& in, std::size_t max_head) {
  HttpHead head;
  std::size_t used = 0;
  std::string status = in.line(max_head, "status line");
  used += status.size();
  // "HTTP/1.1 200 OK": the version, a three-digit code, an optional reason.
  if (status.rfind("HTTP/1.", 0) != 0 || status.size() < 12 || status[8] != ' ' ||
      !std::all_of(status.begin() + 9, status.begin() + 12, [](char c) { return c >= '0' && c <= '9'; }) ||
      (status.size() > 12 && status[12] != ' ')) {
    malformed(fmt::format("not an HTTP/1.x status line: '{}'", printable(status)));
  }
  head.version = status.substr(0, 8);
  head.status = std::stoi(status.substr(9, 3));
  head.reason = status.size() > 13 ? printable(status.substr(13)) : std::string();
  for (;;) {
    std::string line = in.line(max_head, "response headers");
    used += line.size() + 2;
    if (used > max_head) malformed(fmt::format("more than {} bytes in the response headers", max_head));
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') malformed("a folded header line (obsolete in HTTP/1.1)");
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      malformed(fmt::format("the header line '{}' is not 'Name: value'", printable(line)));
    }
    head.headers.emplace_back(lower(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return head;
}

std::string read_chunked(Buffered& in, std::size_t max_body) {
  std::string body;
  for (;;) {
    std::string size_line = in.line(1024, "chunk size line");
    std::string hex = trim(size_line.substr(0, size_line.find(';')));
    std::size_t n = 0;
    if (!parse_size(hex, 16, n)) malformed(fmt::format("the chunk size '{}' is not a hex number", printable(hex)));
    if (n == 0) break;
    if (n > max_body - body.size()) too_large(max_body);
    body += in.exactly(n, "chunk");
    if (in.exactly(2, "chunk") != "\r\n") malformed("a chunk longer than its size");
  }
  // Trailer fields, up to the blank line; their content is not needed.
  for (std::size_t lines = 0; !in.line(1024, "trailer").empty();) {
    if (++lines > 64) malformed("more than 64 trailer lines");
  }
  return body;
}

}  // namespace

HttpResponse read_http_response(Transport& t, Deadline deadline, const HttpLimits& limits,
                                const std::function<void(const HttpHead&)>& accept_head) {
  Buffered in(t, deadline);
  HttpResponse r;
  r.head = read_head(in, limits.max_head);
  if (accept_head) accept_head(r.head);
  std::string coding = lower(r.head.header("transfer-encoding"));
  std::string length = r.head.header("content-length");
  if (!coding.empty()) {
    // RFC 9112 6.1: chunked must be the final coding; no other coding is asked for (no
    // Accept-Encoding), so it must be the only one.
    if (coding != "chunked") malformed(fmt::format("Transfer-Encoding '{}', expected chunked", printable(coding)));
    r.body = read_chunked(in, limits.max_body);
  } else if (!length.empty()) {
    std::size_t n = 0;
    if (!parse_size(length, 10, n)) malformed(fmt::format("Content-Length '{}' is not a number", printable(length)));
    for (const auto& [k, v] : r.head.headers) {
      if (k == "content-length" && v != length) malformed("two different Content-Length headers");
    }
    if (n > limits.max_body) too_large(limits.max_body);
    r.body = in.exactly(n, "body");
  } else {
    r.body = in.rest(limits.max_body);
  }
  return r;
}

}  // namespace mtlscert
