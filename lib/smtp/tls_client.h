// tls_client.h (internal): the client side of a probe's TLS session, over a
// non-blocking socket driven by poll() with deadlines, with everything the
// handshake reveals captured by callbacks (alerts, the CertificateRequest and its
// CA names, every verification error).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/ossl.h"
#include "smtp/transport.h"

namespace mtlscert {

struct TlsClientConfig {
  std::string cafile;   ///< --cacert; empty with capath empty: the system store
  std::string capath;   ///< --cacert-path
  std::string cert;     ///< --cert (chain file, leaf first)
  std::string key;      ///< --key
  std::string version;  ///< "", "1.2" or "1.3"
};

/// make_client_ctx builds the SSL_CTX; throws Error naming the file for an
/// unreadable CA file or directory, certificate or key, or a key that does not match.
ossl::Ptr<SSL_CTX> make_client_ctx(const TlsClientConfig& config);

struct VerifyIssue {
  int depth = 0;
  int code = 0;
  std::string reason;   ///< X509_verify_cert_error_string
  std::string subject;  ///< the certificate at that depth, if known
};

/// What the handshake showed, filled in by OpenSSL callbacks.
struct TlsCapture {
  int alert_received = -1;                    ///< description byte of the first alert from the server
  int alert_sent = -1;                        ///< description byte of the first alert we sent
  bool certificate_request = false;           ///< the server sent a CertificateRequest
  std::size_t certificate_request_bytes = 0;  ///< its size, handshake header included
  std::size_t client_certificate_bytes = 0;   ///< size of the Certificate message we sent (0: none)
  ossl::OwnedNameStack ca_names;              ///< acceptable CA names, copied when the request arrived
  std::vector<VerifyIssue> verify_issues;     ///< every chain error, deduplicated, in callback order
};

/// TlsSession: a TLS client over a connected socket (not owned).
class TlsSession final : public Transport {
 public:
  /// servername: SNI (not sent for an IP literal). The session keeps ctx alive.
  TlsSession(SSL_CTX* ctx, int fd, const std::string& servername);
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;
  ~TlsSession() override;

  /// handshake runs the TLS handshake until the deadline. Throws NetError
  /// "tls-alert" (alert decoded), "closed", "timeout" or "tls".
  void handshake(Deadline deadline);
  std::size_t read_some(char* buf, std::size_t n, Deadline deadline) override;
  void write_all(std::string_view data, Deadline deadline) override;
  /// close_notify: best-effort close_notify, never throws.
  void close_notify(Deadline deadline) noexcept;

  SSL* ssl() const noexcept { return ssl_.get(); }
  const TlsCapture& capture() const noexcept { return *capture_; }

 private:
  [[noreturn]] void fail(int ssl_error, const char* doing);
  std::unique_ptr<TlsCapture> capture_;
  ossl::Ptr<SSL> ssl_;
  int fd_;
};

}  // namespace mtlscert
