#include "dns/resolver.h"

#include <arpa/inet.h>
#include <poll.h>
#include <unbound.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"

namespace mtlscert {

namespace {

// RR types and rcodes (RFC 1035, 3596, 6698): libunbound takes and returns plain numbers.
constexpr int kTypeA = 1, kTypeMx = 15, kTypeTxt = 16, kTypeAaaa = 28, kTypeTlsa = 52;
constexpr int kClassIn = 1;
constexpr int kRcodeServFail = 2, kRcodeNxDomain = 3, kRcodeRefused = 5;

std::string without_trailing_dot(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return std::string(name);
}

// wire_name reads an uncompressed domain name (libunbound hands out rdata with names
// decompressed) starting at pos; nullopt when it runs past the end.
std::optional<std::string> wire_name(const unsigned char* p, std::size_t len, std::size_t pos) {
  std::string name;
  while (pos < len) {
    std::size_t label = p[pos++];
    if (label == 0) return name.empty() ? std::string(".") : name;
    if (label > 63 || pos + label > len) return std::nullopt;
    if (!name.empty()) name += '.';
    name.append(reinterpret_cast<const char*>(p + pos), label);
    pos += label;
  }
  return std::nullopt;
}

struct Pending {
  bool done = false;
  int err = 0;
  ub_result* result = nullptr;
};

void on_result(void* data, int err, ub_result* result) {
  auto* pending = static_cast<Pending*>(data);
  pending->done = true;
  pending->err = err;
  pending->result = result;
}

struct ResultFree {
  void operator()(ub_result* r) const { ub_resolve_free(r); }
};

}  // namespace

std::string_view dns_security_name(DnsSecurity s) {
  switch (s) {
    case DnsSecurity::Secure: return "secure";
    case DnsSecurity::Insecure: return "insecure";
    case DnsSecurity::Bogus: return "bogus";
  }
  return "insecure";
}

std::string_view dns_outcome_name(DnsOutcome o) {
  switch (o) {
    case DnsOutcome::Answer: return "answer";
    case DnsOutcome::NoData: return "nodata";
    case DnsOutcome::NxDomain: return "nxdomain";
    case DnsOutcome::ServFail: return "servfail";
    case DnsOutcome::Refused: return "refused";
    case DnsOutcome::Timeout: return "timeout";
    case DnsOutcome::Error: return "error";
  }
  return "error";
}

std::string TlsaRecord::data_hex() const {
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) out += fmt::format("{:02x}", c);
  return out;
}

std::string TlsaRecord::display() const { return fmt::format("{} {} {} {}", usage, selector, matching, data_hex()); }

std::string tlsa_name(std::string_view host, std::uint16_t port) {
  return fmt::format("_{}._tcp.{}", port, without_trailing_dot(host));
}

std::string unbound_forwarder(std::string_view server) {
  std::string_view host = server;
  std::string_view port;
  if (!server.empty() && server.front() == '[') {  // [V6] or [V6]:PORT
    auto close = server.find(']');
    if (close == std::string_view::npos) throw Error(fmt::format("resolver '{}': unclosed '['", server));
    host = server.substr(1, close - 1);
    auto rest = server.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' && rest.front() != '@')
        throw Error(fmt::format("resolver '{}': expected ':PORT' after ']'", server));
      port = rest.substr(1);
    }
  } else if (auto at = server.find('@'); at != std::string_view::npos) {
    host = server.substr(0, at);
    port = server.substr(at + 1);
  } else if (std::count(server.begin(), server.end(), ':') == 1) {  // V4:PORT (a bare V6 has several)
    auto colon = server.find(':');
    host = server.substr(0, colon);
    port = server.substr(colon + 1);
  }
  std::string host_text(host);
  unsigned char buf[16];
  if (inet_pton(AF_INET, host_text.c_str(), buf) != 1 && inet_pton(AF_INET6, host_text.c_str(), buf) != 1)
    throw Error(fmt::format("resolver '{}': '{}' is not a numeric IPv4 or IPv6 address", server, host), {},
                "give the DNS server as an address: 127.0.0.1, 127.0.0.1@5353, [::1]:53");
  if (port.empty()) return host_text;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
    throw Error(fmt::format("resolver '{}': port '{}' is not a number 1-65535", server, port));
  return fmt::format("{}@{}", host_text, value);
}

struct Resolver::Impl {
  ub_ctx* ctx = nullptr;
  std::string server;
  std::string trust_anchor;
  std::chrono::milliseconds timeout{5000};

  ~Impl() {
    if (ctx) ub_ctx_delete(ctx);
  }

  void check(int err, std::string_view what, const std::string& path = {}, std::string hint = {}) const {
    if (err != 0) throw Error(fmt::format("DNS resolver: {}: {}", what, ub_strerror(err)), path, std::move(hint));
  }

  // resolve runs one query with the deadline; the callback fills pending from ub_process.
  std::unique_ptr<ub_result, ResultFree> resolve(std::string_view name, int type, int& err, bool& timed_out) {
    Pending pending;
    int id = 0;
    std::string qname(name);
    err = ub_resolve_async(ctx, qname.c_str(), type, kClassIn, &pending, on_result, &id);
    timed_out = false;
    if (err != 0) return nullptr;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pending.done) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ub_cancel(ctx, id);
        timed_out = true;
        return nullptr;
      }
      pollfd pfd{ub_fd(ctx), POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) > 0) ub_process(ctx);
    }
    err = pending.err;
    return std::unique_ptr<ub_result, ResultFree>(pending.result);
  }

  // lookup asks, classifies the outcome and security, and parses each rdata with parse
  // (which returns nullopt for malformed data: such a record is skipped).
  template <class Record, class Parse>
  DnsAnswer<Record> lookup(std::string_view name, int type, Parse parse) {
    DnsAnswer<Record> answer;
    answer.name = std::string(name);
    int err = 0;
    bool timed_out = false;
    auto result = resolve(name, type, err, timed_out);
    if (timed_out) {
      answer.outcome = DnsOutcome::Timeout;
      answer.error = fmt::format("no answer within {} ms from {}", timeout.count(), server);
      return answer;
    }
    if (err != 0 || !result) {
      answer.outcome = DnsOutcome::Error;
      answer.error = ub_strerror(err);
      return answer;
    }
    answer.rcode = result->rcode;
    answer.security = result->secure ? DnsSecurity::Secure : result->bogus ? DnsSecurity::Bogus : DnsSecurity::Insecure;
    if (result->why_bogus) answer.why_bogus = result->why_bogus;
    if (result->havedata) {
      answer.outcome = DnsOutcome::Answer;
      for (int i = 0; result->data[i]; ++i) {
        auto rec = parse(reinterpret_cast<const unsigned char*>(result->data[i]), std::size_t(result->len[i]));
        if (rec) answer.records.push_back(std::move(*rec));
      }
    } else if (result->nxdomain || result->rcode == kRcodeNxDomain) {
      answer.outcome = DnsOutcome::NxDomain;
    } else if (result->rcode == 0) {
      answer.outcome = DnsOutcome::NoData;
    } else if (result->rcode == kRcodeServFail) {
      answer.outcome = DnsOutcome::ServFail;
    } else if (result->rcode == kRcodeRefused) {
      answer.outcome = DnsOutcome::Refused;
    } else {
      answer.outcome = DnsOutcome::Error;
      answer.error = fmt::format("rcode {}", result->rcode);
    }
    return answer;
  }

  DnsAnswer<std::string> address(std::string_view name, int type, int family, std::size_t size) {
    return lookup<std::string>(name, type,
                               [family, size](const unsigned char* p, std::size_t len) -> std::optional<std::string> {
                                 if (len != size) return std::nullopt;
                                 char text[INET6_ADDRSTRLEN];
                                 if (!inet_ntop(family, p, text, sizeof text)) return std::nullopt;
                                 return std::string(text);
                               });
  }
};

Resolver::Resolver(const ResolverOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->timeout = options.timeout;
  impl_->ctx = ub_ctx_create();
  if (!impl_->ctx) throw Error("DNS resolver: libunbound could not create a context (out of memory?)");
  // A thread, not the default forked process, works the queries in the background.
  impl_->check(ub_ctx_async(impl_->ctx, 1), "threaded mode");
  if (options.server.empty()) {
    impl_->server = "resolv.conf";
    impl_->check(ub_ctx_resolvconf(impl_->ctx, nullptr), "reading /etc/resolv.conf", "/etc/resolv.conf",
                 "give a DNS server with --resolver ADDR[@PORT]");
  } else {
    impl_->server = unbound_forwarder(options.server);
    // A forwarder on loopback (a local validating unbound, systemd-resolved) is the usual case.
    impl_->check(ub_ctx_set_option(impl_->ctx, "do-not-query-localhost:", "no"), "do-not-query-localhost");
    impl_->check(ub_ctx_set_fwd(impl_->ctx, impl_->server.c_str()), fmt::format("forwarder '{}'", options.server));
  }
  std::string anchor = options.trust_anchor;
  if (anchor.empty() && ::access(kDefaultRootTrustAnchor, R_OK) == 0) anchor = kDefaultRootTrustAnchor;
  if (!anchor.empty()) {
    if (::access(anchor.c_str(), R_OK) != 0)
      throw Error(fmt::format("trust anchor file '{}': cannot be read", anchor), anchor,
                  "give a file of DS or DNSKEY records in zone-file form");
    impl_->check(ub_ctx_add_ta_file(impl_->ctx, anchor.c_str()), fmt::format("trust anchor file '{}'", anchor), anchor,
                 "give a file of DS or DNSKEY records in zone-file form");
  }
  impl_->trust_anchor = anchor;
}

Resolver::~Resolver() = default;
Resolver::Resolver(Resolver&&) noexcept = default;
Resolver& Resolver::operator=(Resolver&&) noexcept = default;

const std::string& Resolver::server_display() const { return impl_->server; }
const std::string& Resolver::trust_anchor() const { return impl_->trust_anchor; }

DnsAnswer<DnsMx> Resolver::mx(std::string_view name) {
  auto answer =
      impl_->lookup<DnsMx>(name, kTypeMx, [](const unsigned char* p, std::size_t len) -> std::optional<DnsMx> {
        if (len < 3) return std::nullopt;
        auto host = wire_name(p, len, 2);
        if (!host) return std::nullopt;
        return DnsMx{.preference = (p[0] << 8) | p[1], .host = *host};
      });
  std::sort(answer.records.begin(), answer.records.end(), [](const DnsMx& x, const DnsMx& y) {
    return x.preference != y.preference ? x.preference < y.preference : x.host < y.host;
  });
  return answer;
}

DnsAnswer<std::string> Resolver::a(std::string_view name) { return impl_->address(name, kTypeA, AF_INET, 4); }

DnsAnswer<std::string> Resolver::aaaa(std::string_view name) { return impl_->address(name, kTypeAaaa, AF_INET6, 16); }

DnsAnswer<std::string> Resolver::txt(std::string_view name) {
  return impl_->lookup<std::string>(name, kTypeTxt,
                                    [](const unsigned char* p, std::size_t len) -> std::optional<std::string> {
                                      std::string text;
                                      for (std::size_t pos = 0; pos < len;) {
                                        std::size_t n = p[pos++];
                                        if (pos + n > len) return std::nullopt;
                                        text.append(reinterpret_cast<const char*>(p + pos), n);
                                        pos += n;
                                      }
                                      return text;
                                    });
}

DnsAnswer<TlsaRecord> Resolver::tlsa(std::string_view name) {
  return impl_->lookup<TlsaRecord>(
      name, kTypeTlsa, [](const unsigned char* p, std::size_t len) -> std::optional<TlsaRecord> {
        if (len < 3) return std::nullopt;
        return TlsaRecord{
            .usage = p[0], .selector = p[1], .matching = p[2], .data = std::vector<unsigned char>(p + 3, p + len)};
      });
}

}  // namespace mtlscert
