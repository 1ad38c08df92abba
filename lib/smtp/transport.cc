#include "smtp/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace mtlscert {

std::string Endpoint::display() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

bool is_ip_literal(std::string_view host) {
  std::string h(host);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

namespace {

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 65535) {
    throw Error(fmt::format("'{}': the port must be a number from 1 to 65535, got '{}'", whole, text), {},
                "write HOST:PORT, or [IPV6]:PORT for an IPv6 address, e.g. [::1]:2525");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Endpoint parse_endpoint(std::string_view text, std::uint16_t default_port) {
  Endpoint e;
  e.port = default_port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      throw Error(fmt::format("'{}': unclosed '[' in the address", text), {}, "write [IPV6]:PORT, e.g. [::1]:2525");
    }
    e.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        throw Error(fmt::format("'{}': expected ':PORT' after ']', got '{}'", text, rest), {},
                    "write [IPV6]:PORT, e.g. [::1]:2525");
      }
      e.port = parse_port(rest.substr(1), text);
    }
    if (!is_ip_literal(e.host) || e.host.find(':') == std::string::npos) {
      throw Error(fmt::format("'{}': '{}' in brackets is not an IPv6 address", text, e.host));
    }
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    e.host = std::string(text);  // a bare IPv6 literal: no port possible
    if (!is_ip_literal(e.host)) {
      throw Error(fmt::format("'{}' is neither HOST:PORT nor an IPv6 address", text), {},
                  "put an IPv6 address in brackets to give a port: [::1]:2525");
    }
  } else {
    auto colon = text.find(':');
    e.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) e.port = parse_port(text.substr(colon + 1), text);
  }
  if (e.host.empty()) {
    throw Error(fmt::format("'{}': no host name or address", text), {}, "e.g. mtlscert probe mx.example.org:25");
  }
  return e;
}

bool wait_fd(int fd, short events, Deadline deadline) {
  if ((events & POLLIN) != 0) {
    // Acknowledge what arrives at once. A TLS 1.3 server sends its NewSessionTickets in
    // separate records; with Nagle on its side it holds the second one, and the EHLO
    // reply behind it, until our ACK of the first, which Linux delays ~40 ms when we have
    // nothing to send. Quick-ACK mode is not sticky, hence before every wait for input.
    // A non-TCP descriptor (tests) refuses the option; nothing is lost then.
    int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  for (;;) {
    // false means the deadline has passed, never "less than a millisecond left": the caller
    // tells a target's deadline from a wait's timeout by comparing the clock with it.
    auto now = Clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    struct pollfd p {};
    p.fd = fd;
    p.events = events;
    int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
    if (r > 0) return true;  // ready, or POLLERR/POLLHUP: the next call reports it
    if (r < 0 && errno != EINTR) return true;
  }
}

namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* a) const noexcept { freeaddrinfo(a); }
};

using AddrList = std::unique_ptr<addrinfo, AddrInfoDeleter>;

// What the resolver thread hands back; shared, so that a thread still waiting on a silent
// DNS server after the deadline has somewhere to put (and free) its late answer.
struct Lookup {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  bool abandoned = false;
  int rc = 0;
  addrinfo* result = nullptr;
};

// getaddrinfo has no timeout of its own (the stub resolver waits 5 s per try, per server):
// it runs in a thread and the caller waits only until the deadline. A late answer is freed
// by the thread; the thread ends when the resolver gives up.
AddrList resolve(const std::string& host, const std::string& port, const addrinfo& hints, Deadline deadline,
                 std::chrono::milliseconds timeout) {
  if ((hints.ai_flags & AI_NUMERICHOST) != 0) {
    // A numeric address is converted, never looked up: no thread needed (probe -f runs
    // thousands of these).
    addrinfo* result = nullptr;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &result);
    if (rc != 0) {
      throw NetError("resolve", fmt::format("cannot use '{}': {}", host, gai_strerror(rc)),
                     "check the address, or give a host name");
    }
    return AddrList(result);
  }
  auto lookup = std::make_shared<Lookup>();
  auto work = [lookup, host, port, hints] {
    addrinfo* result = nullptr;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &result);
    std::lock_guard<std::mutex> lock(lookup->mutex);
    if (lookup->abandoned) {
      if (rc == 0) freeaddrinfo(result);
      return;
    }
    lookup->rc = rc;
    lookup->result = result;
    lookup->done = true;
    lookup->done_cv.notify_one();
  };
  try {
    std::thread(work).detach();
  } catch (const std::system_error&) {
    work();  // no thread to be had: resolve here, without the deadline
  }
  std::unique_lock<std::mutex> lock(lookup->mutex);
  if (!lookup->done_cv.wait_until(lock, deadline, [&] { return lookup->done; })) {
    lookup->abandoned = true;
    throw NetError(
        "timeout",
        fmt::format("resolving '{}' timed out after {} ms: the DNS server did not answer", host, timeout.count()),
        "check the nameserver lines of /etc/resolv.conf (dig " + host + " MX), or give the server's IP address");
  }
  if (lookup->rc != 0) {
    throw NetError("resolve", fmt::format("cannot resolve '{}': {}", host, gai_strerror(lookup->rc)),
                   "check the host name, or give an IP address");
  }
  return AddrList(lookup->result);
}

std::string numeric_address(const sockaddr* sa, socklen_t len) {
  char host[NI_MAXHOST] = "";
  if (getnameinfo(sa, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) return "?";
  return host;
}

}  // namespace

SocketTransport SocketTransport::connect(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (is_ip_literal(endpoint.host) ? AI_NUMERICHOST : AI_ADDRCONFIG);
  std::string port = std::to_string(endpoint.port);
  // One deadline for the name lookup and the connection: --timeout 1 means one second.
  const Deadline deadline = Clock::now() + timeout;
  AddrList list = resolve(endpoint.host, port, hints, deadline, timeout);
  std::string last_error = "no address";
  std::string code = "unreachable";
  for (addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    std::string peer = numeric_address(a->ai_addr, a->ai_addrlen);
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
    int err = r == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      if (!wait_fd(fd, POLLOUT, deadline)) {
        ::close(fd);
        throw NetError(
            "timeout",
            fmt::format("connecting to {} ({}) timed out after {} ms", endpoint.display(), peer, timeout.count()),
            "check that the server is up and that no firewall drops the connection");
      }
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
    if (err == 0) {
      // Commands are small and each waits for its reply: Nagle's algorithm would
      // only add a delayed-ACK round (40 ms) after the handshake.
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return SocketTransport(fd, peer);
    }
    ::close(fd);
    last_error = fmt::format("{} ({})", std::strerror(err), peer);
    code = err == ECONNREFUSED ? "refused" : "unreachable";
  }
  throw NetError(code, fmt::format("cannot connect to {}: {}", endpoint.display(), last_error),
                 code == "refused" ? "nothing listens on that port; is the mail server running?" : "");
}

SocketTransport::SocketTransport(SocketTransport&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), peer_(std::move(other.peer_)) {}

SocketTransport::~SocketTransport() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t SocketTransport::read_some(char* buf, std::size_t n, Deadline deadline) {
  for (;;) {
    ssize_t r = ::recv(fd_, buf, n, 0);
    if (r >= 0) return static_cast<std::size_t>(r);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      throw NetError("closed", fmt::format("the connection broke: {}", std::strerror(errno)));
    }
    if (!wait_fd(fd_, POLLIN, deadline)) throw NetError("timeout", "timed out waiting for the server");
  }
}

void SocketTransport::write_all(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    ssize_t r = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (r >= 0) {
      data.remove_prefix(static_cast<std::size_t>(r));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      throw NetError("closed", fmt::format("the connection broke while sending: {}", std::strerror(errno)));
    }
    if (!wait_fd(fd_, POLLOUT, deadline)) throw NetError("timeout", "timed out sending to the server");
  }
}

std::size_t MemoryTransport::read_some(char* buf, std::size_t n, Deadline) {
  std::size_t k = std::min({n, chunk_, input_.size() - pos_});
  std::memcpy(buf, input_.data() + pos_, k);
  pos_ += k;
  return k;
}

void MemoryTransport::write_all(std::string_view data, Deadline) { written_.append(data); }

}  // namespace mtlscert
