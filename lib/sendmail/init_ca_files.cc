// init_ca_files.cc: init's CA step on top of `bundle split` (bundle.h): the trusted bundle
// plus the extra CAs, split into a short confCACERT (the server certificate's chain) and a
// hashed confCACERT_PATH. Reports "changed" only when a byte or a link changed.
#include "sendmail/init_ca_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include <fmt/format.h>

#include "bundle/bundle.h"
#include "core/error.h"
#include "core/io.h"
#include "sendmail/options.h"

namespace mtlscert::detail {
namespace {

std::string read_or_empty(const std::string& path, std::string_view role) {
  try {
    return io::read_file(path, role);
  } catch (const Error&) {
    return {};
  }
}

// The split input (bundle + extra CAs) lives next to confCACERT only while split reads it.
class TempInput {
 public:
  TempInput(const std::string& dir, const std::string& bytes)
      : path_(fmt::format("{}/.mtlscert-split-input.{}.pem", dir, ::getpid())) {
    io::write_file_atomic(path_, bytes, {0600, true, std::nullopt, "CA bundle (temporary)"});
  }
  ~TempInput() { ::unlink(path_.c_str()); }
  TempInput(const TempInput&) = delete;
  TempInput& operator=(const TempInput&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

CaFilesOutcome write_ca_files(const std::string& bundle, const std::string& extra_pem, const std::string& server_cert,
                              const std::string& cacert, const std::string& capath) {
  CaFilesOutcome out;
  std::string input = extra_pem;
  if (!input.empty() && input.back() != '\n') input += '\n';
  input += io::read_file(bundle, "CA bundle (--cacert)");
  const std::string before = read_or_empty(cacert, sendmail_macro(SendmailOption::CaCert));
  const std::string dir = cacert.substr(0, cacert.rfind('/'));
  TempInput temp(dir.empty() ? "." : dir, input);

  SplitRequest req;
  req.path = temp.path();
  req.cacert = cacert;
  req.cacert_path = capath;
  req.overwrite = true;
  req.advertise.at = static_cast<std::int64_t>(::time(nullptr));
  req.advertise.keep_issuers_of = {server_cert};
  SplitResult r = split_bundle(req);
  out.advertised = r.advertised.size();
  out.trusted = r.trusted;
  out.cacert_changed = read_or_empty(cacert, sendmail_macro(SendmailOption::CaCert)) != before;
  out.capath_changed = !r.files_written.empty() || r.links_created > 0;
  out.warnings = r.warnings;
  return out;
}

}  // namespace mtlscert::detail
