// https_fetch.h: one HTTPS GET the way RFC 8461 3.3 says an MTA-STS sender fetches a policy:
// the certificate verified for the host name (chain and name, TLS 1.2 or later), no redirect
// followed, only a 200 with the expected media type accepted, the body bounded, and the whole
// fetch (connection, handshake, request, response) bounded by one deadline.
//
// The caller gives the addresses to try (from its own resolver, so tests use a loopback DNS
// server, and a DNSSEC-aware caller sees what it asked); a refused or unreachable address
// moves on to the next one, any later failure ends the fetch. Every failure is a FetchError
// (http_response.h) whose message starts with the URL and whose hint says what to do.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "smtp/http_response.h"

namespace mtlscert {

struct HttpsRequest {
  std::string host;                          ///< the name: SNI, Host header and the name verified
  std::uint16_t port = 443;                  ///< only tests point elsewhere
  std::string path = "/";                    ///< absolute path, e.g. "/.well-known/mta-sts.txt"
  std::vector<std::string> addresses;        ///< numeric addresses of host, tried in order
  std::string cafile;                        ///< CA file; with capath empty too: the system store
  std::string capath;                        ///< hashed CA directory
  std::chrono::milliseconds timeout{10000};  ///< the whole fetch
  std::size_t max_body = 64 * 1024;
  std::string media_type = "text/plain";  ///< the Content-Type required ("" takes any)
};

struct HttpsResult {
  std::string url;
  std::string address;  ///< the address that answered
  std::string tls_version;
  HttpResponse response;
};

/// https_url: "https://host/path", or "https://host:port/path" for another port than 443.
std::string https_url(const std::string& host, std::uint16_t port, const std::string& path);

/// https_get fetches request's URL. Throws FetchError as http_response.h lists; Error for an
/// unreadable CA file or directory (as probe's).
HttpsResult https_get(const HttpsRequest& request);

}  // namespace mtlscert
