#include "cmd_inspect.h"

#include <ctime>

#include <fmt/format.h>

#include "mtlscert/inspect.h"

namespace mtlscert::cli {

const char* const kInspectSummary =
    "Show what certificates, CSRs, private keys and bundles hold (PEM or DER; never key material)";
const char* const kInspectExamples = R"(  $ mtlscert inspect /etc/mail/tls/smtp.crt
      subject, issuer, SANs, validity and days left, key, EKU, basicConstraints, SHA-256
  $ mtlscert inspect smtp.csr smtp.key
      a CSR (does its signature verify?) and a key (type and size only)
  $ mtlscert inspect /etc/ssl/certs/ca-certificates.crt
      every certificate of a bundle, with its line number
  $ mtlscert inspect --json smtp.crt | jq -r '.files[0].objects[0].certificate.not_after'
      the same as one JSON document (schema mtlscert.inspect/1))";

int run_inspect(const InspectOptions& options, const Output& out) {
  const std::time_t now = std::time(nullptr);
  std::vector<InspectedFile> files;
  bool failed = false;
  for (const auto& path : options.files) {
    try {
      InspectedFile f = inspect_file(path, now);
      if (f.broken()) {
        failed = true;
        out.warn(fmt::format("'{}' has a block that cannot be read (see 'Problem:' below)", path));
      }
      if (!out.json_mode()) out.result(inspect_text(f));
      files.push_back(std::move(f));
    } catch (const Error& e) {
      failed = true;
      out.error(e);
      InspectedFile f;
      f.path = path;
      f.error = e.what();
      files.push_back(std::move(f));
    }
  }
  out.json(to_json(files));
  return failed ? static_cast<int>(Exit::Failed) : static_cast<int>(Exit::Ok);
}

}  // namespace mtlscert::cli
