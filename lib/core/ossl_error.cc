#include "core/ossl_error.h"

#include <openssl/err.h>

#include <fmt/format.h>

#include "core/error.h"

namespace mtlscert::ossl {

void clear_errors() noexcept { ERR_clear_error(); }

std::vector<QueuedError> drain_errors() {
  std::vector<QueuedError> out;
  const char* file = nullptr;
  const char* func = nullptr;
  const char* data = nullptr;
  int line = 0;
  int flags = 0;
  for (;;) {
    unsigned long code = ERR_get_error_all(&file, &line, &func, &data, &flags);
    if (code == 0) break;
    QueuedError e;
    e.code = code;
    if (const char* lib = ERR_lib_error_string(code)) e.library = lib;
    if (const char* reason = ERR_reason_error_string(code)) e.reason = reason;
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0) e.data = data;
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    e.text = buf;
    if (!e.data.empty()) e.text += fmt::format(" ({})", e.data);
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// The most specific entry is usually the last one that carries a reason; the
// generic wrappers ("PEM lib", "nested asn1 error") come first or in between.
const QueuedError* most_specific(const std::vector<QueuedError>& queue) {
  const QueuedError* best = nullptr;
  for (const auto& e : queue) {
    if (e.reason.empty()) continue;
    if (best == nullptr || e.reason != "nested asn1 error") best = &e;
  }
  return best;
}

}  // namespace

std::string reason_hint(const std::vector<QueuedError>& queue) {
  for (const auto& e : queue) {
    if (e.library == "DECODER routines" && e.reason == "unsupported") {
      // openssl/openssl#17378: a DES-encrypted or otherwise legacy key hits this too.
      return "it is not in a format OpenSSL 3 reads by default (or it is encrypted with a legacy "
             "cipher); re-export it as unencrypted PKCS#8 PEM: openssl pkey -in OLD -out NEW";
    }
    if (contains(e.reason, "bad decrypt") || contains(e.reason, "interrupted or cancelled")) {
      return "the key is encrypted; sendmail reads its key unattended, so decrypt it: "
             "openssl pkey -in ENCRYPTED -out PLAIN";
    }
    if (contains(e.reason, "no start line")) {
      return "the file holds no PEM block of the expected kind; check you passed the right file";
    }
    if (contains(e.reason, "key values mismatch")) {
      return "the key does not belong to this certificate; pass the key the CSR was made with";
    }
  }
  return {};
}

void throw_error(std::string_view doing, std::string_view path, std::string_view hint) {
  auto queue = drain_errors();
  std::string message;
  if (const QueuedError* e = most_specific(queue)) {
    message = fmt::format("{}: {}", doing, e->data.empty() ? e->reason : e->reason + " (" + e->data + ")");
  } else {
    message = fmt::format("unknown OpenSSL failure while {}", doing);
  }
  std::string advice = hint.empty() ? reason_hint(queue) : std::string(hint);
  std::vector<std::string> raw;
  raw.reserve(queue.size());
  for (auto& e : queue) raw.push_back(std::move(e.text));
  throw Error(std::move(message), std::string(path), std::move(advice), std::move(raw));
}

}  // namespace mtlscert::ossl
