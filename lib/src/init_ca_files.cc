// TEMPORARY until the bundle library lands: confCACERT = extra_pem, capath created empty.
#include "init_ca_files.h"

#include <sys/stat.h>

#include "mtlscert/io.h"

namespace mtlscert::detail {

CaFilesOutcome write_ca_files(const std::string& /*bundle*/, const std::string& extra_pem,
                              const std::string& /*server_cert*/, const std::string& cacert,
                              const std::string& capath) {
  CaFilesOutcome out;
  std::string old;
  try {
    old = io::read_file(cacert, "confCACERT");
  } catch (...) {
  }
  if (old != extra_pem) {
    io::write_file_atomic(cacert, extra_pem, {0644, true, std::nullopt, "confCACERT"});
    out.cacert_changed = true;
  }
  if (::mkdir(capath.c_str(), 0755) == 0) out.capath_changed = true;
  out.advertised = 1;
  return out;
}

}  // namespace mtlscert::detail
