// init_ca_files.h (private to libmtlscert): init's and install-cert's CA step: the trusted
// bundle plus extra CAs (the private CA, a chain that came with a certificate) split into a
// short confCACERT (only the issuers of the server certificate) and a hashed confCACERT_PATH.
#pragma once

#include <string>
#include <vector>

namespace mtlscert::detail {

struct CaFilesOutcome {
  bool cacert_changed = false;
  bool capath_changed = false;
  std::size_t advertised = 0;  ///< CAs in confCACERT
  std::size_t trusted = 0;     ///< CA files in confCACERT_PATH
  std::vector<std::string> warnings;
};

/// write_ca_files: bundle (system CAs) + extra_pem (more CA certificates) → cacert holds the
/// CAs of server_cert's chain, capath every CA, hashed. Throws Error.
CaFilesOutcome write_ca_files(const std::string& bundle, const std::string& extra_pem, const std::string& server_cert,
                              const std::string& cacert, const std::string& capath);

}  // namespace mtlscert::detail
