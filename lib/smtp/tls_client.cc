#include "smtp/tls_client.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/ossl_error.h"
#include "pki/cert_info.h"
#include "pki/key.h"
#include "smtp/tls_alert.h"

namespace mtlscert {
namespace {

TlsCapture* capture_of(const SSL* ssl) { return static_cast<TlsCapture*>(SSL_get_app_data(ssl)); }

// Every chain error is recorded and the handshake goes on: the probe reports
// verification after the fact, as a peer with "verify=FAIL" would still talk.
int record_verify_issue(int ok, X509_STORE_CTX* store) {
  if (ok == 1) return 1;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  TlsCapture* capture = ssl != nullptr ? capture_of(ssl) : nullptr;
  if (capture == nullptr) return 1;
  VerifyIssue issue;
  issue.depth = X509_STORE_CTX_get_error_depth(store);
  issue.code = X509_STORE_CTX_get_error(store);
  issue.reason = X509_verify_cert_error_string(issue.code);
  if (X509* cert = X509_STORE_CTX_get_current_cert(store)) issue.subject = name_rfc2253(X509_get_subject_name(cert));
  for (const auto& seen : capture->verify_issues) {
    if (seen.depth == issue.depth && seen.code == issue.code) return 1;
  }
  capture->verify_issues.push_back(std::move(issue));
  return 1;
}

void on_message(int write_p, int /*version*/, int content_type, const void* buf, std::size_t len, SSL* ssl,
                void* /*arg*/) {
  TlsCapture* capture = capture_of(ssl);
  if (capture == nullptr || len == 0) return;
  const auto* bytes = static_cast<const unsigned char*>(buf);
  if (content_type == SSL3_RT_ALERT && len >= 2) {
    int& slot = write_p != 0 ? capture->alert_sent : capture->alert_received;
    if (slot < 0 && bytes[1] != SSL3_AD_CLOSE_NOTIFY) slot = bytes[1];
  } else if (content_type == SSL3_RT_HANDSHAKE) {
    if (write_p == 0 && bytes[0] == SSL3_MT_CERTIFICATE_REQUEST) {
      capture->certificate_request = true;
      capture->certificate_request_bytes = len;
    } else if (write_p != 0 && bytes[0] == SSL3_MT_CERTIFICATE) {
      // An empty Certificate message is 7 bytes (TLS 1.2) or 8 (TLS 1.3).
      capture->client_certificate_bytes = len > 8 ? len : 0;
    }
  }
}

// Called on the client when the server's CertificateRequest has been processed:
// the one moment the acceptable CA names are certainly there, with or without --cert.
int on_certificate_request(SSL* ssl, void* /*arg*/) {
  TlsCapture* capture = capture_of(ssl);
  if (capture == nullptr) return 1;
  capture->certificate_request = true;
  if (const STACK_OF(X509_NAME)* names = SSL_get0_peer_CA_list(ssl); names != nullptr && !capture->ca_names) {
    capture->ca_names.reset(sk_X509_NAME_new_null());
    for (int i = 0; i < sk_X509_NAME_num(names); ++i) {
      X509_NAME* copy = X509_NAME_dup(sk_X509_NAME_value(names, i));
      if (copy != nullptr && sk_X509_NAME_push(capture->ca_names.get(), copy) == 0) X509_NAME_free(copy);
    }
  }
  return 1;
}

void require_file(const std::string& path, std::string_view role, bool directory) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(fmt::format("{} '{}': {}", role, path, std::strerror(errno)), path);
  }
  if (directory != S_ISDIR(st.st_mode)) {
    throw Error(fmt::format("{} '{}': expected a {}, found a {}", role, path, directory ? "directory" : "file",
                            directory ? "file" : "directory"),
                path,
                directory           ? "use --cacert for a file"
                : role == "CA file" ? "use --cacert-path for a hashed directory"
                                    : "pass the path of a file");
  }
  // OpenSSL would block forever on a FIFO and read /dev/zero without end: files only.
  if (!directory && !S_ISREG(st.st_mode)) {
    throw Error(fmt::format("{} '{}' is not a regular file", role, path), path, "pass the path of a file");
  }
  // Say "Permission denied" here rather than let OpenSSL report "system lib".
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (directory ? O_DIRECTORY : 0));
  if (fd < 0) {
    int err = errno;
    throw Error(fmt::format("cannot open {} '{}': {}", role, path, std::strerror(err)), path,
                err == EACCES ? "run as a user that may read it" : "");
  }
  ::close(fd);
}

}  // namespace

ossl::Ptr<SSL_CTX> make_client_ctx(const TlsClientConfig& config) {
  ossl::clear_errors();
  ossl::Ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) ossl::throw_error("creating the TLS client context");
  if (config.version == "1.2") {
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx.get(), TLS1_2_VERSION);
  } else if (config.version == "1.3") {
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
  }
  if (config.cafile.empty() && config.capath.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) ossl::throw_error("loading the system trust store");
  }
  if (!config.cafile.empty()) {
    require_file(config.cafile, "CA file", false);
    if (SSL_CTX_load_verify_file(ctx.get(), config.cafile.c_str()) != 1) {
      ossl::throw_error(fmt::format("CA file '{}': no usable PEM certificate", config.cafile), config.cafile,
                        "pass a PEM file holding the CA certificate(s) that issued the server's certificate");
    }
  }
  if (!config.capath.empty()) {
    require_file(config.capath, "CA directory", true);
    if (SSL_CTX_load_verify_dir(ctx.get(), config.capath.c_str()) != 1) {
      ossl::throw_error(fmt::format("CA directory '{}'", config.capath), config.capath);
    }
  }
  if (config.cert.empty() != config.key.empty()) {
    throw Error("--cert and --key go together", {}, "pass both the client certificate and its key, or neither");
  }
  if (!config.cert.empty()) {
    require_file(config.cert, "client certificate file", false);
    require_file(config.key, "client key file", false);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), config.cert.c_str()) != 1) {
      ossl::throw_error(
          fmt::format("client certificate file '{}': no PEM certificate chain could be read", config.cert), config.cert,
          "pass a PEM file: the client certificate first, then its intermediates");
    }
    protect_key_memory();
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), config.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      ossl::throw_error(fmt::format("client key file '{}': no unencrypted PEM private key could be read", config.key),
                        config.key, "pass the PEM private key of --cert (as written by mtlscert genkey)");
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      ossl::throw_error(fmt::format("client key file '{}' does not match '{}'", config.key, config.cert), config.key,
                        "pass the key the client certificate was issued for");
    }
  }
  // Read whole flights, not each record's 5-byte header and then its body: a handshake is
  // ~20 read() calls fewer (probe -f makes thousands). Safe with our waits: every read tries
  // SSL_read_ex first, which serves what is already buffered before asking for the socket.
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, record_verify_issue);
  SSL_CTX_set_cert_cb(ctx.get(), on_certificate_request, nullptr);
  return ctx;
}

TlsSession::TlsSession(SSL_CTX* ctx, int fd, const std::string& servername)
    : capture_(std::make_unique<TlsCapture>()), ssl_(SSL_new(ctx)), fd_(fd) {
  if (!ssl_) ossl::throw_error("creating the TLS session");
  SSL_set_app_data(ssl_.get(), capture_.get());
  SSL_set_msg_callback(ssl_.get(), on_message);
  if (!servername.empty() && !is_ip_literal(servername)) {
    if (SSL_set_tlsext_host_name(ssl_.get(), servername.c_str()) != 1) {
      ossl::throw_error(fmt::format("setting the SNI name '{}'", servername));
    }
  }
  if (SSL_set_fd(ssl_.get(), fd) != 1) ossl::throw_error("attaching the TLS session to the socket");
  SSL_set_connect_state(ssl_.get());
}

TlsSession::~TlsSession() {
  if (ssl_) SSL_set_app_data(ssl_.get(), nullptr);
}

void TlsSession::fail(int ssl_error, const char* doing) {
  auto queue = ossl::drain_errors();
  if (capture_->alert_received >= 0) {
    TlsAlert a = describe_alert(capture_->alert_received);
    throw NetError("tls-alert", fmt::format("the server sent TLS alert {} ({}) {}", a.number, a.name, doing),
                   fmt::format("likely cause: {}", a.likely_cause));
  }
  bool eof = ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN;
  for (const auto& e : queue) {
    if (ERR_GET_REASON(e.code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) eof = true;
  }
  if (eof) throw NetError("closed", fmt::format("the server closed the connection {}", doing));
  std::string reason = queue.empty() ? "unknown TLS failure" : queue.back().reason;
  if (capture_->alert_sent >= 0) {
    TlsAlert a = describe_alert(capture_->alert_sent);
    throw NetError(
        "tls-alert",
        fmt::format("mtlscert aborted the TLS session {} with alert {} ({}): {}", doing, a.number, a.name, reason),
        fmt::format("likely cause: {}", a.likely_cause));
  }
  throw NetError("tls", fmt::format("TLS failed {}: {}", doing, reason));
}

void TlsSession::handshake(Deadline deadline) {
  ossl::clear_errors();
  for (;;) {
    int r = SSL_do_handshake(ssl_.get());
    if (r == 1) return;
    int err = SSL_get_error(ssl_.get(), r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!wait_fd(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        throw NetError("timeout", "the TLS handshake did not finish in time");
      }
      continue;
    }
    fail(err, "during the handshake");
  }
}

std::size_t TlsSession::read_some(char* buf, std::size_t n, Deadline deadline) {
  ossl::clear_errors();
  for (;;) {
    std::size_t got = 0;
    if (SSL_read_ex(ssl_.get(), buf, n, &got) == 1) return got;
    int err = SSL_get_error(ssl_.get(), 0);
    if (err == SSL_ERROR_ZERO_RETURN) return 0;
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!wait_fd(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        throw NetError("timeout", "timed out waiting for the server");
      }
      continue;
    }
    fail(err, "after the handshake");
  }
}

void TlsSession::write_all(std::string_view data, Deadline deadline) {
  ossl::clear_errors();
  while (!data.empty()) {
    std::size_t put = 0;
    if (SSL_write_ex(ssl_.get(), data.data(), data.size(), &put) == 1) {
      data.remove_prefix(put);
      continue;
    }
    int err = SSL_get_error(ssl_.get(), 0);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!wait_fd(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        throw NetError("timeout", "timed out sending to the server");
      }
      continue;
    }
    if (capture_->alert_received < 0) {
      // The server may have sent an alert and closed before reading what we
      // sent (TLS 1.3 rejects a client certificate after the handshake): the
      // alert is usually still in our receive buffer, and it is the real story.
      ossl::clear_errors();
      char sink[512];
      std::size_t got = 0;
      (void)SSL_read_ex(ssl_.get(), sink, sizeof sink, &got);
    }
    fail(err, "while sending");
  }
}

void TlsSession::close_notify(Deadline deadline) noexcept {
  (void)deadline;
  SSL_shutdown(ssl_.get());  // sends close_notify; not waiting for the server's
  ossl::clear_errors();
}

}  // namespace mtlscert
