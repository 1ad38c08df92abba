// fleet-smtp-server: a small, fast real STARTTLS server for the fleet bench (bench/probe_fleet.sh)
// and the fleet tests, a drop-in for tests/scripts/lib/fleet_server.py.
//
// usage: fleet-smtp-server ADDR PORT CERT KEY [--no-starttls] [--delay-ms N] [--threads N]
//
// Listens on ADDR:PORT (PORT 0: any; the port is printed on stdout once listening) and serves
// with a pool of threads (default 32), each accepting and serving one connection at a time:
// 220 greeting, EHLO (STARTTLS offered unless --no-starttls), STARTTLS, the TLS handshake with
// CERT (a PEM chain) and KEY, EHLO again over TLS, QUIT. Serves until killed.
//
// Why not the python server: 20 python processes doing the TLS side on a 2-core machine spent
// about as much CPU per connection as the client under test, so the bench measured python.
// This one spends a fraction of that, so the fleet figure is the client's.
//
// --delay-ms N holds each server flight (the greeting, every reply, the answer to the
// ClientHello) N ms, the way a server N ms of round trip away looks to the client: the
// latency figure of the bench, apart from the zero-latency one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Config {
  bool starttls = true;
  std::chrono::milliseconds delay{0};
  SSL_CTX* ctx = nullptr;
};

const char kName[] = "mx.test.example";

bool starts_with_ci(std::string_view line, std::string_view word) {
  if (line.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(line[i])) != word[i]) return false;
  }
  return line.size() == word.size() || line[word.size()] == ' ' || line[word.size()] == '\r';
}

// A connection's line reader over plaintext or TLS: both read into one buffer.
class Connection {
 public:
  Connection(int fd, const Config& config) : fd_(fd), config_(config) {}
  ~Connection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void serve() {
    if (!reply("220 " + std::string(kName) + " ESMTP fleet test server")) return;
    std::string line;
    while (next_line(line)) {
      if (starts_with_ci(line, "EHLO") || starts_with_ci(line, "HELO")) {
        bool offer = config_.starttls && ssl_ == nullptr;
        std::string text = "250-" + std::string(kName) + " hello\r\n250-PIPELINING\r\n";
        if (offer) text += "250-STARTTLS\r\n";
        if (!reply(text + "250 8BITMIME")) return;
      } else if (starts_with_ci(line, "STARTTLS") && config_.starttls && ssl_ == nullptr) {
        if (!reply("220 2.0.0 Ready to start TLS")) return;
        // Plaintext sent after STARTTLS is dropped, as a careful server does (CVE-2011-0411).
        buffer_.clear();
        if (!start_tls()) return;
      } else if (starts_with_ci(line, "QUIT")) {
        reply("221 2.0.0 bye");
        if (ssl_ != nullptr) SSL_shutdown(ssl_);
        return;
      } else if (!reply("502 5.5.2 not implemented")) {
        return;
      }
    }
  }

 private:
  void wait() const {
    if (config_.delay.count() > 0) std::this_thread::sleep_for(config_.delay);
  }

  bool reply(const std::string& text) {
    wait();
    std::string data = text + "\r\n";
    if (ssl_ != nullptr) {
      std::size_t put = 0;
      return SSL_write_ex(ssl_, data.data(), data.size(), &put) == 1;
    }
    std::string_view rest = data;
    while (!rest.empty()) {
      ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  bool start_tls() {
    // The delay goes between the ClientHello and the server's flight, as a round trip would.
    if (config_.delay.count() > 0) {
      struct pollfd p {
        fd_, POLLIN, 0
      };
      if (::poll(&p, 1, 10'000) <= 0) return false;
      wait();
    }
    ssl_ = SSL_new(config_.ctx);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1 || SSL_accept(ssl_) != 1) {
      ERR_clear_error();
      return false;
    }
    return true;
  }

  // next_line: the next line without its CRLF; false at the end of the connection.
  bool next_line(std::string& line) {
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        line.assign(buffer_, 0, nl);
        buffer_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
      if (buffer_.size() > 4096) return false;
      char chunk[2048];
      std::size_t got = 0;
      if (ssl_ != nullptr) {
        if (SSL_read_ex(ssl_, chunk, sizeof chunk, &got) != 1) {
          ERR_clear_error();
          return false;
        }
      } else {
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        got = static_cast<std::size_t>(n);
      }
      buffer_.append(chunk, got);
    }
  }

  int fd_;
  const Config& config_;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

void serve_forever(int listen_fd, const Config& config) {
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // A client that stops talking frees the thread after 10 s.
    struct timeval tv {
      10, 0
    };
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    {
      Connection c(fd, config);
      c.serve();
    }
    ::close(fd);
  }
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "fleet-smtp-server: %s\nusage: fleet-smtp-server ADDR PORT CERT KEY [--no-starttls] [--delay-ms N] "
               "[--threads N]\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  Config config;
  int threads = 32;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-starttls") {
      config.starttls = false;
    } else if ((a == "--delay-ms" || a == "--threads") && i + 1 < argc) {
      int v = std::atoi(argv[++i]);
      if (v < 0 || (a == "--threads" && v < 1)) usage("bad number");
      if (a == "--delay-ms") config.delay = std::chrono::milliseconds(v);
      if (a == "--threads") threads = v;
    } else if (a.rfind("--", 0) == 0) {
      usage(("unknown option " + a).c_str());
    } else {
      args.push_back(a);
    }
  }
  if (args.size() != 4) usage("ADDR PORT CERT KEY expected");
  std::signal(SIGPIPE, SIG_IGN);
  config.ctx = SSL_CTX_new(TLS_server_method());
  if (config.ctx == nullptr || SSL_CTX_use_certificate_chain_file(config.ctx, args[2].c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(config.ctx, args[3].c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(config.ctx) != 1) {
    ERR_print_errors_fp(stderr);
    usage("cannot load the certificate and key");
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(std::atoi(args[1].c_str())));
  if (inet_pton(AF_INET, args[0].c_str(), &sa.sin_addr) != 1) usage("ADDR must be an IPv4 address");
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = sizeof sa;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd, 1024) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    std::perror("fleet-smtp-server: listen");
    return 2;
  }
  std::printf("%d\n", ntohs(sa.sin_port));
  std::fflush(stdout);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(serve_forever, fd, std::cref(config));
  serve_forever(fd, config);
}
