// transport.h: a byte stream with deadlines, over a TCP socket or in memory.
//
// The SMTP dialogue (reply.h, probe.h) talks to a Transport, never to a
// socket, so tests can drive it from a string. Every wait has a deadline: a
// read or write that cannot finish by then throws NetError("timeout").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace mtlscert {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

/// NetError: a network or protocol failure with a stable code for scripts and
/// JSON: "refused", "unreachable", "resolve", "timeout", "closed", "garbage",
/// "line-too-long", "too-many-lines", "reply" (4xx/5xx), "no-starttls", "tls-alert",
/// "tls" (other handshake failures).
class NetError : public Error {
 public:
  NetError(std::string code, std::string message, std::string hint = {})
      : Error(std::move(message), {}, std::move(hint)), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

/// Transport: a bidirectional byte stream.
class Transport {
 public:
  virtual ~Transport() = default;
  /// read_some reads at least one and at most n bytes; returns 0 at end of stream.
  /// Throws NetError("timeout") at the deadline, NetError("closed") on a reset.
  virtual std::size_t read_some(char* buf, std::size_t n, Deadline deadline) = 0;
  /// write_all writes every byte or throws NetError.
  virtual void write_all(std::string_view data, Deadline deadline) = 0;
};

/// Endpoint: where to connect. host is a name or a numeric address without brackets.
struct Endpoint {
  std::string host;
  std::uint16_t port = 25;
  std::string display() const;  ///< "mx.example.org:25", "[::1]:2525"
};

/// parse_endpoint reads "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6
/// literal ("::1"); default_port applies when no port is given. Throws Error on
/// an empty host, an unclosed bracket or a port outside 1-65535.
Endpoint parse_endpoint(std::string_view text, std::uint16_t default_port);

/// is_ip_literal: true for a numeric IPv4 or IPv6 address (no brackets).
bool is_ip_literal(std::string_view host);

/// SocketTransport: a connected TCP socket, non-blocking, every wait a poll().
class SocketTransport final : public Transport {
 public:
  /// connect resolves the endpoint with getaddrinfo (numeric addresses are never
  /// looked up) and tries each address until one connects; timeout covers both the
  /// name lookup (a silent DNS server cannot stretch it) and the connection.
  /// Throws NetError "resolve", "refused", "unreachable" or "timeout".
  static SocketTransport connect(const Endpoint& endpoint, std::chrono::milliseconds timeout);

  SocketTransport(SocketTransport&& other) noexcept;
  SocketTransport& operator=(SocketTransport&&) = delete;
  SocketTransport(const SocketTransport&) = delete;
  ~SocketTransport() override;

  std::size_t read_some(char* buf, std::size_t n, Deadline deadline) override;
  void write_all(std::string_view data, Deadline deadline) override;

  int fd() const noexcept { return fd_; }
  const std::string& peer_address() const noexcept { return peer_; }  ///< numeric, as connected

 private:
  SocketTransport(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}
  int fd_ = -1;
  std::string peer_;
};

/// wait_fd polls fd for events (POLLIN/POLLOUT) until the deadline; returns false
/// on timeout. EINTR restarts with the remaining time.
bool wait_fd(int fd, short events, Deadline deadline);

/// MemoryTransport: reads from a fixed string, records writes (for unit tests).
class MemoryTransport final : public Transport {
 public:
  explicit MemoryTransport(std::string input, std::size_t chunk = 4096) : input_(std::move(input)), chunk_(chunk) {}
  std::size_t read_some(char* buf, std::size_t n, Deadline deadline) override;
  void write_all(std::string_view data, Deadline deadline) override;
  const std::string& written() const noexcept { return written_; }

 private:
  std::string input_;
  std::size_t pos_ = 0;
  std::size_t chunk_;
  std::string written_;
};

}  // namespace mtlscert
