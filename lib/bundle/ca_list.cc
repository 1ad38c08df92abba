#include "bundle/ca_list.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sendmail/options.h"

namespace mtlscert {

std::string with_commas(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  int since = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (since == 3) {
      out.push_back(',');
      since = 0;
    }
    out.push_back(*it);
    ++since;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

CaListSize measure_ca_list(const std::vector<const X509_NAME*>& names) {
  CaListSize size;
  size.names = names.size();
  size.list_bytes = 2;
  size.list_bytes_without_dedup = 2;
  // OpenSSL's SSL_load_client_CA_file drops a name only when its DER is byte-identical
  // to an earlier one (xname_cmp compares i2d_X509_NAME output; see ca_file.h).
  std::unordered_set<std::string> seen;
  for (const X509_NAME* n : names) {
    unsigned char* der = nullptr;
    int len = i2d_X509_NAME(n, &der);
    if (len < 0) continue;
    size.list_bytes_without_dedup += 2 + static_cast<std::size_t>(len);
    if (seen.emplace(reinterpret_cast<char*>(der), static_cast<std::size_t>(len)).second) {
      ++size.unique_names;
      size.list_bytes += 2 + static_cast<std::size_t>(len);
    }
    OPENSSL_free(der);
  }
  return size;
}

// OpenSSL 3.0 server defaults (Debian 12, security level 2), measured from sendmail:
// TLS 1.2: certificate_types<1..255> + supported_signature_algorithms<2..2^16-2> before
// the list; TLS 1.3: certificate_request_context<0..255> + extensions<2..2^16-1> with
// signature_algorithms, and certificate_authorities (4-byte header) only when names are sent.
constexpr std::size_t kRequestFixedTls12 = 46;  // 1 + 3 types + 2 + 20 signature algorithms x 2
constexpr std::size_t kRequestFixedTls13 = 41;  // 1 + 2 + signature_algorithms (4 + 2 + 16 x 2)
constexpr std::size_t kExtensionHeader = 4;

CertificateRequestSize certificate_request_size(const CaListSize& size) {
  CertificateRequestSize r;
  r.tls12 = kRequestFixedTls12 + size.list_bytes;
  r.tls13 = kRequestFixedTls13 + (size.unique_names > 0 ? kExtensionHeader + size.list_bytes : 0);
  return r;
}

namespace {

// The bands, highest first: one table for both the verdict and the finding.
struct Band {
  std::size_t limit;
  Level level;
  const char* code;
  const char* who_fails;
};

std::array<Band, 5> bands(const CaListThresholds& t) {
  return {{
      {CaListThresholds::kProtocolMax, Level::Error, "ca-list-unencodable",
       "it cannot be encoded in a TLS handshake at all; every client fails"},
      {t.java, Level::Error, "ca-list-java",
       "Java clients (default jdk.tls.maxHandshakeMessageSize 32,768) fail, and so does everything below"},
      {t.error, Level::Error, "ca-list-record",
       "it no longer fits one TLS record: mbed TLS senders, early GnuTLS and Windows SChannel peers fail"},
      {t.warn, Level::Warn, "ca-list-warn",
       "OpenSSL 0.9.6b-era clients and 8 KiB embedded TLS stacks abort the handshake with alert 47 "
       "(illegal_parameter)"},
      {t.notice, Level::Notice, "ca-list-notice",
       "beyond what a mail server needs; small-buffer embedded TLS stacks may fail"},
  }};
}

}  // namespace

std::string ca_list_verdict(const CaListSize& size, const CaListThresholds& t) {
  std::string head = fmt::format("The CA list is {} bytes ({} name{})", with_commas(size.list_bytes), size.unique_names,
                                 size.unique_names == 1 ? "" : "s");
  for (const auto& b : bands(t)) {
    if (size.list_bytes > b.limit) return fmt::format("{}, above {}: {}.", head, with_commas(b.limit), b.who_fails);
  }
  if (size.unique_names == 0) return fmt::format("{}: no CA name is sent.", head);
  return fmt::format("{}, within {} bytes: every known client accepts it.", head, with_commas(t.notice));
}

std::vector<Finding> judge_ca_list_size(const CaListSize& size, const CaListThresholds& t, std::string_view what) {
  for (const auto& r : bands(t)) {
    if (size.list_bytes <= r.limit) continue;
    Finding f;
    f.level = r.level;
    f.code = r.code;
    f.message = fmt::format("{}: {}", what, ca_list_verdict(size, t));
    f.hint = fmt::format(
        "keep only the CAs that issued your own certificate and the client certificates you accept in "
        "{}, and put every other trusted CA in the hashed {} directory (mtlscert bundle split)",
        sendmail_macro(SendmailOption::CaCert), sendmail_macro(SendmailOption::CaCertPath));
    return {f};
  }
  return {};
}

void to_json(nlohmann::ordered_json& j, const CaListSize& size) {
  j = nlohmann::ordered_json{{"names", size.names},
                             {"unique_names", size.unique_names},
                             {"list_bytes", size.list_bytes},
                             {"list_bytes_without_dedup", size.list_bytes_without_dedup}};
}

}  // namespace mtlscert
