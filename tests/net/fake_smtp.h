// fake_smtp.h: a scripted SMTP server on a loopback port, for probe tests and the
// probe benchmark. It runs in its own thread, serves connections one after the
// other, and behaves well or badly on purpose.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/ossl.h"

namespace mtlscert::test {

enum class Behaviour {
  Normal,               ///< 220, EHLO with STARTTLS, 220 to STARTTLS, TLS, EHLO, QUIT
  NoStarttls,           ///< EHLO without STARTTLS
  Refuse454,            ///< 454 to STARTTLS
  EndlessMultiline,     ///< EHLO answered with "250-" lines until the client goes away
  HugeLine,             ///< EHLO answered with one 100 KB line
  Silent,               ///< accepts and says nothing
  CloseAfterStarttls,   ///< 220 to STARTTLS, then closes instead of TLS
  Greeting554,          ///< "554 5.3.2 go away" as greeting
  GarbageGreeting,      ///< "HTTP/1.1 400 Bad Request"
  InjectAfterStarttls,  ///< "220 Ready" and a second reply in the same packet
  EscapeGreeting,       ///< a greeting holding ESC (a screen-clearing sequence) and a NUL, then Normal
};

struct FakeTls {
  X509* cert = nullptr;              ///< server certificate (borrowed)
  EVP_PKEY* key = nullptr;           ///< its key (borrowed)
  std::vector<X509*> extra_chain;    ///< sent after the leaf
  bool request_client_cert = false;  ///< send a CertificateRequest
  bool require_client_cert = false;  ///< and fail without one
  std::vector<X509*> client_trust;   ///< CAs that verify client certificates
  std::vector<X509_NAME*> ca_names;  ///< the acceptable CA names sent (borrowed)
  std::string max_version;           ///< "1.2" to cap the server at TLS 1.2
};

struct FakeSmtpOptions {
  Behaviour behaviour = Behaviour::Normal;
  FakeTls tls;
  bool smtps = false;  ///< TLS at once, greeting over TLS
  bool ipv6 = false;   ///< listen on ::1 instead of 127.0.0.1
};

class FakeSmtpServer {
 public:
  /// Starts listening on an ephemeral port; throws std::runtime_error if it cannot.
  explicit FakeSmtpServer(FakeSmtpOptions options);
  ~FakeSmtpServer();
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  int port() const noexcept { return port_; }
  /// address: "127.0.0.1:PORT" or "[::1]:PORT".
  std::string address() const;
  /// commands: every command line received, in order (across connections).
  std::vector<std::string> commands() const;
  /// client_subject: subject of the last client certificate the server verified.
  std::string client_subject() const;

  /// run_forever serves until the process is killed (for the benchmark server).
  void wait() { thread_.join(); }

 private:
  void loop();
  void serve(int fd);
  void serve_tls(int fd);
  void record(std::string line);

  FakeSmtpOptions options_;
  ossl::Ptr<SSL_CTX> ctx_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> commands_;
  std::string client_subject_;
  std::thread thread_;
};

}  // namespace mtlscert::test
