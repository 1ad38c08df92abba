#include "smtp/https_fetch.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <optional>

#include <fmt/format.h>

#include "core/ossl_error.h"
#include "smtp/reply.h"
#include "smtp/tls_client.h"

namespace mtlscert {

std::string https_url(const std::string& host, std::uint16_t port, const std::string& path) {
  return port == 443 ? fmt::format("https://{}{}", host, path) : fmt::format("https://{}:{}{}", host, port, path);
}

namespace {

std::chrono::milliseconds left(Deadline deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(ms, std::chrono::milliseconds(1));
}

// refuse_head: RFC 8461 3.3: a 200 only, no redirect followed, text/plain.
void refuse_head(const HttpHead& head, const HttpsRequest& req) {
  if (head.status >= 300 && head.status < 400) {
    std::string location = head.header("location");
    throw FetchError(
        FetchFailure::Redirect,
        fmt::format("the server answered {} {}{}: senders must not follow redirects (RFC 8461 3.3)", head.status,
                    head.reason, location.empty() ? "" : fmt::format(" to '{}'", printable(location))),
        "serve the policy at this very URL with status 200");
  }
  if (head.status != 200) {
    throw FetchError(FetchFailure::Status,
                     fmt::format("the server answered {} {}, expected 200", head.status, head.reason),
                     fmt::format("publish the file at {} on {}", req.path, req.host));
  }
  std::string type = head.header("content-type");
  if (!req.media_type.empty() && media_type(type) != req.media_type) {
    throw FetchError(
        FetchFailure::ContentType,
        fmt::format("Content-Type '{}', expected {}", type.empty() ? "(none)" : printable(type), req.media_type),
        fmt::format("serve the file as {} (nginx: default_type {};)", req.media_type, req.media_type));
  }
}

// certificate_error: the Certificate failure for OpenSSL's verification result v.
FetchError certificate_error(const HttpsRequest& req, long v) {
  return FetchError(
      FetchFailure::Certificate,
      fmt::format("the certificate of {} does not verify: {}", req.host,
                  v == X509_V_OK ? "none was presented" : X509_verify_cert_error_string(v)),
      req.cafile.empty() && req.capath.empty()
          ? fmt::format("serve a certificate for {} from a public CA (senders use their own store)", req.host)
          : fmt::format("serve a certificate for {} issued by a CA of {}", req.host,
                        req.cafile.empty() ? req.capath : req.cafile));
}

// handshake: TLS with the chain and the name verified; a failed verification ends the
// handshake and is a Certificate failure naming OpenSSL's reason (the alert we send then
// would only say "bad certificate").
void handshake(TlsSession& tls, const HttpsRequest& req, Deadline deadline) {
  SSL* ssl = tls.ssl();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, req.host.c_str(), req.host.size()) != 1) {
    ossl::throw_error(fmt::format("setting the name to verify '{}'", req.host));
  }
  // The context's callback (tls_client.cc) records and forgives every error, as a probe
  // must; here OpenSSL's own verdict stands (a null callback would keep the context's).
  SSL_set_verify(ssl, SSL_VERIFY_PEER, [](int ok, X509_STORE_CTX*) { return ok; });
  SSL_set_min_proto_version(ssl, TLS1_2_VERSION);
  try {
    tls.handshake(deadline);
  } catch (const NetError& e) {
    if (long v = SSL_get_verify_result(ssl); v != X509_V_OK) throw certificate_error(req, v);
    if (e.code() == "timeout") throw FetchError(FetchFailure::Timeout, e.what(), e.hint());
    throw FetchError(FetchFailure::Tls, e.what(), e.hint());
  }
  if (SSL_get0_peer_certificate(ssl) == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
    throw certificate_error(req, SSL_get_verify_result(ssl));
  }
}

HttpsResult fetch(const HttpsRequest& req, const std::string& url) {
  if (req.addresses.empty()) {
    throw FetchError(FetchFailure::Resolve, fmt::format("{} has no address", req.host),
                     fmt::format("publish an A or AAAA record for {}", req.host));
  }
  const Deadline deadline = Clock::now() + req.timeout;
  ossl::Ptr<SSL_CTX> ctx =
      make_client_ctx({.cafile = req.cafile, .capath = req.capath, .cert = {}, .key = {}, .version = {}});
  std::string refused;
  for (const auto& address : req.addresses) {
    std::optional<SocketTransport> sock;
    try {
      sock.emplace(SocketTransport::connect({.host = address, .port = req.port}, left(deadline)));
    } catch (const NetError& e) {
      if (e.code() == "timeout") {
        throw FetchError(FetchFailure::Timeout, fmt::format("connecting to {}: {}", address, e.what()));
      }
      refused += fmt::format("{}{}: {}", refused.empty() ? "" : "; ", Endpoint{address, req.port}.display(), e.what());
      continue;
    }
    TlsSession tls(ctx.get(), sock->fd(), req.host);
    handshake(tls, req, deadline);
    HttpsResult result{.url = url, .address = address, .tls_version = SSL_get_version(tls.ssl()), .response = {}};
    std::string host_header = req.port == 443 ? req.host : fmt::format("{}:{}", req.host, req.port);
    try {
      tls.write_all(fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mtlscert\r\nAccept: {}\r\n"
                                "Connection: close\r\n\r\n",
                                req.path, host_header, req.media_type.empty() ? "*/*" : req.media_type),
                    deadline);
      result.response = read_http_response(tls, deadline, {.max_body = req.max_body},
                                           [&](const HttpHead& head) { refuse_head(head, req); });
    } catch (const NetError& e) {
      if (e.code() == "timeout") {
        throw FetchError(FetchFailure::Timeout, fmt::format("no complete answer within {} ms", req.timeout.count()),
                         "a sender gives up as well: check the web server of " + req.host);
      }
      throw FetchError(FetchFailure::Malformed, fmt::format("reading the answer: {}", e.what()), e.hint());
    }
    tls.close_notify(deadline);
    return result;
  }
  throw FetchError(FetchFailure::Connect, fmt::format("no connection: {}", refused),
                   fmt::format("start the web server of {} on port {}", req.host, req.port));
}

}  // namespace

HttpsResult https_get(const HttpsRequest& request) {
  const std::string url = https_url(request.host, request.port, request.path);
  try {
    return fetch(request, url);
  } catch (const FetchError& e) {
    throw FetchError(e.failure(), fmt::format("{}: {}", url, e.what()), e.hint());
  }
}

}  // namespace mtlscert
