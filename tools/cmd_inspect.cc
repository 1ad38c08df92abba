#include "cmd_inspect.h"

#include <ctime>
#include <optional>

#include <fmt/format.h>

#include "lifecycle/expiry.h"
#include "pki/inspect.h"

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
      the same as one JSON document (schema mtlscert.inspect/1)
  $ mtlscert inspect --expires-within 30d /etc/mail/tls/smtp.crt
      exit 1 (finding cert-expires-within) when it ends within 30 days)";

int run_inspect(const InspectOptions& options, const Output& out) {
  const std::time_t now = std::time(nullptr);
  // Parsed first: a bad duration is a usage error before any file is read.
  const std::int64_t within =
      options.expires_within.empty() ? -1 : parse_duration(options.expires_within, "--expires-within");
  std::vector<InspectedFile> files;
  Report report;
  report.inputs = options.files;
  std::optional<Error> first_error;
  for (const auto& path : options.files) {
    try {
      InspectedFile f = inspect_file(path, now);
      if (f.broken() && !first_error) {
        // A block that cannot be read is unreadable input (exit 2); the rest is still shown.
        first_error = Error(fmt::format("'{}' has a block that cannot be read (see 'Problem:')", path), path);
      }
      if (!out.json_mode()) out.result(inspect_text(f));
      files.push_back(std::move(f));
    } catch (const Error& e) {
      // The other files are still shown; the run exits 2 after them.
      if (!first_error) first_error = e;
      if (options.files.size() > 1) out.error(e);
      InspectedFile f;
      f.path = path;
      f.error = e.what();
      files.push_back(std::move(f));
    }
  }
  report.set_result(to_json(files));
  if (within >= 0) {
    for (const auto& f : files) {
      for (const auto& obj : f.objects) {
        if (!obj.certificate) continue;
        if (auto finding = expiry_finding(*obj.certificate, f.path, within, now))
          report.findings.push_back(std::move(*finding));
      }
    }
  }
  if (first_error) {
    if (options.files.size() > 1) {
      return out.fail(Error(fmt::format(
                                "{} of {} files could not be inspected",
                                [&] {
                                  std::size_t n = 0;
                                  for (const auto& f : files) n += f.error.empty() && !f.broken() ? 0 : 1;
                                  return n;
                                }(),
                                files.size()),
                            {}, first_error->hint()),
                      &report);
    }
    return out.fail(*first_error, &report);
  }
  return out.finish(report);
}

}  // namespace mtlscert::cli
