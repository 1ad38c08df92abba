// cert_request_client: a small OpenSSL 3 SMTP client for the alert-47 integration test
// (tests/scripts/sendmail_alert47.sh). It does EHLO and STARTTLS, then the handshake with
// SSL_CTX_set_max_cert_list(ctx, LIMIT): OpenSSL applies that limit to the server's
// CertificateRequest and aborts with alert 47 (illegal_parameter) above it, as clients
// with an 8 KiB buffer (OpenSSL <= 0.9.6b) did. It prints the CertificateRequest body
// length it saw (a message callback; unknown when the message was refused unread):
//   ok certificate_request=8123
//   failed certificate_request=? error=...excessive message size
// Usage: cert_request_client PORT 1.2|1.3 LIMIT. Exit 0 handshake ok, 1 failed, 2 usage/IO.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

long g_request = -1;

// Records the CertificateRequest (handshake type 13) as OpenSSL read it: body length.
void on_message(int write_p, int, int content_type, const void* buf, size_t len, SSL*, void*) {
  const auto* b = static_cast<const unsigned char*>(buf);
  if (write_p == 0 && content_type == SSL3_RT_HANDSHAKE && len >= 4 && b[0] == 13) {
    g_request = static_cast<long>(len) - 4;
  }
}

// Reads one SMTP reply (all its lines); returns its code, or -1.
int reply(int fd) {
  std::string line;
  char c;
  for (;;) {
    line.clear();
    while (read(fd, &c, 1) == 1) {
      line.push_back(c);
      if (c == '\n') break;
    }
    if (line.size() < 4) return -1;
    if (line[3] == ' ') return std::atoi(line.substr(0, 3).c_str());
  }
}

bool say(int fd, const char* s) { return write(fd, s, std::strlen(s)) == static_cast<ssize_t>(std::strlen(s)); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: cert_request_client PORT 1.2|1.3 LIMIT\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  int version = std::strcmp(argv[2], "1.3") == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;
  long limit = std::atol(argv[3]);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    return 2;
  }
  if (reply(fd) != 220 || !say(fd, "EHLO client.test.example\r\n") || reply(fd) != 250 || !say(fd, "STARTTLS\r\n") ||
      reply(fd) != 220) {
    std::fprintf(stderr, "SMTP dialogue before STARTTLS failed\n");
    return 2;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  SSL_CTX_set_max_cert_list(ctx, limit);
  SSL_CTX_set_msg_callback(ctx, on_message);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  int rc = SSL_connect(ssl);
  std::string request = g_request >= 0 ? std::to_string(g_request) : "?";
  if (rc == 1) {
    std::printf("ok certificate_request=%s version=%s\n", request.c_str(), SSL_get_version(ssl));
    SSL_shutdown(ssl);
  } else {
    char err[256] = "unknown";
    unsigned long e = ERR_peek_last_error();
    if (e != 0) ERR_error_string_n(e, err, sizeof err);
    std::printf("failed certificate_request=%s error=%s\n", request.c_str(), err);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  return rc == 1 ? 0 : 1;
}
