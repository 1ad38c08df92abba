#include "mtlscert/ca_list.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
  // OpenSSL deduplicates with X509_NAME_cmp (canonical encoding: case- and
  // whitespace-folded), so sort with it and count each run of equal names once.
  std::vector<const X509_NAME*> sorted;
  sorted.reserve(names.size());
  for (const X509_NAME* n : names) {
    int len = i2d_X509_NAME(n, nullptr);
    if (len < 0) continue;
    size.list_bytes_without_dedup += 2 + static_cast<std::size_t>(len);
    sorted.push_back(n);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const X509_NAME* a, const X509_NAME* b) { return X509_NAME_cmp(a, b) < 0; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && X509_NAME_cmp(sorted[i - 1], sorted[i]) == 0) continue;
    ++size.unique_names;
    size.list_bytes += 2 + static_cast<std::size_t>(i2d_X509_NAME(sorted[i], nullptr));
  }
  return size;
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
  std::string head = fmt::format("The CA list is {} bytes ({} name{})", with_commas(size.list_bytes),
                                 size.unique_names, size.unique_names == 1 ? "" : "s");
  for (const auto& b : bands(t)) {
    if (size.list_bytes > b.limit) return fmt::format("{}, above {}: {}.", head, with_commas(b.limit), b.who_fails);
  }
  return fmt::format("{}, within {} bytes: every known client accepts it.", head, with_commas(t.notice));
}

std::vector<Finding> judge_ca_list_size(const CaListSize& size, const CaListThresholds& t, std::string_view what) {
  for (const auto& r : bands(t)) {
    if (size.list_bytes <= r.limit) continue;
    Finding f;
    f.level = r.level;
    f.code = r.code;
    f.message = fmt::format("{}: {}", what, ca_list_verdict(size, t));
    f.hint =
        "keep only the CAs that issued your own certificate and the client certificates you accept in "
        "confCACERT, and put every other trusted CA in the hashed confCACERT_PATH directory "
        "(mtlscert bundle split)";
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
