#include "fake_smtp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include <openssl/err.h>

#include "pki/cert_info.h"

namespace mtlscert::test {
namespace {

using Clock = std::chrono::steady_clock;

// Plaintext I/O that gives up when the server is stopped or after 10 s.
bool send_all(int fd, std::string_view data, const std::atomic<bool>& stop) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!data.empty()) {
    if (stop || Clock::now() > deadline) return false;
    struct pollfd p {
      fd, POLLOUT, 0
    };
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads one line byte by byte (never past it: the TLS handshake follows STARTTLS).
bool recv_line(int fd, std::string& line, const std::atomic<bool>& stop) {
  line.clear();
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!stop && Clock::now() < deadline) {
    struct pollfd p {
      fd, POLLIN, 0
    };
    if (::poll(&p, 1, 100) <= 0) continue;
    char c = 0;
    if (::recv(fd, &c, 1, 0) != 1) return false;
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    if (line.size() < 4096) line.push_back(c);
  }
  return false;
}

bool starts_with_ci(const std::string& s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("fake SMTP server: ") + what);
}

}  // namespace

FakeSmtpServer::FakeSmtpServer(FakeSmtpOptions options) : options_(std::move(options)) {
  if (options_.tls.cert != nullptr) {
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    check(ctx_ != nullptr, "SSL_CTX_new");
    check(SSL_CTX_use_certificate(ctx_.get(), options_.tls.cert) == 1, "certificate");
    check(SSL_CTX_use_PrivateKey(ctx_.get(), options_.tls.key) == 1, "key");
    for (X509* x : options_.tls.extra_chain) check(SSL_CTX_add1_chain_cert(ctx_.get(), x) == 1, "chain");
    if (options_.tls.max_version == "1.2") SSL_CTX_set_max_proto_version(ctx_.get(), TLS1_2_VERSION);
    if (options_.tls.request_client_cert) {
      X509_STORE* store = SSL_CTX_get_cert_store(ctx_.get());
      for (X509* ca : options_.tls.client_trust) X509_STORE_add_cert(store, ca);
      STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
      for (X509_NAME* n : options_.tls.ca_names) sk_X509_NAME_push(names, X509_NAME_dup(n));
      SSL_CTX_set_client_CA_list(ctx_.get(), names);  // takes ownership
      SSL_CTX_set_verify(ctx_.get(),
                         SSL_VERIFY_PEER | (options_.tls.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                         nullptr);
    }
  }
  int family = options_.ipv6 ? AF_INET6 : AF_INET;
  listen_fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(listen_fd_ >= 0, "socket");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (options_.ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(std::string("fake SMTP server: cannot listen: ") + std::strerror(errno));
  }
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ntohs(options_.ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                              : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  thread_ = std::thread([this] { loop(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

std::string FakeSmtpServer::address() const {
  return (options_.ipv6 ? "[::1]:" : "127.0.0.1:") + std::to_string(port_);
}

std::vector<std::string> FakeSmtpServer::commands() const {
  std::lock_guard lock(mutex_);
  return commands_;
}

std::string FakeSmtpServer::client_subject() const {
  std::lock_guard lock(mutex_);
  return client_subject_;
}

void FakeSmtpServer::record(std::string line) {
  std::lock_guard lock(mutex_);
  commands_.push_back(std::move(line));
}

void FakeSmtpServer::loop() {
  while (!stop_) {
    struct pollfd p {
      listen_fd_, POLLIN, 0
    };
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    serve(fd);
    ::close(fd);
  }
}

void FakeSmtpServer::serve(int fd) {
  if (options_.smtps) {
    serve_tls(fd);
    return;
  }
  const Behaviour b = options_.behaviour;
  if (b == Behaviour::Silent) {
    // Say nothing until the client gives up (or the test ends).
    char c;
    while (!stop_) {
      struct pollfd p {
        fd, POLLIN, 0
      };
      if (::poll(&p, 1, 100) > 0 && ::recv(fd, &c, 1, 0) <= 0) return;
    }
    return;
  }
  if (b == Behaviour::Greeting554) {
    send_all(fd, "554 5.3.2 fake.test.example go away\r\n", stop_);
    return;
  }
  if (b == Behaviour::GarbageGreeting) {
    send_all(fd, "HTTP/1.1 400 Bad Request\r\n\r\n", stop_);
    return;
  }
  if (b == Behaviour::EscapeGreeting) {
    static const std::string kEvil =
        std::string("220 fake.test.example \x1b[2J\x1b]0;owned\x07 ESMTP") + '\0' + "x\r\n";
    if (!send_all(fd, kEvil, stop_)) return;
  } else if (!send_all(fd, "220 fake.test.example ESMTP fake ready\r\n", stop_)) {
    return;
  }
  std::string line;
  while (recv_line(fd, line, stop_)) {
    record(line);
    if (starts_with_ci(line, "EHLO")) {
      if (b == Behaviour::EndlessMultiline) {
        for (long i = 0; send_all(fd, "250-this reply never ends " + std::to_string(i) + "\r\n", stop_); ++i) {
        }
        return;
      }
      if (b == Behaviour::HugeLine) {
        send_all(fd, "250-" + std::string(100 * 1024, 'A') + "\r\n250 OK\r\n", stop_);
        continue;
      }
      std::string reply = "250-fake.test.example Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n";
      if (b != Behaviour::NoStarttls) reply += "250-STARTTLS\r\n";
      reply += "250 8BITMIME\r\n";
      if (!send_all(fd, reply, stop_)) return;
    } else if (starts_with_ci(line, "STARTTLS")) {
      if (b == Behaviour::Refuse454) {
        send_all(fd, "454 4.7.0 TLS not available due to local problem\r\n", stop_);
        continue;
      }
      if (b == Behaviour::InjectAfterStarttls) {
        send_all(fd, "220 2.0.0 Ready to start TLS\r\n250 injected\r\n", stop_);
      } else {
        send_all(fd, "220 2.0.0 Ready to start TLS\r\n", stop_);
      }
      if (b == Behaviour::CloseAfterStarttls) return;
      serve_tls(fd);
      return;
    } else if (starts_with_ci(line, "QUIT")) {
      send_all(fd, "221 2.0.0 fake.test.example closing connection\r\n", stop_);
      return;
    } else {
      send_all(fd, "500 5.5.1 Command unrecognized\r\n", stop_);
    }
  }
}

void FakeSmtpServer::serve_tls(int fd) {
  if (!ctx_) return;
  // Blocking with a receive timeout: a stuck client cannot hold the thread for long.
  struct timeval tv {
    5, 0
  };
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ossl::Ptr<SSL> ssl(SSL_new(ctx_.get()));
  SSL_set_fd(ssl.get(), fd);
  if (SSL_accept(ssl.get()) != 1) {
    // Linger like a careful server: close our side, let the client read the
    // alert, and do not reset the connection under it.
    ERR_clear_error();
    ::shutdown(fd, SHUT_WR);
    char sink[512];
    for (int i = 0; i < 10 && ::recv(fd, sink, sizeof sink, 0) > 0; ++i) {
    }
    return;
  }
  auto write = [&](std::string_view s) { return SSL_write(ssl.get(), s.data(), static_cast<int>(s.size())) > 0; };
  if (options_.smtps && !write("220 fake.test.example ESMTP fake ready (TLS)\r\n")) return;
  std::string line;
  char c = 0;
  for (;;) {
    int n = SSL_read(ssl.get(), &c, 1);
    if (n <= 0) {
      // TLS 1.3: a rejected client certificate fails here, and OpenSSL sends the alert.
      ERR_clear_error();
      break;
    }
    if (c != '\n') {
      if (line.size() < 4096) line.push_back(c);
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    record("TLS " + line);
    if (X509* peer = SSL_get0_peer_certificate(ssl.get())) {
      std::lock_guard lock(mutex_);
      client_subject_ = name_rfc2253(X509_get_subject_name(peer));
    }
    if (starts_with_ci(line, "EHLO")) {
      write("250-fake.test.example Hello, TLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    } else if (starts_with_ci(line, "QUIT")) {
      write("221 2.0.0 fake.test.example closing connection\r\n");
      SSL_shutdown(ssl.get());
      break;
    } else {
      write("500 5.5.1 Command unrecognized\r\n");
    }
    line.clear();
  }
  ERR_clear_error();
}

}  // namespace mtlscert::test
